"""A person's own settings (language, time zone). Not audited: they change how the console
reads to that person only, nothing about apps, members or pushes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from pushes.models import UserPreference

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def user_preference_set(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> UserPreference:
    """Stores what is given; None leaves a setting as it is, "" clears it."""
    preference, _ = UserPreference.objects.select_for_update().get_or_create(user=user)
    if language is not None:
        preference.language = language
    if time_zone is not None:
        preference.time_zone = time_zone
    preference.full_clean()
    preference.save()
    return preference
