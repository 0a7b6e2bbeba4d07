"""People: staff create and deactivate accounts and hand out one-time set-password links;
everyone changes their own password. Every change is audited, never a password or a link."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.test import Client
from django.urls import reverse

from pushes import services
from pushes.errors import Invalid, NotAllowed, WrongState
from pushes.models import AuditEvent
from tests.factories import UserFactory

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.mail import EmailMessage
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NEW_PASSWORD = "plum-violet-orchard-77"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _token_of(link: services.PasswordLink) -> str:
    return link.path.rstrip("/").rsplit("/", 1)[-1]


def _logs_in(username: str, password: str) -> bool:
    """Through the login page, as a person does (login throttling needs the request)."""
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def _newcomer() -> User:
    return cast("User", UserFactory(username="nina"))


# Creating -------------------------------------------------------------------------------


def test_it_creates_an_active_user_without_a_usable_password(staff: User) -> None:
    user = services.user_create(
        by=staff, username=" nina ", email="nina@example.com", first_name="Nina"
    )

    user.refresh_from_db()
    assert user.username == "nina"
    assert user.is_active and not user.is_staff
    assert not user.has_usable_password()
    [event] = _events("user.created")
    assert event.actor == staff
    assert event.object_id == str(user.pk)
    assert event.data == {"username": "nina", "email": "nina@example.com", "is_staff": False}


def test_it_can_create_a_staff_administrator(staff: User) -> None:
    user = services.user_create(by=staff, username="stella", is_staff=True)

    assert user.is_staff
    assert _events("user.created")[0].data["is_staff"] is True


@pytest.mark.parametrize("persona", ["marketer", "reviewer", "app_admin"])
def test_only_staff_create_users(persona: str, request: pytest.FixtureRequest) -> None:
    by = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        services.user_create(by=by, username="nina")

    assert not get_user_model()._default_manager.filter(username="nina").exists()
    assert _events("user.created") == []


def test_a_username_taken_in_another_case_is_refused(staff: User, marketer: User) -> None:
    with pytest.raises(Invalid) as refused:
        services.user_create(by=staff, username="MIA")

    assert refused.value.message_dict.keys() == {"username"}
    assert _events("user.created") == []


def test_a_username_with_spaces_or_slashes_is_refused(staff: User) -> None:
    with pytest.raises(Invalid) as refused:
        services.user_create(by=staff, username="nina smith/2")

    assert "username" in refused.value.message_dict


def test_a_bad_email_address_is_refused(staff: User) -> None:
    with pytest.raises(Invalid) as refused:
        services.user_create(by=staff, username="nina", email="not an address")

    assert "email" in refused.value.message_dict


# Deactivating -------------------------------------------------------------------------


def test_a_deactivated_user_cannot_log_in(staff: User, marketer: User) -> None:
    services.user_set_active(by=staff, user=marketer, active=False)

    assert not _logs_in("mia", PASSWORD)
    [event] = _events("user.deactivated")
    assert event.actor == staff
    assert event.data == {"username": "mia"}


def test_deactivating_ends_the_users_sessions_and_no_one_elses(
    staff: User, marketer: User, reviewer: User
) -> None:
    mia, rob = Client(), Client()
    mia.force_login(marketer)
    rob.force_login(reviewer)

    services.user_set_active(by=staff, user=marketer, active=False)

    assert mia.get("/").status_code == 302  # to the login page
    assert rob.get("/").status_code == 200
    # Reactivated, mia signs in again: the old session does not come back to life.
    services.user_set_active(by=staff, user=marketer, active=True)
    assert mia.get("/").status_code == 302
    assert [e.data["username"] for e in _events("user.reactivated")] == ["mia"]


def test_end_sessions_deletes_only_that_users_sessions(marketer: User, reviewer: User) -> None:
    for user in (marketer, marketer, reviewer):
        Client().force_login(user)

    assert services.end_sessions(marketer) == 2
    assert services.end_sessions(marketer) == 0
    assert services.end_sessions(reviewer) == 1


def test_nobody_deactivates_themselves(staff: User) -> None:
    with pytest.raises(Invalid):
        services.user_set_active(by=staff, user=staff, active=False)

    staff.refresh_from_db()
    assert staff.is_active
    assert _events("user.deactivated") == []


@pytest.mark.parametrize("persona", ["marketer", "reviewer", "app_admin"])
def test_only_staff_deactivate(persona: str, request: pytest.FixtureRequest) -> None:
    target = _newcomer()

    with pytest.raises(NotAllowed):
        services.user_set_active(by=request.getfixturevalue(persona), user=target, active=False)

    target.refresh_from_db()
    assert target.is_active


def test_deactivating_twice_records_one_event(staff: User, marketer: User) -> None:
    services.user_set_active(by=staff, user=marketer, active=False)
    services.user_set_active(by=staff, user=marketer, active=False)

    assert len(_events("user.deactivated")) == 1


# Set-password links ---------------------------------------------------------------------


def test_a_link_is_audited_without_its_token(staff: User) -> None:
    user = _newcomer()

    link = services.user_reset_link(by=staff, user=user)

    assert default_token_generator.check_token(user, _token_of(link))
    [event] = _events("user.password_link")
    assert event.data["delivery"] == "shown"
    assert event.data["username"] == "nina"
    assert _token_of(link) not in json.dumps(event.data)


def test_a_link_works_once(staff: User) -> None:
    user = services.user_create(by=staff, username="nina")
    link = services.user_reset_link(by=staff, user=user)

    services.user_password_set(user=user, password=NEW_PASSWORD)

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not default_token_generator.check_token(user, _token_of(link))
    [event] = _events("user.password_set")
    assert event.actor == user


def test_a_link_stops_working_once_its_owner_signs_in(staff: User, marketer: User) -> None:
    link = services.user_reset_link(by=staff, user=marketer)

    assert _logs_in("mia", PASSWORD)

    marketer.refresh_from_db()
    assert not default_token_generator.check_token(marketer, _token_of(link))


def test_a_link_expires(staff: User, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = _newcomer()
    link = services.user_reset_link(by=staff, user=user)
    assert link.expires_at - timedelta(hours=1) <= datetime.now(tz=link.expires_at.tzinfo)
    assert default_token_generator.check_token(user, _token_of(link))

    later = datetime.now() + timedelta(seconds=3601)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    assert not default_token_generator.check_token(user, _token_of(link))


@pytest.mark.parametrize("persona", ["marketer", "reviewer", "app_admin"])
def test_only_staff_make_links(persona: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(NotAllowed):
        services.user_reset_link(by=request.getfixturevalue(persona), user=_newcomer())

    assert _events("user.password_link") == []


def test_no_link_for_a_deactivated_user(staff: User, marketer: User) -> None:
    services.user_set_active(by=staff, user=marketer, active=False)

    with pytest.raises(WrongState):
        services.user_reset_link(by=staff, user=marketer)


def test_a_deactivated_user_cannot_set_a_password(staff: User, marketer: User) -> None:
    services.user_set_active(by=staff, user=marketer, active=False)

    with pytest.raises(NotAllowed):
        services.user_password_set(user=marketer, password=NEW_PASSWORD)

    marketer.refresh_from_db()
    assert marketer.check_password(PASSWORD)


def test_a_link_is_emailed_with_the_sites_address(
    staff: User, settings: Settings, mailoutbox: list[EmailMessage]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUSHDECK_BASE_URL = "https://push.example.com"
    user = _newcomer()

    link = services.user_reset_link(by=staff, user=user, send_email=True)

    [mail] = mailoutbox
    assert mail.to == ["nina@example.com"]
    assert f"https://push.example.com{link.path}" in str(mail.body)
    assert "nina" in str(mail.body)
    assert link.emailed_to == "nina@example.com"
    assert _events("user.password_link")[0].data["delivery"] == "emailed"


def test_a_link_is_not_emailed_by_the_console_backend(
    staff: User, settings: Settings, mailoutbox: list[EmailMessage]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    with pytest.raises(WrongState):
        services.user_reset_link(by=staff, user=_newcomer(), send_email=True)

    assert mailoutbox == []
    assert _events("user.password_link") == []


def test_a_link_is_not_emailed_without_an_address(
    staff: User, settings: Settings, mailoutbox: list[EmailMessage]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = cast("User", UserFactory(username="nomail", email=""))

    assert not services.can_email_link(user)
    with pytest.raises(WrongState):
        services.user_reset_link(by=staff, user=user, send_email=True)

    assert mailoutbox == []


def test_a_mail_server_failure_records_nothing(
    staff: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def refuse(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("pushes.services.users.send_mail", refuse)

    with pytest.raises(OSError):
        services.user_reset_link(by=staff, user=_newcomer(), send_email=True)

    assert _events("user.password_link") == []


# Passwords -------------------------------------------------------------------------------


def test_a_weak_password_is_refused(staff: User) -> None:
    user = services.user_create(by=staff, username="nina")

    with pytest.raises(Invalid) as refused:
        services.user_password_set(user=user, password="12345")

    assert "password" in refused.value.message_dict
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert _events("user.password_set") == []


def test_everyone_changes_their_own_password(marketer: User) -> None:
    services.user_password_change(user=marketer, old_password=PASSWORD, new_password=NEW_PASSWORD)

    marketer.refresh_from_db()
    assert marketer.check_password(NEW_PASSWORD)
    [event] = _events("user.password_changed")
    assert event.actor == marketer
    assert NEW_PASSWORD not in json.dumps(event.data)


def test_changing_a_password_needs_the_old_one(marketer: User) -> None:
    with pytest.raises(Invalid) as refused:
        services.user_password_change(
            user=marketer, old_password="wrong", new_password=NEW_PASSWORD
        )

    assert refused.value.message_dict.keys() == {"old_password"}
    marketer.refresh_from_db()
    assert marketer.check_password(PASSWORD)
    assert _events("user.password_changed") == []
