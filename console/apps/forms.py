from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pushes import selectors
from pushes.models import App, Role
from pushes.services import MAX_TEST_ACCOUNTS

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.forms.renderers import BaseRenderer
    from django.utils.safestring import SafeString


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


class UsernameInput(forms.TextInput):
    """A text input offering usernames to pick from (a <datalist>); typing still works."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.suggestions: list[str] = []

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        if not self.suggestions:
            return super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id') or name}_choices"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">', ((u,) for u in self.suggestions))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class MemberForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=UsernameInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    # Reviewer is the least privilege: alone, a reviewer can make nothing reach anyone's
    # device (approving needs another person's push). A marketer alone can: test pushes go
    # out to the app's test accounts without review. Admin is the most.
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REVIEWER)

    def __init__(
        self, *args: Any, app: App | None = None, by: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if app is None or by is None:
            return
        field = self.fields["username"]
        assert isinstance(field.widget, UsernameInput)
        field.widget.suggestions = selectors.member_suggestions(app=app, by=by)
        if field.widget.suggestions:
            field.help_text = _("Type a username or pick one from the list.")
        if by.is_staff:
            field.help_text = format_html(
                '{} <a href="{}">{}</a>',
                field.help_text or "",
                reverse("console:user-create"),
                _("Not there? Create a user."),
            )

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
