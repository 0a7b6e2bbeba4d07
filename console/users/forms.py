"""The Users pages' forms: the list's filters, a new account, and how a link is delivered."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pushes.services import email_configured


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=150,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Username, name or e-mail")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))],
    )
    staff = forms.BooleanField(label=_("Staff administrators only"), required=False)


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What they sign in with: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Optional. Notifications and set-password links can go here."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    is_staff = forms.BooleanField(
        label=_("Staff administrator"),
        required=False,
        help_text=_(
            "Staff administrators create apps, manage users and act as admin of every app. "
            "Leave unticked for marketers and reviewers: an app admin gives them a role."
        ),
    )
    send_email = forms.BooleanField(
        label=_("E-mail the set-password link to them"),
        required=False,
        help_text=_("Otherwise the link is shown to you once, to pass on yourself."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not email_configured():
            del self.fields["send_email"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("send_email") and not cleaned.get("email"):
            self.add_error("email", _("Enter the e-mail address to send the link to."))
        return cleaned
