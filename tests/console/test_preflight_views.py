"""The reachability preflight in the console: the figure on Preview and on the review page,
the unbound accounts as CSV, Confirm with and without "send anyway", the live part a page
polls while a worker checks a package."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import TYPE_CHECKING, cast

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from pushes.models import AccountPackage, AuditEvent, Push, ReachCheck
from pushes.services import reach_check_run
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def url(name: str, push: Push, **kwargs: object) -> str:
    return reverse(f"console:{name}", kwargs={"code": push.code, **kwargs})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def preview(client: Client, push: Push) -> str:
    response = client.get(url("push-preview", push))
    assert response.status_code == 200
    return response.content.decode()


def preview_hash(body: str) -> str:
    match = re.search(r'name="preview_hash" value="([0-9a-f]{64})"', body)
    assert match
    return match.group(1)


def test_preview_says_how_many_accounts_have_a_device(
    client: Client, gateway: Gateway, app: App, marketer: User
) -> None:
    gateway.bind("alice", "bob")
    gateway.bind("carol", devices=2)
    push = make_push(app=app, author=marketer, accounts="alice\nbob\ncarol\ndave\neve\n")
    client.force_login(marketer)

    body = preview(client, push)

    assert "3 of 5 accounts have a device bound as account type Default (0) (4 devices)." in (
        text_of(body)
    )
    check = ReachCheck.objects.get(push=push)
    assert url("push-reach-unbound", push, check=check.pk) in body
    assert 'name="confirm_unreachable"' not in body  # reachable: no override asked


def test_the_unbound_accounts_download_is_a_safe_csv(
    client: Client, gateway: Gateway, app: App, marketer: User
) -> None:
    gateway.bind("alice")
    push = make_push(app=app, author=marketer, accounts="alice\n=cmd|calc\nbob\n")
    client.force_login(marketer)
    preview(client, push)
    check = ReachCheck.objects.get(push=push)

    response = client.get(url("push-reach-unbound", push, check=check.pk))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(data)))
    assert rows == [
        ["Account", "Account type"],
        ["'=cmd|calc", "Default (0)"],
        ["bob", "Default (0)"],
    ]


def test_confirm_at_zero_percent_needs_send_anyway_and_the_reviewer_is_told(
    client: Client, gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\nbob\n")
    client.force_login(marketer)
    body = preview(client, push)
    assert "0 of 2 accounts have a device" in text_of(body)
    assert re.search(r'name="confirm_unreachable"[^>]*form="confirm-form" required', body)

    refused = client.post(url("push-confirm", push), {"preview_hash": preview_hash(body)})

    assert refused.status_code == 302
    assert refused["Location"] == url("push-preview", push) + "#reach"
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT
    assert "would reach nobody" in text_of(preview(client, push))

    sent = client.post(
        url("push-confirm", push), {"preview_hash": preview_hash(body), "confirm_unreachable": "1"}
    )

    assert sent.status_code == 302 and sent["Location"] == url("push-detail", push)
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW and push.reach_override
    assert AuditEvent.objects.filter(action="push.unreachable_confirmed").count() == 1

    client.force_login(reviewer)
    review = text_of(client.get(url("review-detail", push)).content.decode())
    assert "The author confirmed although no account was reachable." in review
    assert "0 of 2 accounts have a device" in review


def test_the_review_page_shows_the_figure_the_author_saw_and_may_check_again(
    client: Client, gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = make_push(app=app, author=marketer, accounts="alice\nbob\n")
    client.force_login(marketer)
    body = preview(client, push)
    client.post(url("push-confirm", push), {"preview_hash": preview_hash(body)})
    gateway.bind("bob")  # bound since the author looked

    client.force_login(reviewer)
    review = text_of(client.get(url("review-detail", push)).content.decode())
    assert "1 of 2 accounts have a device" in review and "asked by mia" in review

    response = client.post(url("push-reach-recheck", push), {"place": "review"})

    assert response["Location"] == url("review-detail", push) + "#reach"
    review = text_of(client.get(url("review-detail", push)).content.decode())
    assert "2 of 2 accounts have a device" in review and "asked by rob" in review


def test_a_slow_gateway_lets_the_author_go_on(
    client: Client, gateway: Gateway, app: App, marketer: User, settings: Settings
) -> None:
    settings.PREFLIGHT_TIMEOUT_SECONDS = 0.5
    gateway.fault("query", "sleep", seconds=2)
    push = make_push(app=app, author=marketer, accounts="alice\nbob\n")
    client.force_login(marketer)

    body = preview(client, push)

    assert "Not checked The gateway did not answer in time." in text_of(body)
    assert 'name="confirm_unreachable"' not in body
    client.post(url("push-confirm", push), {"preview_hash": preview_hash(body)})
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW


def test_a_package_check_shows_its_progress_then_its_figure(
    client: Client, gateway: Gateway, app: App, marketer: User
) -> None:
    data = b"".join(f"user{i}\n".encode() for i in range(40))
    package = cast(
        "AccountPackage",
        PackageFactory(
            app=app,
            file=ContentFile(data, name="accounts.txt"),
            accounts=40,
            rows=40,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        ),
    )
    gateway.bind(*[f"user{i}" for i in range(10)])
    push = make_push(app=app, author=marketer, accounts="", source="package", package=package)
    client.force_login(marketer)

    body = preview(client, push)

    check = ReachCheck.objects.get(push=push)
    status_url = url("push-reach-status", push, check=check.pk) + "?place=preview"
    assert f'data-reach-poll="{status_url}"' in body
    assert re.search(
        r'<progress[^>]*role="progressbar"[^>]*aria-valuemin="0" aria-valuemax="100" '
        r'aria-valuenow="0"',
        body,
    )
    assert 'aria-busy="true"' in body
    reach_check_run(check_id=check.pk)

    live = client.get(status_url).content.decode()

    assert "data-reach-poll" not in live and "<progress" not in live
    assert "10 of 40 accounts have a device" in text_of(live)
    assert "Every account was checked." in live


def test_an_estimate_reads_with_its_confidence_interval(
    client: Client, gateway: Gateway, app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\n")
    ReachCheck.objects.create(
        push=push,
        target_hash="x",
        gateway=app.gateway,
        total=5_000_000,
        sample_size=1000,
        checked=1000,
        bound=620,
        devices=700,
        status=ReachCheck.Status.DONE,
    )
    check = ReachCheck.objects.get(push=push)
    client.force_login(marketer)

    live = text_of(client.get(url("push-reach-status", push, check=check.pk)).content.decode())

    assert (
        "About 62% (95% confidence: 58%–65%) of a random sample of 1,000 accounts have a device "
        "bound as account type Default (0) (700 devices)."
    ) in live
    assert "the package holds 5,000,000 accounts" in live


def test_others_cannot_see_a_check(
    client: Client, gateway: Gateway, app: App, marketer: User, stranger: User
) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\n")
    client.force_login(marketer)
    preview(client, push)
    check = ReachCheck.objects.get(push=push)
    client.force_login(stranger)
    assert client.get(url("push-reach-status", push, check=check.pk)).status_code == 404
    assert client.get(url("push-reach-unbound", push, check=check.pk)).status_code == 404
