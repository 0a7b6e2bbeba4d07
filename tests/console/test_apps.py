from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, cast
from uuid import uuid4

import pytest
from django.urls import reverse

from pushes.audit import verify_chain
from pushes.models import App, AuditEvent, Membership, Role
from tests.factories import UserFactory

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client, RequestFactory
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db

SECRET = "1452fcebae9f3115ba794fb0fff2fd73"


def _create(client: Client, **overrides: str) -> Response:
    data = {
        "name": "Shop",
        "platform": "android",
        "gateway": "guangzhou",
        "access_id": "1500001048",
        "secret_key": SECRET,
        "default_account_type": "1002",
        **overrides,
    }
    return client.post(reverse("console:app-create"), data)


def test_staff_creates_an_app_with_the_secret_encrypted(client: Client, staff: User) -> None:
    client.force_login(staff)
    response = _create(client)
    app = App.objects.get(access_id="1500001048")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:app-detail", kwargs={"code": app.code})
    assert SECRET not in app.secret_key_encrypted
    assert app.secret_key == SECRET
    assert app.secret_key_last4 == "fd73"
    assert app.default_account_type == 1002
    event = AuditEvent.objects.get(action="app.created")
    assert event.app == app and event.actor == staff
    assert SECRET not in str(event.data)


def test_the_secret_is_never_rendered_back(client: Client, staff: User) -> None:
    client.force_login(staff)
    _create(client)
    app = App.objects.get()
    for name in ("console:app-detail", "console:app-edit"):
        body = client.get(reverse(name, kwargs={"code": app.code})).content.decode()
        assert SECRET not in body
        assert "fd73" in body


def test_create_errors_name_the_field_and_keep_input(client: Client, staff: User) -> None:
    client.force_login(staff)
    response = _create(client, access_id="abc", name="Kept name")
    body = response.content.decode()
    assert response.status_code == 200
    assert "AccessID is the number shown in the TPNS console." in body
    assert 'value="Kept name"' in body
    assert not App.objects.exists()


def test_duplicate_access_id_on_the_same_gateway_is_refused(client: Client, staff: User) -> None:
    client.force_login(staff)
    _create(client)
    response = _create(client, name="Other")
    assert response.status_code == 200
    assert App.objects.count() == 1
    assert "already exists" in response.content.decode()


def test_admin_edits_and_keeps_the_secret_when_blank(
    client: Client, app: App, app_admin: User
) -> None:
    old_secret = app.secret_key
    client.force_login(app_admin)
    response = client.post(
        reverse("console:app-edit", kwargs={"code": app.code}),
        {
            "name": "Renamed",
            "platform": app.platform,
            "gateway": app.gateway,
            "access_id": app.access_id,
            "default_account_type": "0",
            "secret_key": "",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.name == "Renamed"
    assert app.secret_key == old_secret
    event = AuditEvent.objects.get(action="app.updated")
    assert event.data["changes"] == {"name": {"from": "Demo Shop", "to": "Renamed"}}


def test_new_secret_is_recorded_as_changed_but_not_logged(
    client: Client, app: App, app_admin: User
) -> None:
    client.force_login(app_admin)
    client.post(
        reverse("console:app-edit", kwargs={"code": app.code}),
        {
            "name": app.name,
            "platform": app.platform,
            "gateway": app.gateway,
            "access_id": app.access_id,
            "default_account_type": "0",
            "secret_key": "brand-new-secret-9999",
        },
    )
    app.refresh_from_db()
    assert app.secret_key == "brand-new-secret-9999"
    event = AuditEvent.objects.get(action="app.updated")
    assert "brand-new-secret" not in str(event.data)
    assert event.data["changes"]["secret_key"]["to"] == "••••9999"


def test_admin_pauses_and_resumes(client: Client, app: App, app_admin: User) -> None:
    client.force_login(app_admin)
    url = reverse("console:app-pause", kwargs={"code": app.code})
    client.post(url, {"paused": "1"})
    app.refresh_from_db()
    assert app.is_paused
    client.post(url, {"paused": "0"})
    app.refresh_from_db()
    assert not app.is_paused
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "app.paused",
        "app.resumed",
    ]


def test_admin_adds_changes_and_removes_members(client: Client, app: App, app_admin: User) -> None:
    newcomer = cast("User", UserFactory(username="nina"))
    client.force_login(app_admin)
    url = reverse("console:member-set", kwargs={"code": app.code})
    client.post(url, {"username": "nina", "role": Role.MARKETER})
    client.post(url, {"username": "nina", "role": Role.REVIEWER})
    membership = Membership.objects.get(app=app, user=newcomer)
    assert membership.role == Role.REVIEWER
    client.post(
        reverse("console:member-remove", kwargs={"code": app.code, "member_id": membership.id})
    )
    assert not Membership.objects.filter(user=newcomer).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="member.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["member.added", "member.role_changed", "member.removed"]
    assert verify_chain() is None


def test_the_member_form_does_not_tell_which_usernames_exist(
    client: Client, app: App, app_admin: User
) -> None:
    UserFactory(username="retired", is_active=False)
    client.force_login(app_admin)
    answers = []
    for username in ("ghost", "retired"):
        response = client.post(
            reverse("console:member-set", kwargs={"code": app.code}),
            {"username": username, "role": Role.MARKETER},
        )
        assert response.status_code == 400
        answers.append(response.context["member_form"].errors["username"])
    assert answers[0] == [
        "“ghost” cannot be added. Check the spelling; a staff administrator creates accounts."
    ]
    assert answers[1] == [answers[0][0].replace("ghost", "retired")]


def test_the_secret_key_is_hidden_from_error_reports(rf: RequestFactory, staff: User) -> None:
    from django.views.debug import SafeExceptionReporterFilter

    from console.apps.views import app_create, app_edit

    for view, kwargs in ((app_create, {}), (app_edit, {"code": uuid4()})):
        request = rf.post("/", {"name": "Shop", "secret_key": "top-secret-value"})
        request.user = staff
        with contextlib.suppress(Exception):
            view(request, **kwargs)
        cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
        assert cleaned["secret_key"] != "top-secret-value"
        assert cleaned["name"] == "Shop"


def test_a_short_secret_key_is_never_shown_in_part(app: App) -> None:
    app.secret_key = "12345678"
    assert app.secret_key_masked == "••••"
    app.secret_key = "123456789"
    assert app.secret_key_masked == "••••6789"


def test_admin_cannot_remove_themselves(client: Client, app: App, app_admin: User) -> None:
    client.force_login(app_admin)
    own = Membership.objects.get(app=app, user=app_admin)
    client.post(reverse("console:member-remove", kwargs={"code": app.code, "member_id": own.id}))
    assert Membership.objects.filter(pk=own.pk).exists()


def test_marketer_sees_only_their_apps_with_create_push(
    client: Client, app: App, marketer: User, stranger: User
) -> None:
    client.force_login(marketer)
    body = client.get(reverse("console:app-list")).content.decode()
    other = App.objects.exclude(pk=app.pk).get()
    assert app.name in body
    assert other.name not in body
    assert "Create Push" in body
    assert reverse("console:push-create", kwargs={"code": app.code}) in body


def test_reviewer_gets_no_create_push_and_no_keys(client: Client, app: App, reviewer: User) -> None:
    client.force_login(reviewer)
    listing = client.get(reverse("console:app-list")).content.decode()
    detail = client.get(reverse("console:app-detail", kwargs={"code": app.code})).content.decode()
    assert "Create Push" not in listing
    assert app.access_id not in detail
    assert app.secret_key_last4 not in detail


def test_empty_state_tells_a_new_user_what_to_do(client: Client, db: None) -> None:
    client.force_login(cast("User", UserFactory(username="newbie")))
    body = client.get(reverse("console:app-list")).content.decode()
    assert "You are not a member of any app" in body


def test_login_is_throttled_after_repeated_failures(client: Client, marketer: User) -> None:
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": "mia", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        url, {"username": "mia", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_admin_requires_two_approvals_above_a_size(
    client: Client, app: App, app_admin: User
) -> None:
    client.force_login(app_admin)
    client.post(
        reverse("console:app-edit", kwargs={"code": app.code}),
        {
            "name": app.name,
            "platform": app.platform,
            "gateway": app.gateway,
            "access_id": app.access_id,
            "default_account_type": "0",
            "two_approvals_above": "10000",
            "secret_key": "",
        },
    )
    app.refresh_from_db()
    assert app.two_approvals_above == 10000
    detail = client.get(reverse("console:app-detail", kwargs={"code": app.code})).content.decode()
    assert "Two for pushes to more than 10,000 accounts" in detail
    event = AuditEvent.objects.get(action="app.updated")
    assert event.data["changes"]["two_approvals_above"] == {"from": None, "to": 10000}


