"""The Sandbox page's actions: the engagement model form, Add device, Open and Dismiss."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse

from pushes.sandbox import services as sandbox
from pushes.sandbox.models import AccountBinding, Delivery, Device, SandboxApp
from tests.sandbox.helpers import account_push, signed_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

    from pushes.models import App

pytestmark = pytest.mark.django_db

INBOX = reverse("console:sandbox-inbox")
ENGAGEMENT = {
    "engagement-arrival_rate": "90",
    "engagement-click_rate": "12.5",
    "engagement-clear_rate": "20",
    "engagement-arrival_delay_seconds": "2",
    "engagement-engage_delay_seconds": "300",
}


@pytest.fixture
def sandbox_app(app: App, private_cache: None) -> SandboxApp:
    """The sandbox side of “Demo Shop”; nothing happens to a delivery unless a person acts."""
    made = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)
    made.arrival_rate = made.click_rate = made.clear_rate = 0.0
    made.save()
    return made


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def url(name: str, app: SandboxApp, **kwargs: Any) -> str:
    return reverse(f"console:{name}", kwargs={"access_id": app.access_id, **kwargs})


def send(client: Client, app: App, *accounts: str, title: str = "Flash sale") -> str:
    payload = account_push(list(accounts), message={"title": title, "content": "Today only"})
    response = signed_post(
        client, "v3/push/app", payload, access_id=app.access_id, secret_key=app.secret_key
    )
    push_id: str = response.json()["push_id"]
    return push_id


def figures(client: Client, app: App, push_id: str) -> tuple[int, int, int]:
    """(arrived, clicked, cleared) of all channels, as get_push_task_stat_channel tells them."""
    response = signed_post(
        client,
        "v3/statistics/get_push_task_stat_channel",
        {"pushId": push_id},
        access_id=app.access_id,
        secret_key=app.secret_key,
    )
    rows = {row["channel"]: row["pushState"] for row in response.json()["pushStatDataAll"]}
    state = rows["all"]
    return state["arrivalUv"], state["clickUv"], state["cleanupUv"]


def bound_device(app: SandboxApp, account: str, label: str = "") -> Device:
    device = sandbox.register_device(app=app, label=label or f"{account}'s phone")
    sandbox.bind(app=app, account=account, device=device)
    return device


def field_errors(response: Response, form: str) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context[form].errors.items()}


# The engagement model ----------------------------------------------------------------


def test_an_admin_sees_the_engagement_model_in_percent_with_its_defaults(
    client: Client, app: App, app_admin: User
) -> None:
    sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)

    page = as_user(client, app_admin).get(INBOX)

    html = page.content.decode()
    form = page.context["engagement_form"]
    assert page.status_code == 200
    assert form["arrival_rate"].value() == 95 and form["click_rate"].value() == 8
    assert form["engage_delay_seconds"].value() == 180
    assert 'name="engagement-click_rate" value="8"' in html
    assert "Default: 15%." in html and "Default: 180 s." in html
    assert '<label for="id_engagement-arrival_rate">Arrival rate (%)' in html


def test_the_engagement_model_is_saved_from_percentages(
    client: Client, sandbox_app: SandboxApp, app_admin: User
) -> None:
    response = as_user(client, app_admin).post(url("sandbox-engagement", sandbox_app), ENGAGEMENT)

    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?app={sandbox_app.access_id}#sandbox-engagement"
    saved = SandboxApp.objects.get(pk=sandbox_app.pk)
    assert (saved.arrival_rate, saved.click_rate, saved.clear_rate) == (0.9, 0.125, 0.2)
    assert (saved.arrival_delay_seconds, saved.engage_delay_seconds) == (2, 300)
    page = client.get(response["Location"])
    assert "Engagement model saved." in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"engagement-click_rate": "150"}, "click_rate", "less than or equal to 100"),
        ({"engagement-arrival_rate": "-1"}, "arrival_rate", "greater than or equal to 0"),
        (
            {"engagement-click_rate": "70", "engagement-clear_rate": "50"},
            "clear_rate",
            "The click rate and the clear rate together must not pass 100%.",
        ),
        ({"engagement-engage_delay_seconds": "90000"}, "engage_delay_seconds", "86400"),
        ({"engagement-arrival_delay_seconds": "soon"}, "arrival_delay_seconds", "whole number"),
        ({"engagement-arrival_rate": ""}, "arrival_rate", "required"),
    ],
)
def test_a_bad_engagement_model_is_refused_next_to_its_field(
    client: Client,
    sandbox_app: SandboxApp,
    app_admin: User,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = as_user(client, app_admin).post(
        url("sandbox-engagement", sandbox_app), {**ENGAGEMENT, **changes}
    )

    assert response.status_code == 400
    errors = field_errors(response, "engagement_form")
    assert set(errors) == {field}
    assert message in errors[field][0]
    html = response.content.decode()
    assert f'<input type="number" name="engagement-{field}"' in html
    assert 'class="field-error" role="alert"' in html
    assert SandboxApp.objects.get(pk=sandbox_app.pk).click_rate == 0.0


def test_a_marketer_sees_the_engagement_model_but_no_forms_or_buttons(
    client: Client, app: App, sandbox_app: SandboxApp, marketer: User
) -> None:
    bound_device(sandbox_app, "alice")
    send(client, app, "alice")

    page = as_user(client, marketer).get(INBOX)

    html = page.content.decode()
    assert page.status_code == 200 and page.context["can_change"] is False
    assert "Engagement model" in html and "Admins of the app change the engagement model." in html
    assert "<form" not in html.split('id="sandbox-engagement"')[1].split("</section>")[0]
    assert "Add device" not in html
    assert "Flash sale" in html and "Not arrived yet" in html
    assert 'aria-label="Open' not in html


@pytest.mark.parametrize("persona", ["stranger", "marketer", "reviewer"])
def test_only_admins_and_staff_change_the_sandbox(
    client: Client,
    app: App,
    sandbox_app: SandboxApp,
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    device = bound_device(sandbox_app, "alice")
    send(client, app, "alice")
    delivery = Delivery.objects.get(device=device)
    as_user(client, request.getfixturevalue(persona))
    expected = 404 if persona == "stranger" else 403

    answers = [
        client.post(url("sandbox-engagement", sandbox_app), ENGAGEMENT).status_code,
        client.post(url("sandbox-device-add", sandbox_app), {"device-platform": "ios"}).status_code,
        client.post(url("sandbox-delivery-open", sandbox_app, delivery_id=delivery.pk)).status_code,
        client.post(
            url("sandbox-delivery-dismiss", sandbox_app, delivery_id=delivery.pk)
        ).status_code,
    ]

    assert answers == [expected] * 4
    delivery.refresh_from_db()
    assert delivery.clicked_at is None and delivery.cleared_at is None
    assert Device.objects.count() == 1
    assert SandboxApp.objects.get(pk=sandbox_app.pk).click_rate == 0.0


def test_staff_change_any_sandbox_app(client: Client, sandbox_app: SandboxApp, staff: User) -> None:
    response = as_user(client, staff).post(url("sandbox-engagement", sandbox_app), ENGAGEMENT)

    assert response.status_code == 302
    assert SandboxApp.objects.get(pk=sandbox_app.pk).click_rate == 0.125


def test_the_actions_are_post_only_and_need_the_csrf_token(
    sandbox_app: SandboxApp, app_admin: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(app_admin)

    get = client.get(url("sandbox-engagement", sandbox_app))
    post = client.post(url("sandbox-engagement", sandbox_app), ENGAGEMENT)

    assert (get.status_code, post.status_code) == (405, 403)
    assert SandboxApp.objects.get(pk=sandbox_app.pk).click_rate == 0.0


# Open and Dismiss --------------------------------------------------------------------


def test_open_and_dismiss_change_what_the_statistics_report(
    client: Client, app: App, sandbox_app: SandboxApp, app_admin: User
) -> None:
    alice, bob = bound_device(sandbox_app, "alice"), bound_device(sandbox_app, "bob")
    push_id = send(client, app, "alice", "bob")
    to_alice = Delivery.objects.get(device=alice)
    to_bob = Delivery.objects.get(device=bob)
    assert figures(client, app, push_id) == (0, 0, 0)
    as_user(client, app_admin)

    opened = client.post(url("sandbox-delivery-open", sandbox_app, delivery_id=to_alice.pk))
    dismissed = client.post(url("sandbox-delivery-dismiss", sandbox_app, delivery_id=to_bob.pk))

    assert opened.status_code == dismissed.status_code == 302
    assert opened["Location"] == f"{INBOX}?app={sandbox_app.access_id}#delivery-{to_alice.pk}"
    assert figures(client, app, push_id) == (2, 1, 1)
    # Idempotent: a second Open is no second click.
    client.post(url("sandbox-delivery-open", sandbox_app, delivery_id=to_alice.pk))
    assert figures(client, app, push_id) == (2, 1, 1)


def test_the_inbox_shows_each_deliverys_state_and_disables_the_other_button(
    client: Client, app: App, sandbox_app: SandboxApp, app_admin: User
) -> None:
    alice = bound_device(sandbox_app, "alice", label="Alice's phone")
    send(client, app, "alice", title="Flash sale")
    delivery = Delivery.objects.get(device=alice)
    as_user(client, app_admin)
    before = client.get(INBOX).content.decode()

    client.post(url("sandbox-delivery-open", sandbox_app, delivery_id=delivery.pk))
    refused = client.post(
        url("sandbox-delivery-dismiss", sandbox_app, delivery_id=delivery.pk), follow=True
    )

    html = refused.content.decode()
    assert "Not arrived yet" in before
    assert 'aria-label="Open “Flash sale” on Alice&#x27;s phone">' in before
    assert "Opened" in html and "Arrived" in html
    assert "Opened, so it can no longer be dismissed." in html
    assert "was opened on Alice&#x27;s phone, so it can no longer be dismissed." in html
    assert (
        'aria-label="Dismiss “Flash sale” on Alice&#x27;s phone" disabled '
        f'aria-describedby="delivery-{delivery.pk}-done"'
    ) in html
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None and delivery.cleared_at is None


def test_a_delivery_of_another_app_is_not_found(
    client: Client, sandbox_app: SandboxApp, app_admin: User
) -> None:
    other = sandbox.ensure_app(access_id="1599999999", secret_key="other-secret", name="Other")
    other.arrival_rate = other.click_rate = other.clear_rate = 0.0  # nothing drawn ahead
    other.save()
    device = bound_device(other, "zed")
    signed_post(
        client,
        "v3/push/app",
        account_push(["zed"]),
        access_id="1599999999",
        secret_key="other-secret",
    )
    elsewhere = Delivery.objects.get(device=device)

    response = as_user(client, app_admin).post(
        url("sandbox-delivery-open", sandbox_app, delivery_id=elsewhere.pk)
    )

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.clicked_at is None


# Devices -----------------------------------------------------------------------------


def test_add_device_registers_and_binds_and_the_page_marks_it_latest(
    client: Client, sandbox_app: SandboxApp, app_admin: User
) -> None:
    older = bound_device(sandbox_app, "bob", label="Bob's old phone")
    as_user(client, app_admin)

    response = client.post(
        url("sandbox-device-add", sandbox_app),
        {
            "device-platform": "ios",
            "device-token": "",
            "device-label": "Bob's new phone",
            "device-account": "bob",
            "device-account_type": "0",
        },
    )

    device = Device.objects.get(label="Bob's new phone")
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?app={sandbox_app.access_id}#device-{device.pk}"
    assert (device.platform, device.channel) == ("ios", "apns")
    assert AccountBinding.objects.filter(account="bob", device=device).exists()
    page = client.get(INBOX)
    html = page.content.decode()
    assert [d.pk for d in page.context["devices"]] == [older.pk, device.pk]
    devices = html.split('id="sandbox-devices-title"')[1]
    assert devices.index("Bob&#x27;s old phone") < devices.index("Bob&#x27;s new phone")
    old_card = html.split(f'id="device-{older.pk}"')[1].split(f'id="device-{device.pk}"')[0]
    new_card = html.split(f'id="device-{device.pk}"')[1]
    assert "latest device" not in old_card and "latest device" in new_card
    assert "APNs" in new_card and "iOS" in new_card
    assert "Device “Bob&#x27;s new phone” added." in html


def test_add_device_refuses_a_taken_token_next_to_the_field(
    client: Client, sandbox_app: SandboxApp, app_admin: User
) -> None:
    taken = bound_device(sandbox_app, "alice")

    response = as_user(client, app_admin).post(
        url("sandbox-device-add", sandbox_app),
        {"device-platform": "android", "device-token": taken.token, "device-account_type": "0"},
    )

    assert response.status_code == 400
    assert field_errors(response, "device_form") == {
        "token": ["A device with this token is already registered."]
    }
    assert Device.objects.count() == 1


def test_each_device_shows_its_platform_and_channel(
    client: Client, sandbox_app: SandboxApp, marketer: User
) -> None:
    device = sandbox.register_device(app=sandbox_app, token="android-token-1", label="Pixel")

    html = as_user(client, marketer).get(INBOX).content.decode()

    card = html.split(f'id="device-{device.pk}"')[1]
    assert "Android" in card
    assert f'<code class="small">{device.channel}</code>' in card
