"""The Users pages (staff), the set-password link's page (anyone holding a link), everyone's
password change, and the Add member form's role and user list."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pushes import services
from pushes.models import AuditEvent, Membership, Role
from tests.console.test_security_headers import assert_secure_headers
from tests.factories import AppFactory, MembershipFactory, UserFactory

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.contrib.auth.models import User
    from django.core.mail import EmailMessage
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NEW_PASSWORD = "plum-violet-orchard-77"
LINK = re.compile(r'value="(https?://[^"]+/password/set/[^"]+)"')


def _users() -> dict[str, User]:
    return {u.get_username(): u for u in get_user_model()._default_manager.all()}


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _link_on(response: Response) -> str | None:
    found = LINK.search(response.content.decode())
    return found.group(1) if found else None


def _create(client: Client, **fields: str) -> Response:
    data = {"username": "nina", "email": "nina@example.com", "first_name": "Nina", **fields}
    return client.post(reverse("console:user-create"), data, follow=True)


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


# The list ---------------------------------------------------------------------------------


def test_the_list_shows_each_users_apps_roles_and_flags(
    staff_client: Client, app: App, marketer: User, staff: User
) -> None:
    MembershipFactory(app=AppFactory(name="Other Shop"), user=marketer, role=Role.REVIEWER)

    html = staff_client.get(reverse("console:user-list")).content.decode()

    row = html[html.index('data-testid="user-mia"') :].split("</tr>")[0]
    assert "Demo Shop · Marketer" in row and "Other Shop · Reviewer" in row
    root = html[html.index('data-testid="user-root"') :].split("</tr>")[0]
    assert "Staff" in root and "Every app, as staff" in root


def test_the_list_searches_and_filters(staff_client: Client, marketer: User, staff: User) -> None:
    UserFactory(username="old-timer", first_name="Olga", is_active=False)
    url = reverse("console:user-list")

    def names(**query: str) -> set[str]:
        html = staff_client.get(url, query).content.decode()
        return set(re.findall(r'data-testid="user-([^"]+)"', html))

    assert names() == {"mia", "root"}  # active people by default
    assert names(status="inactive") == {"old-timer"}
    assert names(status="all", q="olg") == {"old-timer"}
    assert names(q="MIA@example") == {"mia"}
    assert names(staff="on") == {"root"}


@pytest.mark.parametrize("persona", ["marketer", "reviewer", "app_admin"])
def test_the_users_menu_item_is_for_staff_only(
    persona: str, client: Client, request: pytest.FixtureRequest, staff: User
) -> None:
    users_link = f'href="{reverse("console:user-list")}"'
    client.force_login(request.getfixturevalue(persona))
    assert users_link not in client.get(reverse("console:app-list")).content.decode()
    client.force_login(staff)
    assert users_link in client.get(reverse("console:app-list")).content.decode()


# Creating, and the link shown once ------------------------------------------------------------


def test_a_new_user_gets_a_link_shown_once(staff_client: Client) -> None:
    response = _create(staff_client)

    nina = _users()["nina"]
    assert response.redirect_chain == [(reverse("console:user-detail", args=[nina.pk]), 302)]
    assert "User nina created." in response.content.decode()
    link = _link_on(response)
    assert link is not None and link.startswith("http://testserver/password/set/")
    assert "no-cache" in response["Cache-Control"]  # the page holding it is never cached
    again = staff_client.get(reverse("console:user-detail", args=[nina.pk]))
    assert _link_on(again) is None
    assert not nina.has_usable_password()


def test_the_form_needs_no_password_and_refuses_a_taken_username(
    staff_client: Client, marketer: User
) -> None:
    page = staff_client.get(reverse("console:user-create")).content.decode()
    assert 'type="password"' not in page

    response = _create(staff_client, username="Mia")

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert "Mia" not in _users()


def test_a_new_users_link_can_be_emailed_instead(
    staff_client: Client, settings: Settings, mailoutbox: list[EmailMessage]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = _create(staff_client, send_email="on")

    [mail] = mailoutbox
    assert mail.to == ["nina@example.com"]
    assert "A set-password link was e-mailed to nina@example.com." in response.content.decode()
    assert _link_on(response) is None


def test_emailing_needs_an_address(
    staff_client: Client, settings: Settings, mailoutbox: list[EmailMessage]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = _create(staff_client, email="", send_email="on")

    assert response.status_code == 200
    assert "Enter the e-mail address to send the link to." in response.content.decode()
    assert "nina" not in _users()
    assert mailoutbox == []


def test_without_a_mail_server_the_link_is_only_shown(
    staff_client: Client, settings: Settings, staff: User
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    page = staff_client.get(reverse("console:user-create")).content.decode()
    assert 'name="send_email"' not in page

    _create(staff_client)

    nina = _users()["nina"]
    detail = staff_client.get(reverse("console:user-detail", args=[nina.pk])).content.decode()
    assert "E-mail a link" not in detail
    assert "Show a set-password link" in detail


def test_a_failing_mail_server_is_told_and_nothing_recorded(
    staff_client: Client, marketer: User, settings: Settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1  # nothing listens there

    response = staff_client.post(
        reverse("console:user-password-link", args=[marketer.pk]),
        {"delivery": "email"},
        follow=True,
    )

    assert "The e-mail could not be sent." in response.content.decode()
    assert not AuditEvent.objects.filter(action="user.password_link").exists()


def test_a_new_link_for_an_existing_user(staff_client: Client, marketer: User) -> None:
    response = staff_client.post(
        reverse("console:user-password-link", args=[marketer.pk]), {"delivery": "show"}, follow=True
    )

    assert _link_on(response) is not None
    marketer.refresh_from_db()
    assert marketer.check_password(PASSWORD)  # works until the new one is chosen


# Deactivating -------------------------------------------------------------------------------


def test_deactivating_signs_the_user_out_and_keeps_them_out(
    staff_client: Client, marketer: User
) -> None:
    mia = Client()
    mia.force_login(marketer)

    response = staff_client.post(
        reverse("console:user-set-active", args=[marketer.pk]), {"active": "0"}, follow=True
    )

    assert "mia is deactivated and signed out everywhere." in response.content.decode()
    assert mia.get(reverse("console:app-list")).status_code == 302
    mia.post(reverse("login"), {"username": "mia", "password": PASSWORD})
    assert not _signed_in(mia)
    page = response.content.decode()
    assert "Reactivate" in page and "Show a set-password link" not in page


def test_staff_cannot_deactivate_themselves(staff_client: Client, staff: User) -> None:
    page = staff_client.get(reverse("console:user-detail", args=[staff.pk])).content.decode()
    assert "Deactivate" not in page

    response = staff_client.post(
        reverse("console:user-set-active", args=[staff.pk]), {"active": "0"}, follow=True
    )

    assert "You cannot deactivate or reactivate yourself" in response.content.decode()
    staff.refresh_from_db()
    assert staff.is_active


# The link's page ------------------------------------------------------------------------------


def _link_for(user: User, staff: User) -> str:
    return services.user_reset_link(by=staff, user=user).path


def test_the_link_sets_a_password_once_without_signing_in(
    client: Client, staff: User, app: App
) -> None:
    nina = services.user_create(by=staff, username="nina")
    link = _link_for(nina, staff)

    opened = client.get(link)
    # The token leaves the URL (and any Referer) before the form is shown.
    assert opened.status_code == 302 and opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert "Set your password" in form.content.decode()
    assert_secure_headers(form)
    done = client.post(
        opened["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == reverse("login")
    assert "Your password is set. Log in with it now." in done.content.decode()
    client.post(reverse("login"), {"username": "nina", "password": NEW_PASSWORD})
    assert _signed_in(client)
    again = Client().get(link)
    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()


def test_the_link_page_refuses_a_weak_password(client: Client, staff: User) -> None:
    nina = services.user_create(by=staff, username="nina")
    url = client.get(_link_for(nina, staff))["Location"]

    response = client.post(url, {"new_password1": "nina1", "new_password2": "nina1"})

    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    nina.refresh_from_db()
    assert not nina.has_usable_password()


def test_a_deactivated_users_link_does_not_work(client: Client, staff: User) -> None:
    nina = services.user_create(by=staff, username="nina")
    link = _link_for(nina, staff)
    services.user_set_active(by=staff, user=nina, active=False)

    response = client.get(link)

    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_a_made_up_link_does_not_work(client: Client, db: None) -> None:
    response = client.get(reverse("password-set", kwargs={"uidb64": "MQ", "token": "abc-123"}))

    assert "This link does not work" in response.content.decode()
    assert_secure_headers(response)


# Everyone's own password ---------------------------------------------------------------------


def test_the_preferences_page_links_to_the_password_change(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)

    page = client.get(reverse("preferences")).content.decode()

    assert f'href="{reverse("console:password-change")}"' in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client: Client, reviewer: User
) -> None:
    elsewhere = Client()
    elsewhere.force_login(reviewer)
    client.force_login(reviewer)

    response = client.post(
        reverse("console:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("preferences")
    assert "Password changed." in response.content.decode()
    assert client.get(reverse("console:app-list")).status_code == 200
    assert elsewhere.get(reverse("console:app-list")).status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)

    response = client.post(
        reverse("console:password-change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


# Add member ---------------------------------------------------------------------------------


def _member_form(client: Client, app: App) -> str:
    html = client.get(reverse("console:app-detail", kwargs={"code": app.code})).content.decode()
    return html[html.index('action="' + reverse("console:member-set", args=[app.code])) :]


def test_add_member_defaults_to_the_least_privilege(
    client: Client, app: App, app_admin: User
) -> None:
    client.force_login(app_admin)

    form = _member_form(client, app)

    assert re.search(r'<option value="reviewer" selected>', form)
    assert not re.search(r'<option value="admin" selected>', form)


def test_staff_pick_any_active_user_or_create_one(
    client: Client, app: App, marketer: User, staff: User
) -> None:
    UserFactory(username="nina")
    UserFactory(username="gone", is_active=False)
    client.force_login(staff)

    form = _member_form(client, app)

    offered = set(re.findall(r'<option value="([^"]+)">', form.split("</datalist>")[0]))
    assert {"nina", "root"} <= offered
    assert "mia" not in offered  # a member already
    assert "gone" not in offered
    assert f'href="{reverse("console:user-create")}"' in form


def test_an_app_admin_is_offered_only_people_they_already_see(
    client: Client, app: App, app_admin: User, stranger: User
) -> None:
    other = cast("App", AppFactory(name="Ada's other app"))
    MembershipFactory(app=other, user=app_admin, role=Role.ADMIN)
    MembershipFactory(app=other, user=UserFactory(username="colleague"), role=Role.MARKETER)
    client.force_login(app_admin)

    form = _member_form(client, app)

    offered = set(re.findall(r'<option value="([^"]+)">', form.split("</datalist>")[0]))
    assert offered == {"colleague"}
    assert "sam" not in form  # a marketer of an app ada does not administer
    assert f'href="{reverse("console:user-create")}"' not in form


def test_picking_a_user_adds_them_with_the_chosen_role(
    client: Client, app: App, app_admin: User
) -> None:
    UserFactory(username="nina")
    client.force_login(app_admin)

    client.post(
        reverse("console:member-set", args=[app.code]), {"username": "nina", "role": "reviewer"}
    )

    assert Membership.objects.get(app=app, user__username="nina").role == Role.REVIEWER


# In Simplified Chinese ------------------------------------------------------------------------


@pytest.fixture
def _language_reset() -> Iterator[None]:
    """The locale middleware leaves the request's language active in this thread: the
    tests after this one expect the default language again."""
    yield
    translation.deactivate()


@pytest.mark.usefixtures("_language_reset")
def test_the_users_pages_read_in_chinese(client: Client, staff: User, marketer: User) -> None:
    from tests.console.test_i18n import english_words

    zh = {"Accept-Language": "zh-hans"}
    nina = services.user_create(by=staff, username="nina", email="nina@example.com")
    gone = services.user_create(by=staff, username="gone")
    services.user_set_active(by=staff, user=gone, active=False)
    link = services.user_reset_link(by=staff, user=nina).path
    data = {u.get_username() for u in _users().values()} | {u.email for u in _users().values()}
    data |= {"Demo Shop", "Marketer"}  # stored and role names, translated elsewhere
    anonymous = Client()
    pages = {"set-password": anonymous.get(anonymous.get(link)["Location"], headers=zh)}
    pages["used link"] = Client().get("/password/set/MQ/abc-123/", headers=zh)
    client.force_login(staff)
    client.post(reverse("console:user-password-link", args=[nina.pk]), {"delivery": "show"})
    for url in [
        reverse("console:user-detail", args=[nina.pk]),  # with the link shown
        reverse("console:user-detail", args=[gone.pk]),
        reverse("console:user-detail", args=[staff.pk]),
        reverse("console:user-list") + "?status=all",
        reverse("console:user-list") + "?q=nobody",
        reverse("console:user-create"),
        reverse("console:password-change"),
    ]:
        pages[url] = client.get(url, headers=zh)

    found = {
        name: english_words(response.content.decode(), data)
        for name, response in pages.items()
        if english_words(response.content.decode(), data)
    }

    assert found == {}
