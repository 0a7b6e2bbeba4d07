"""In-doubt pushes are settled only by a gateway record that is provably their own.

Against the sandbox over real HTTP, in-process. Recurring campaigns (same title, content and
accounts) are the case that matters: another push's record must never settle a push.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from pushes.errors import PushdeckError
from pushes.models import AuditEvent, GatewayCallBudget, Push
from pushes.services import (
    budget,
    delivery,
    lookup,
    push_approve,
    push_deliver,
    push_reconcile,
    push_submit,
)
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)

State = Push.LookupState
WEEKLY = {"title": "Your weekly picks", "content": "Fresh deals, just for you"}
_ids = itertools.count(9_000_000_000)


@pytest.fixture(autouse=True)
def _quick(settings: Settings) -> None:
    settings.TPNS_READ_TIMEOUT = 0.5
    settings.PUSH_LOOKUP_SETTLE_SECONDS = 0


def approved(app: App, author: User, reviewer: User, **fields: Any) -> Push:
    push = push_submit(push=make_push(app=app, author=author, **fields), by=author)
    return push_approve(push=push, by=reviewer)


def in_doubt(gateway: Gateway, push: Push, *, applied: bool) -> Push:
    """Send it while the gateway holds the call past the read timeout."""
    gateway.fault("push", "sleep", seconds=1.5, after_apply=applied)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    return push


def record(gateway: Gateway, *, push: Push, **request: object) -> str:
    """A push the gateway holds, as if some client had sent it (crafted evidence)."""
    from pushes.sandbox import services as sandbox
    from pushes.sandbox.models import SandboxPush

    app = sandbox.ensure_app(
        access_id=gateway.app.access_id, secret_key=gateway.app.secret_key, name=gateway.app.name
    )
    body = {
        "audience_type": "account_list",
        "account_list": list(push.accounts),
        "message_type": "notify",
        "message": {"title": push.title, "content": push.content},
        **request,
    }
    message = body["message"]
    assert isinstance(message, dict)
    push_id = str(next(_ids))
    SandboxPush.objects.create(
        app=app,
        push_id=push_id,
        audience_type=str(body["audience_type"]),
        title=message["title"],
        content=message["content"],
        request=body,
        send_time=timezone.now(),
    )
    return push_id


def test_an_identical_earlier_push_never_settles_a_push_in_doubt(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice", "bob")
    first = approved(app, marketer, reviewer, accounts="alice\nbob", **WEEKLY)
    push_deliver(push_id=first.id)
    first.refresh_from_db()
    assert first.status == Push.Status.SENT
    second = in_doubt(
        gateway, approved(app, marketer, reviewer, accounts="alice\nbob", **WEEKLY), applied=False
    )
    assert push_reconcile(push_id=second.id) == State.ABSENT
    second.refresh_from_db()
    assert second.status == Push.Status.IN_DOUBT
    assert second.push_id == ""
    assert "none carries this push's marker" in second.lookup_note
    assert len(gateway.pushes()) == 1


def test_the_push_call_carries_the_marker_that_settles_it(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice", "bob")
    earlier = approved(app, marketer, reviewer, accounts="alice\nbob", **WEEKLY)
    push_deliver(push_id=earlier.id)
    push = in_doubt(
        gateway, approved(app, marketer, reviewer, accounts="alice\nbob", **WEEKLY), applied=True
    )
    assert push.marker == f"pushdeck-{push.code.hex}"
    assert push_reconcile(push_id=push.id) == State.FOUND
    push.refresh_from_db()
    earlier.refresh_from_db()
    held = gateway.pushes()[-1]
    assert held.request["group_id"] == push.marker
    assert push.status == Push.Status.SENT
    assert push.push_id == held.push_id != earlier.push_id
    assert push.lookup_state == State.FOUND


def test_a_record_with_the_marker_but_other_accounts_is_not_proof(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice", "bob")
    push = in_doubt(
        gateway, approved(app, marketer, reviewer, accounts="alice\nbob", **WEEKLY), applied=False
    )
    record(gateway, push=push, group_id=push.marker, account_list=["carol"])
    assert push_reconcile(push_id=push.id) == State.AMBIGUOUS
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    assert "other accounts" in push.lookup_note


def test_a_record_with_the_marker_but_another_title_is_not_proof(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    record(
        gateway,
        push=push,
        group_id=push.marker,
        message={"title": "Something else", "content": push.content},
    )
    assert push_reconcile(push_id=push.id) == State.AMBIGUOUS
    assert "another title or content" in Push.objects.get(id=push.id).lookup_note


def test_a_push_id_another_push_owns_never_settles_a_push(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    taken = record(gateway, push=push, group_id=push.marker)
    other = approved(app, marketer, reviewer, accounts="alice")
    Push.objects.filter(id=other.id).update(status=Push.Status.SENT, push_id=taken)
    assert push_reconcile(push_id=push.id) == State.AMBIGUOUS
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    assert "belongs to another push" in push.lookup_note


def test_one_push_id_belongs_to_one_push_of_an_app(
    app: App, marketer: User, reviewer: User
) -> None:
    first = approved(app, marketer, reviewer, accounts="alice")
    second = approved(app, marketer, reviewer, accounts="alice")
    Push.objects.filter(id=first.id).update(push_id="42")
    with pytest.raises(IntegrityError), transaction.atomic():
        Push.objects.filter(id=second.id).update(push_id="42")


def test_a_package_push_is_settled_by_its_own_upload_id(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, source="package", package=PackageFactory(app=app))
    push = in_doubt(gateway, push, applied=False)
    assert push.upload_id is not None
    # Another upload's record, with the same text: not this push's.
    record(gateway, push=push, audience_type="package_account_push", upload_id=push.upload_id + 1)
    assert push_reconcile(push_id=push.id) == State.ABSENT
    # A record of its own upload (the gateway dropped the marker): this push's.
    Push.objects.filter(id=push.id).update(lookup_state=State.PENDING)
    own = record(gateway, push=push, audience_type="package_account_push", upload_id=push.upload_id)
    assert push_reconcile(push_id=push.id) == State.FOUND
    push.refresh_from_db()
    assert push.push_id == own
    assert f"upload_id {push.upload_id}" in push.err_msg


def test_a_package_record_with_the_marker_and_another_upload_is_not_proof(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, source="package", package=PackageFactory(app=app))
    push = in_doubt(gateway, push, applied=False)
    assert push.upload_id is not None
    record(
        gateway,
        push=push,
        audience_type="package_account_push",
        upload_id=push.upload_id + 7,
        group_id=push.marker,
    )
    assert push_reconcile(push_id=push.id) == State.AMBIGUOUS
    assert "upload_id" in Push.objects.get(id=push.id).lookup_note


def test_the_lookup_pages_through_every_record_of_the_window(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=True)
    for _ in range(450):  # a busy app: newer records push this one to the third page
        record(gateway, push=push)
    assert push_reconcile(push_id=push.id) == State.FOUND
    push.refresh_from_db()
    assert push.push_id == gateway.pushes()[0].push_id
    assert budget.used(app=app) == 3


def test_the_lookup_stays_within_the_hourly_budget_and_resumes_next_hour(
    gateway: Gateway, settings: Settings, app: App, marketer: User, reviewer: User
) -> None:
    settings.TPNS_STATISTICS_CALLS_PER_HOUR = 2
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=True)
    for _ in range(450):
        record(gateway, push=push)
    assert push_reconcile(push_id=push.id) == State.PENDING
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    assert budget.used(app=app) == 2
    assert push.lookup_due_at == budget.next_hour()
    assert "used up" in push.lookup_note
    assert GatewayCallBudget.objects.get(app=app).calls == 2


def test_a_read_timeout_schedules_a_lookup_at_once(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=True)
    assert push.lookup_state == State.PENDING
    assert push.lookup_due_at is not None
    assert AuditEvent.objects.filter(action="push.lookup_scheduled", object_id=str(push.pk))


def test_a_failed_lookup_is_tried_again_on_the_backoff_schedule(
    gateway: Gateway, settings: Settings, app: App, marketer: User, reviewer: User
) -> None:
    settings.PUSH_LOOKUP_BACKOFF_SECONDS = [30, 120]
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=True)
    gateway.fault("get_push_record", "http_500", count=2)
    for tries, wait in ((1, 30), (2, 120)):
        before = timezone.now()
        assert push_reconcile(push_id=push.id) == State.PENDING
        push.refresh_from_db()
        assert push.lookup_tries == tries
        assert "The lookup failed" in push.lookup_note
        assert push.lookup_due_at is not None
        assert before + timedelta(seconds=wait) <= push.lookup_due_at
        assert push.lookup_due_at <= timezone.now() + timedelta(seconds=wait)
    assert push_reconcile(push_id=push.id) == State.FOUND


def test_absence_is_proven_only_long_enough_after_the_call(
    gateway: Gateway, settings: Settings, app: App, marketer: User, reviewer: User
) -> None:
    settings.PUSH_LOOKUP_SETTLE_SECONDS = 600
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    assert push_reconcile(push_id=push.id) == State.PENDING
    assert "Not found yet" in Push.objects.get(id=push.id).lookup_note
    Push.objects.filter(id=push.id).update(claimed_at=timezone.now() - timedelta(minutes=11))
    assert push_reconcile(push_id=push.id) == State.ABSENT


def test_due_lookups_are_queued_once_and_others_wait(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    due = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    later = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    now = timezone.now()
    Push.objects.filter(id=due.id).update(lookup_due_at=now - timedelta(seconds=1))
    Push.objects.filter(id=later.id).update(lookup_due_at=now + timedelta(minutes=5))
    assert lookup.queue_due() == 1
    assert lookup.queue_due() == 0  # its turn is taken until the lease runs out
    due.refresh_from_db()
    assert due.lookup_due_at is not None and due.lookup_due_at > now


def test_records_older_than_a_month_leave_it_to_a_person(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=True)
    Push.objects.filter(id=push.id).update(claimed_at=timezone.now() - timedelta(days=31))
    assert push_reconcile(push_id=push.id) == State.UNAVAILABLE
    assert Push.objects.get(id=push.id).status == Push.Status.IN_DOUBT


def test_a_push_called_without_a_marker_is_never_matched_by_its_text(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    Push.objects.filter(id=push.id).update(marker="")  # called before markers existed
    lookalike = record(gateway, push=push)
    assert push_reconcile(push_id=push.id) == State.AMBIGUOUS
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    assert lookalike in push.lookup_note


def test_resend_waits_for_a_finished_fresh_lookup(
    gateway: Gateway,
    settings: Settings,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=False)
    with pytest.raises(PushdeckError, match="still looking"):
        delivery.push_resend(push=push, by=app_admin)
    assert push_reconcile(push_id=push.id) == State.ABSENT
    # An old conclusion is looked at again first.
    Push.objects.filter(id=push.id).update(
        lookup_finished_at=timezone.now()
        - timedelta(seconds=settings.PUSH_LOOKUP_FRESH_SECONDS + 1)
    )
    with pytest.raises(PushdeckError, match="looking this push up"):
        delivery.push_resend(push=push, by=app_admin)
    assert Push.objects.get(id=push.id).lookup_state == State.PENDING
    assert push_reconcile(push_id=push.id) == State.ABSENT
    delivery.push_resend(push=push, by=app_admin)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert len(gateway.pushes()) == 1


def test_resend_finds_a_push_that_did_go_out_instead_of_sending_it_again(
    gateway: Gateway, app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    gateway.bind("alice")
    push = in_doubt(gateway, approved(app, marketer, reviewer, accounts="alice"), applied=True)
    Push.objects.filter(id=push.id).update(lookup_state="")  # never looked up
    with pytest.raises(PushdeckError):
        delivery.push_resend(push=push, by=app_admin)
    assert push_reconcile(push_id=push.id) == State.FOUND
    assert len(gateway.pushes()) == 1


def test_mark_sent_refuses_another_pushs_push_id(
    app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    push = approved(app, marketer, reviewer, accounts="alice")
    other = approved(app, marketer, reviewer, accounts="bob")
    Push.objects.filter(id=other.id).update(status=Push.Status.SENT, push_id="777")
    Push.objects.filter(id=push.id).update(status=Push.Status.IN_DOUBT)
    push.refresh_from_db()
    with pytest.raises(PushdeckError, match="another push"):
        delivery.push_mark_sent(push=push, by=app_admin, push_id="777")
    assert Push.objects.get(id=push.id).status == Push.Status.IN_DOUBT
