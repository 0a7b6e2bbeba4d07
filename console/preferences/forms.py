"""A person's own settings."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Blank: the language your browser asks for."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Times in the console are shown in this zone."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        zone = self.fields["time_zone"]
        assert isinstance(language, forms.ChoiceField) and isinstance(zone, forms.ChoiceField)
        language.choices = [("", _("As the browser asks")), *settings.LANGUAGES]
        default = _("Server default (%(zone)s)") % {"zone": settings.TIME_ZONE}
        zone.choices = [("", default), *((name, name) for name in time_zone_names())]
