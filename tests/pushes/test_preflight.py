"""Reachability preflight against the sandbox over real HTTP: batches, cache, time limit,
gateway errors, packages checked whole or sampled by a worker, and the override Confirm needs
when nobody is reachable."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from pushes.errors import NobodyReachable, NotAllowed
from pushes.models import AccountPackage, AuditEvent, Gateway, Push, ReachCheck
from pushes.selectors.preflight import reach_check_current
from pushes.services import PushFields, preflight, push_save_draft, push_submit
from pushes.services.preflight import (
    batch_size,
    reach_check_again,
    reach_check_for_page,
    reach_check_run,
)
from tests.factories import AppFactory, PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway as SandboxGateway

QUERY_LOG = "TPNS v3/device/account/query"


# ---------------------------------------------------------------- typed accounts


pytestmark = pytest.mark.django_db(transaction=True)

FIVE = "alice\nbob\ncarol\ndave\neve\n"


def query_calls(caplog: pytest.LogCaptureFixture) -> int:
    return sum(QUERY_LOG in record.getMessage() for record in caplog.records)


def test_typed_accounts_are_counted_at_the_gateway(
    gateway: SandboxGateway, app: App, marketer: User
) -> None:
    gateway.bind("alice", "carol")
    gateway.bind("eve", devices=2)
    gateway.bind("bob", account_type=1005)  # bound, but as another account type
    push = make_push(app=app, author=marketer, accounts=FIVE)

    check = reach_check_for_page(push=push, by=marketer)

    assert check is not None and check.status == ReachCheck.Status.DONE
    assert (check.checked, check.bound, check.devices) == (5, 3, 4)
    assert check.exact and check.total == 5
    assert sorted(check.unbound) == ["bob", "dave"]
    event = AuditEvent.objects.get(action="push.reach_checked")
    assert event.data["bound"] == 3 and event.actor == marketer


def test_the_batch_size_setting_is_honoured(
    gateway: SandboxGateway,
    app: App,
    marketer: User,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.PREFLIGHT_SANDBOX_BATCH = 2
    gateway.bind("alice", "carol", "eve")
    push = make_push(app=app, author=marketer, accounts=FIVE)

    with caplog.at_level(logging.INFO, logger="pushes.tpns.client"):
        check = reach_check_for_page(push=push, by=marketer)

    assert check is not None and check.bound == 3
    assert query_calls(caplog) == 3  # 2 + 2 + 1


def test_a_tpns_region_takes_the_tpns_batch_setting(settings: Settings, db: None) -> None:
    settings.TPNS_ACCOUNT_QUERY_BATCH = 40
    settings.PREFLIGHT_SANDBOX_BATCH = 700
    assert batch_size(cast("App", AppFactory(gateway=Gateway.SINGAPORE))) == 40
    assert batch_size(cast("App", AppFactory(gateway=Gateway.SANDBOX))) == 700


def test_a_fresh_check_is_shown_again_and_the_cache_spares_the_gateway(
    gateway: SandboxGateway,
    app: App,
    marketer: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway.bind("alice")
    push = make_push(app=app, author=marketer, accounts=FIVE)
    with caplog.at_level(logging.INFO, logger="pushes.tpns.client"):
        first = reach_check_for_page(push=push, by=marketer)
        assert first is not None
        assert reach_check_for_page(push=push, by=marketer) == first  # the same row
        # Older than the reuse time, but the cache still holds the answer: a row, no call.
        ReachCheck.objects.filter(pk=first.pk).update(
            checked_at=timezone.now() - timedelta(minutes=5)
        )
        second = reach_check_for_page(push=push, by=marketer)
        assert second is not None and second.pk != first.pk and second.bound == 1
        assert query_calls(caplog) == 1
        gateway.bind("bob")
        third = reach_check_again(push=push, by=marketer)  # asks, whatever is cached
    assert third is not None and third.bound == 2
    assert query_calls(caplog) == 2


def test_a_slow_gateway_gives_not_checked_within_the_time_limit(
    gateway: SandboxGateway, app: App, marketer: User, settings: Settings
) -> None:
    settings.PREFLIGHT_TIMEOUT_SECONDS = 0.5
    gateway.fault("query", "sleep", seconds=3)
    push = make_push(app=app, author=marketer, accounts=FIVE)

    started = time.monotonic()
    check = reach_check_for_page(push=push, by=marketer)

    assert time.monotonic() - started < 2
    assert check is not None and check.status == ReachCheck.Status.NOT_CHECKED
    assert check.reason == ReachCheck.Reason.TIMEOUT
    assert not check.nobody_reachable
    # Not checked is not 0%: Confirm needs no override.
    submitted = push_submit(push=push, by=marketer)
    assert submitted.status == Push.Status.PENDING_REVIEW and not submitted.reach_override


def test_a_gateway_error_gives_not_checked_with_its_words(
    gateway: SandboxGateway, app: App, marketer: User
) -> None:
    gateway.fault("query", "http_500")
    push = make_push(app=app, author=marketer, accounts=FIVE)

    check = reach_check_for_page(push=push, by=marketer)

    assert check is not None and check.status == ReachCheck.Status.NOT_CHECKED
    assert check.reason == ReachCheck.Reason.GATEWAY and "500" in check.detail


def test_only_the_author_and_reviewers_may_check(
    gateway: SandboxGateway, app: App, marketer: User, reviewer: User, stranger: User
) -> None:
    push = make_push(app=app, author=marketer, accounts=FIVE)
    assert reach_check_again(push=push, by=reviewer) is not None
    with pytest.raises(NotAllowed):
        reach_check_for_page(push=push, by=stranger)


# ---------------------------------------------------------------- the override


def test_confirm_refuses_a_push_that_reaches_nobody_without_the_override(
    gateway: SandboxGateway, app: App, marketer: User
) -> None:
    gateway.bind("alice", account_type=1002)  # bound, but as a phone number
    push = make_push(app=app, author=marketer, accounts="alice\nbob\n")
    check = reach_check_for_page(push=push, by=marketer)
    assert check is not None and check.nobody_reachable

    with pytest.raises(NobodyReachable):
        push_submit(push=push, by=marketer)
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT
    assert not AuditEvent.objects.filter(action="push.unreachable_confirmed").exists()

    push = push_submit(push=push, by=marketer, confirm_unreachable=True)
    assert push.status == Push.Status.PENDING_REVIEW
    push.refresh_from_db()
    assert push.reach_override
    event = AuditEvent.objects.get(action="push.unreachable_confirmed")
    assert event.actor == marketer and event.data["checked"] == 2


def test_the_override_is_needed_again_after_an_edit_and_not_once_reachable(
    gateway: SandboxGateway, app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\nbob\n")
    reach_check_for_page(push=push, by=marketer)
    push = push_submit(push=push, by=marketer, confirm_unreachable=True)
    assert push.reach_override
    # Edited: the accounts are another list, checked again, and reachable now.
    gateway.bind("carol")
    fields = preflight_fields(push, accounts_text="alice\ncarol\n")
    push = push_save_draft(app=app, by=marketer, fields=fields, push=push)
    check = reach_check_for_page(push=push, by=marketer)
    assert check is not None and check.bound == 1
    push = push_submit(push=push, by=marketer, confirm_unreachable=True)
    push.refresh_from_db()
    assert not push.reach_override  # it was not needed, so it is not recorded
    assert AuditEvent.objects.filter(action="push.unreachable_confirmed").count() == 1


def preflight_fields(push: Push, **changes: object) -> PushFields:
    values: dict[str, Any] = {
        "accounts_text": push.accounts_text,
        "title": push.title,
        "content": push.content,
        "account_type": push.account_type,
    }
    values.update(changes)
    return PushFields(**values)


# ---------------------------------------------------------------- packages, by a worker


def package_of(app: App, author: User, accounts: list[str]) -> AccountPackage:
    data = ("\n".join(accounts) + "\n").encode()
    return cast(
        "AccountPackage",
        PackageFactory(
            app=app,
            uploaded_by=author,
            file=ContentFile(data, name="accounts.txt"),
            accounts=len(accounts),
            rows=len(accounts),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        ),
    )


def package_push(app: App, author: User, accounts: list[str]) -> Push:
    package = package_of(app, author, accounts)
    return make_push(app=app, author=author, accounts="", source="package", package=package)


ACCOUNTS = [f"user{i:04d}" for i in range(2500)]


def test_a_package_at_the_sandbox_is_checked_whole_by_a_worker(
    gateway: SandboxGateway, app: App, marketer: User, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.bind(*ACCOUNTS[:500])
    push = package_push(app, marketer, ACCOUNTS)

    check = reach_check_for_page(push=push, by=marketer)
    assert check is not None and check.status == ReachCheck.Status.QUEUED
    assert check.exact and check.sample_size == 2500 and check.progress_percent == 0
    with caplog.at_level(logging.INFO, logger="pushes.tpns.client"):
        assert reach_check_run(check_id=check.pk) == "done"
    assert reach_check_run(check_id=check.pk) == "skipped"  # claimed once

    check.refresh_from_db()
    assert (check.checked, check.bound, check.devices) == (2500, 500, 500)
    assert check.progress_percent == 100 and len(check.unbound) == 2000
    assert query_calls(caplog) == 3  # 1,000 a call at the sandbox


def test_a_package_sample_estimates_its_reach(
    gateway: SandboxGateway, app: App, marketer: User, caplog: pytest.LogCaptureFixture
) -> None:
    """The sample path (a TPNS region's), run against the sandbox: 200 of 2,500 accounts."""
    gateway.bind(*ACCOUNTS[::2])  # half of them
    push = package_push(app, marketer, ACCOUNTS)
    check = reach_check_for_page(push=push, by=marketer)
    assert check is not None
    ReachCheck.objects.filter(pk=check.pk).update(exact=False, sample_size=200)

    with caplog.at_level(logging.INFO, logger="pushes.tpns.client"):
        assert reach_check_run(check_id=check.pk) == "done"

    check.refresh_from_db()
    assert check.checked == 200 and not check.exact and check.read == 2500
    assert 60 < check.bound < 140  # about half, far outside these only once in ~10⁸
    assert len(check.unbound) == 200 - check.bound
    assert set(check.unbound) <= set(ACCOUNTS[1::2])
    assert query_calls(caplog) == 1


def test_a_package_whose_file_is_gone_is_not_checked(
    gateway: SandboxGateway, app: App, marketer: User
) -> None:
    push = package_push(app, marketer, ACCOUNTS[:10])
    check = reach_check_for_page(push=push, by=marketer)
    assert check is not None
    assert push.package_id is not None
    AccountPackage.objects.filter(pk=push.package_id).update(file_deleted_at=timezone.now())

    assert reach_check_run(check_id=check.pk) == "not_checked"
    check.refresh_from_db()
    assert check.reason == ReachCheck.Reason.NO_FILE


def test_a_check_of_a_push_changed_since_is_dropped(
    gateway: SandboxGateway, app: App, marketer: User
) -> None:
    push = package_push(app, marketer, ACCOUNTS[:10])
    check = reach_check_for_page(push=push, by=marketer)
    assert check is not None
    Push.objects.filter(pk=push.pk).update(account_type=1002)

    assert reach_check_run(check_id=check.pk) == "changed"
    push.refresh_from_db()
    assert reach_check_current(push) is None  # of the push as it was


def test_a_lost_check_is_started_again(gateway: SandboxGateway, app: App, marketer: User) -> None:
    push = package_push(app, marketer, ACCOUNTS[:10])
    lost = reach_check_for_page(push=push, by=marketer)
    assert lost is not None
    ReachCheck.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - preflight.STALE_AFTER - timedelta(minutes=1)
    )
    again = reach_check_for_page(push=push, by=marketer)
    assert again is not None and again.pk != lost.pk
