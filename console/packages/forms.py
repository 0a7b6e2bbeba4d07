"""Forms of the account package pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pushes.services import MAX_RETENTION_DAYS


class RetentionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Delete package files after (days)"),
        required=False,
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        help_text=_(
            "Files and error reports older than this are deleted; the records and their counts "
            "stay. Leave blank to keep files."
        ),
        widget=forms.NumberInput(attrs={"placeholder": _("Keep files"), "inputmode": "numeric"}),
    )
