from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from pushes.models import App, Role
from pushes.services import MAX_TEST_ACCOUNTS


class AppForm(forms.ModelForm):
    secret_key = forms.CharField(
        label="SecretKey",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        max_length=128,
        help_text="The server key from the TPNS console (Basic Configuration). Stored encrypted.",
    )

    class Meta:
        model = App
        fields = [
            "name",
            "platform",
            "gateway",
            "access_id",
            "default_account_type",
            "two_approvals_above",
        ]
        help_texts = {
            "access_id": "The AccessID from the TPNS console, e.g. 1500001048.",
            "gateway": "The TPNS service region the app was created in, or the built-in sandbox.",
            "default_account_type": "Preselected on Create Push.",
            "two_approvals_above": "Pushes to more accounts than this need two reviewers' "
            "approval. Leave blank for one.",
        }

    def __init__(self, *args: Any, can_move: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_move:
            # The gateway and AccessID say whose devices and records these are; only
            # staff may point an app somewhere else.
            for name in ("gateway", "access_id"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Only a staff administrator can change this."
        if self.instance.pk:
            self.fields["secret_key"].required = False
            self.fields[
                "secret_key"
            ].help_text = (
                f"Current key ends in {self.instance.secret_key_last4}. Leave blank to keep it."
            )


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices)

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            # One answer whether the account is missing or inactive: the form does not
            # tell an app admin which usernames exist.
            raise forms.ValidationError(
                f"“{username}” cannot be added. Check the spelling; a staff administrator "
                "creates accounts."
            )
        return user


class TestAccountsForm(forms.Form):
    test_accounts = forms.CharField(
        label="Test accounts",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
        help_text=f"One account per line, at most {MAX_TEST_ACCOUNTS}. Test pushes from the "
        "preview go to these accounts at once, without review. Leave empty to turn test "
        "pushes off.",
    )

    __test__ = False  # not a pytest test class, despite the name
