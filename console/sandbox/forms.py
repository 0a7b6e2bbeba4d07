"""The Sandbox page's forms: a sandbox app's engagement model, and a new device."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pushes.models import account_type_choices
from pushes.sandbox import engagement
from pushes.sandbox.models import SandboxApp
from pushes.sandbox.validation import MAX_ACCOUNT_CHARS

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError

RATES = ("arrival_rate", "click_rate", "clear_rate")
DELAYS = ("arrival_delay_seconds", "engage_delay_seconds")


def _default(name: str) -> Any:
    """The model's default, shown next to the field."""
    field = SandboxApp._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_default()


def _percent(share: float) -> Decimal:
    """A share (0–1) as a percentage without trailing zeros: 0.08 → 8, 0.125 → 12.5."""
    return Decimal(str(round(share * 100, 2))).normalize() + 0


def _rate_field(name: str, label: Any, help_text: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=format_lazy(
            _("{text} Default: {default}%."),
            text=help_text,
            default=_percent(_default(name)),
        ),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _delay_field(name: str, label: Any, help_text: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=engagement.MAX_DELAY_SECONDS,
        help_text=format_lazy(
            _("{text} Default: {default} s."), text=help_text, default=_default(name)
        ),
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )


class SandboxForm(forms.Form):
    """A form whose data a sandbox service checks again, raising problems per field."""

    def add_service_errors(self, error: ValidationError) -> None:
        """A sandbox service's problems, each next to its field."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class EngagementForm(SandboxForm):
    """Rates as percentages (what a marketer reads in TPNS's reports), delays in seconds."""

    arrival_rate = _rate_field(
        "arrival_rate",
        _("Arrival rate (%)"),
        _("How many of the delivered notifications reach the device."),
    )
    click_rate = _rate_field(
        "click_rate",
        _("Click rate (%)"),
        _("How many of the notifications that arrive are opened."),
    )
    clear_rate = _rate_field(
        "clear_rate",
        _("Clear rate (%)"),
        _("How many of the notifications that arrive are dismissed without being opened."),
    )
    arrival_delay_seconds = _delay_field(
        "arrival_delay_seconds",
        _("Arrival delay (seconds)"),
        _("The average time from sending to arrival."),
    )
    engage_delay_seconds = _delay_field(
        "engage_delay_seconds",
        _("Engagement delay (seconds)"),
        _("The average time from arrival to an open or a dismissal."),
    )

    @classmethod
    def for_app(cls, app: SandboxApp, data: Any = None) -> EngagementForm:
        initial: dict[str, Any] = {name: _percent(getattr(app, name)) for name in RATES}
        initial.update({name: getattr(app, name) for name in DELAYS})
        return cls(data, initial=initial, prefix="engagement")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(name in cleaned for name in (*RATES, *DELAYS)):
            for name, problem in engagement.problems(**self.model_values(cleaned)).items():
                self.add_error(name, problem)
        return cleaned

    @staticmethod
    def model_values(cleaned: dict[str, Any]) -> dict[str, Any]:
        """The form's values as the model keeps them: rates as shares of 1."""
        values: dict[str, Any] = {name: float(cleaned[name]) / 100 for name in RATES}
        values.update({name: cleaned[name] for name in DELAYS})
        return values


class DeviceForm(SandboxForm):
    platform = forms.ChoiceField(
        label=_("Platform"),
        choices=[("android", "Android"), ("ios", "iOS")],
        initial="android",
    )
    token = forms.CharField(
        label=_("Token"),
        required=False,
        max_length=36,
        help_text=_("Leave blank for a new random token."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    label = forms.CharField(
        label=_("Label"),
        required=False,
        max_length=100,
        help_text=_("A name to tell it apart, e.g. “Alice's phone”."),
    )
    account = forms.CharField(
        label=_("Account"),
        required=False,
        max_length=MAX_ACCOUNT_CHARS,
        help_text=_("Optional: bind this account to the new device."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    account_type = forms.TypedChoiceField(
        label=_("Account type"),
        coerce=int,
        choices=account_type_choices,
        initial=0,
        help_text=_("The type the account is bound as; a push must use the same type."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "device")
        super().__init__(*args, **kwargs)
