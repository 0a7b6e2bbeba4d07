"""The account lookup's two searches: by account (and its type), and by token."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pushes.models import account_type_choices

MAX_ACCOUNT_CHARS = 100
MAX_TOKEN_CHARS = 200


class _Described(forms.Form):
    """Fields point at their help and errors, so screen readers read them with the field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            described = [f"id_{name}_help"] if field.help_text else []
            if self.is_bound and name in self.errors:
                described.append(f"id_{name}_errors")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


class AccountLookupForm(_Described):
    account = forms.CharField(
        label=_("Account"),
        max_length=MAX_ACCOUNT_CHARS,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    account_type = forms.TypedChoiceField(
        label=_("Account type"),
        coerce=int,
        choices=account_type_choices,
        help_text=_("The type the account is bound as; a push must use the same type."),
    )


class TokenLookupForm(_Described):
    token = forms.CharField(
        label=_("Token"),
        max_length=MAX_TOKEN_CHARS,
        help_text=_("A device token, to see the accounts bound to it and its pushes today."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
