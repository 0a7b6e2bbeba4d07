from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pushes.models import App, Role
from pushes.services import MAX_TEST_ACCOUNTS


class AppForm(forms.ModelForm):
    secret_key = forms.CharField(
        label="SecretKey",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        max_length=128,
        help_text=_(
            "The server key from the TPNS console (Basic Configuration). Stored encrypted."
        ),
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
        labels = {
            "name": _("Name"),
            "platform": _("Platform"),
            "gateway": _("Gateway"),
            "access_id": "AccessID",
            "default_account_type": _("Default account type"),
            "two_approvals_above": _("Two approvals above"),
        }
        help_texts = {
            "access_id": _("The AccessID from the TPNS console, e.g. 1500001048."),
            "gateway": _(
                "The TPNS service region the app was created in, or the built-in sandbox."
            ),
            "default_account_type": _("Preselected on Create Push."),
            "two_approvals_above": _(
                "Pushes to more accounts than this need two reviewers' approval. Leave blank "
                "for one."
            ),
        }

    def __init__(self, *args: Any, can_move: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_move:
            # The gateway and AccessID say whose devices and records these are; only
            # staff may point an app somewhere else.
            for name in ("gateway", "access_id"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only a staff administrator can change this.")
        if self.instance.pk:
            self.fields["secret_key"].required = False
            self.fields["secret_key"].help_text = _(
                "Current key ends in %(last4)s. Leave blank to keep it."
            ) % {"last4": self.instance.secret_key_last4}


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            # One answer whether the account is missing or inactive: the form does not
            # tell an app admin which usernames exist.
            raise forms.ValidationError(
                _(
                    "“%(username)s” cannot be added. Check the spelling; a staff administrator "
                    "creates accounts."
                ),
                params={"username": username},
            )
        return user


class TestAccountsForm(forms.Form):
    test_accounts = forms.CharField(
        label=_("Test accounts"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
        help_text=format_lazy(
            _(
                "One account per line, at most {max}. Test pushes from the preview go to these "
                "accounts at once, without review. Leave empty to turn test pushes off."
            ),
            max=MAX_TEST_ACCOUNTS,
        ),
    )

    __test__ = False  # not a pytest test class, despite the name