def test_a_secret_never_appears_in_a_data_dump(staff: User) -> None:
    import io

    from django.core.management import call_command

    from pushes.services import app_create

    app_create(
        by=staff,
        name="Dumped",
        platform="android",
        access_id="1500009999",
        secret_key=SECRET,
        gateway="sandbox",
    )
    out = io.StringIO()
    call_command("dumpdata", "pushes", "sandbox", stdout=out)
    dump = out.getvalue()
    assert '"model": "sandbox.sandboxapp"' in dump and "1500009999" in dump
    assert SECRET not in dump


def test_only_staff_move_an_app_to_another_gateway_or_access_id(
    client: Client, app: App, app_admin: User
) -> None:
    client.force_login(app_admin)
    page = client.get(reverse("console:app-edit", kwargs={"code": app.code})).content.decode()
    assert "Only a staff administrator can change this." in page
    client.post(
        reverse("console:app-edit", kwargs={"code": app.code}),
        {
            "name": app.name,
            "platform": app.platform,
            "gateway": "guangzhou",
            "access_id": "1599999999",
            "default_account_type": "0",
            "secret_key": "",
        },
    )
    app.refresh_from_db()
    assert (app.gateway, app.access_id) == ("sandbox", app.access_id)
    assert app.access_id != "1599999999"


@pytest.mark.django_db(transaction=True)
def test_moving_an_app_to_another_access_id_retires_the_old_one_on_the_sandbox(
    gateway: Gateway, app: App, staff: User
) -> None:
    from pushes.services import app_update
    from pushes.tpns import client
    from pushes.tpns.errors import PermanentTpnsError
    from pushes.tpns.hosts import Credentials
    from pushes.tpns.schema import Message, PushRequest

    gateway.bind("alice")
    old = Credentials(access_id=app.access_id, secret_key=app.secret_key, gateway="sandbox")
    request = PushRequest(
        "account", "notify", Message(title="Hi", content="There"), account_list=["alice"]
    )
    assert client.push(old, request).ret_code == 0
    app_update(app=app, by=staff, access_id="1500077777")
    with pytest.raises(PermanentTpnsError) as refused:
        client.push(old, request)
    assert refused.value.ret_code == 1008035  # the old AccessID is unknown now
    gateway.bind("alice")  # on the app's new AccessID
    new = Credentials(access_id="1500077777", secret_key=app.secret_key, gateway="sandbox")
    assert client.push(new, request).ret_code == 0
