from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pushes.models.plan import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS


class PlanForm(forms.Form):
    name = forms.CharField(
        label=_("Plan name"),
        max_length=MAX_NAME_CHARS,
        help_text=_("Up to 60 characters, e.g. “Double 11 campaign”."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=MAX_DESCRIPTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the plan's pushes are for (required by TPNS)."),
    )
