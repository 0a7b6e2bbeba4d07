"""A person's own settings: the console's language and time zone."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes.models.base import TimestampedModel


def validate_language(value: str) -> None:
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."), code="language")


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="time_zone")


class UserPreference(TimestampedModel):
    """Kept per user so a choice follows them to every browser and device.

    Blank means "not chosen": the language then comes from the browser (Accept-Language),
    the time zone from settings.TIME_ZONE.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    # A code of settings.LANGUAGES, checked rather than stored as choices so that adding a
    # language needs no migration.
    language = models.CharField(max_length=16, blank=True, validators=[validate_language])
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])

    def __str__(self) -> str:
        return f"{self.user} · {self.language or '-'} · {self.time_zone or '-'}"
