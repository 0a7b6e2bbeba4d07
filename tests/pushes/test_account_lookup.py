"""The account lookup's services and selectors against the sandbox over real HTTP: devices,
tokens, a token's pushes today, the Pushdeck pushes that targeted an account (typed and by
package index), who may look up, and nothing of another app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from pushes.errors import NotAllowed
from pushes.models import AccountPackage, AuditEvent, Push
from pushes.services import (
    account_devices,
    account_index_build,
    account_index_sweep,
    budget,
    package_delete_files,
    push_approve,
    push_deliver,
    push_submit,
    pushes_to_account,
    token_accounts,
    token_pushes_today,
)
from pushes.services import accounts as lookup_services
from tests.factories import AppFactory, MembershipFactory, PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def sent(app: App, author: User, reviewer: User, **fields: Any) -> Push:
    push = push_submit(push=make_push(app=app, author=author, **fields), by=author)
    push_approve(push=push, by=reviewer)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    return push


def test_bob_has_two_devices_newest_first(gateway: Gateway, app: App, reviewer: User) -> None:
    gateway.bind("bob", devices=2)
    found = account_devices(app=app, by=reviewer, account=" bob ", account_type=0)
    assert found.problem is None and found.account == "bob"
    assert len(found.tokens) == 2 and found.elsewhere == []
    from pushes.sandbox.models import AccountBinding

    newest = AccountBinding.objects.filter(account="bob").order_by("-bound_at", "-id").first()
    assert newest is not None and found.tokens[0] == newest.device.token


def test_an_account_bound_under_another_type_says_so(
    gateway: Gateway, app: App, marketer: User
) -> None:
    gateway.bind("dora", account_type=1002)
    found = account_devices(app=app, by=marketer, account="dora", account_type=0)
    assert found.tokens == []
    assert [(other.account_type, other.devices) for other in found.elsewhere] == [(1002, 1)]
    assert "1002" in found.elsewhere[0].label


def test_a_token_shows_its_accounts_and_todays_pushes(
    gateway: Gateway, app: App, marketer: User, reviewer: User, settings: Settings
) -> None:
    gateway.bind("bob", devices=2)
    push = sent(app, marketer, reviewer, accounts="bob\n", title="Bob's deal")
    # Sent to the latest device only (account_push_type 0): the newest token.
    token = account_devices(app=app, by=marketer, account="bob", account_type=0).tokens[0]
    bound = token_accounts(app=app, by=marketer, token=token)
    assert [(ref.account, ref.account_type) for ref in bound.accounts] == [("bob", 0)]
    before = budget.used(app=app)
    today = token_pushes_today(app=app, by=marketer, token=token)
    assert today.problem is None and not today.over_budget
    assert [(row.push_id, row.push) for row in today.pushes] == [(push.push_id, push)]
    assert today.pushes[0].at is not None
    assert today.pushes[0].at <= timezone.now()
    assert budget.used(app=app) == before + 1  # a statistics call, paid for
    token_pushes_today(app=app, by=marketer, token=token)
    assert budget.used(app=app) == before + 1  # the minute-old answer is reused


def test_no_budget_left_means_no_call(
    gateway: Gateway, app: App, marketer: User, settings: Settings
) -> None:
    settings.TPNS_STATISTICS_CALLS_PER_HOUR = 0
    today = token_pushes_today(app=app, by=marketer, token="t" * 36)
    assert today.over_budget and today.pushes == []


def test_gateway_errors_and_timeouts_become_sentences(
    gateway: Gateway, app: App, marketer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.fault("query", "http_500")
    failed = account_devices(app=app, by=marketer, account="bob", account_type=0)
    assert failed.problem is not None and "HTTP 500" in failed.problem.detail
    assert failed.problem.message == "The gateway could not answer this lookup."
    monkeypatch.setattr(lookup_services, "READ_TIMEOUT_SECONDS", 0.3)
    gateway.fault("query", "sleep", seconds=2)
    slow = token_accounts(app=app, by=marketer, token="t" * 36)
    assert slow.problem is not None
    assert slow.problem.message == "The gateway did not answer in time."


def test_only_members_of_the_app_may_look_up(gateway: Gateway, app: App, stranger: User) -> None:
    for look_up in (
        lambda: account_devices(app=app, by=stranger, account="bob", account_type=0),
        lambda: token_accounts(app=app, by=stranger, token="t"),
        lambda: token_pushes_today(app=app, by=stranger, token="t"),
        lambda: pushes_to_account(app=app, by=stranger, account="bob"),
    ):
        with pytest.raises(NotAllowed):
            look_up()


def test_typed_pushes_are_found_and_never_another_apps(
    gateway: Gateway, app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    gateway.bind("alice", "bob")
    to_bob = sent(app, marketer, reviewer, accounts="alice\nbob\n", title="To both")
    sent(app, marketer, reviewer, accounts="alice\nbobby\n", title="Not bob")
    make_push(app=app, author=marketer, accounts="bob\n", title="Draft")  # a draft targets nobody
    other = cast("App", AppFactory(name="Other shop"))
    MembershipFactory(app=other, user=marketer, role="marketer")
    Push.objects.create(
        app=other, created_by=marketer, title="Other app", accounts=["bob"], status="sent"
    )
    found = pushes_to_account(app=app, by=app_admin, account="bob")
    assert [push.title for push in found.pushes] == ["To both"]
    assert list(found.pushes) == [to_bob]
    assert [p.title for p in pushes_to_account(app=other, by=marketer, account="bob").pushes] == [
        "Other app"
    ]


def test_package_pushes_are_found_through_the_package_index(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    package = cast("AccountPackage", PackageFactory(app=app, uploaded_by=marketer))
    package_push = Push.objects.create(
        app=app, created_by=marketer, source="package", package=package, status="sent", title="Pkg"
    )
    first = pushes_to_account(app=app, by=reviewer, account="bob")
    assert first.packages.unindexed == [package.id] and list(first.pushes) == []
    assert account_index_build(package_id=package.id)
    package.refresh_from_db()
    assert package.account_index and default_storage.exists(str(package.account_index.name))
    assert AuditEvent.objects.filter(action="package.account_index_built").count() == 1
    assert not account_index_build(package_id=package.id)  # built once
    found = pushes_to_account(app=app, by=reviewer, account="bob")
    assert list(found.pushes) == [package_push] and found.packages.unindexed == []
    assert list(pushes_to_account(app=app, by=reviewer, account="zed").pushes) == []


def test_an_index_goes_with_its_packages_files(
    gateway: Gateway, app: App, marketer: User, app_admin: User
) -> None:
    package = cast("AccountPackage", PackageFactory(app=app, uploaded_by=marketer))
    Push.objects.create(
        app=app, created_by=marketer, source="package", package=package, status="sent"
    )
    assert account_index_sweep()["account_indexes_queued"] == 1  # validated before indexes
    account_index_build(package_id=package.id)
    package.refresh_from_db()
    name = str(package.account_index.name)
    package_delete_files(package=package, by=app_admin, reason="retention")
    # Gone with the files at once, not a sweep later: storage keeps nothing of the package.
    assert not default_storage.exists(name)
    package.refresh_from_db()
    assert not package.account_index
    found = pushes_to_account(app=app, by=app_admin, account="bob")
    assert found.packages.files_deleted == 1 and list(found.pushes) == []
    assert account_index_sweep() == {"account_indexes_deleted": 0, "account_indexes_queued": 0}
    assert not account_index_build(package_id=package.id)  # no file, no index


def test_a_package_that_becomes_valid_is_queued_for_indexing(
    app: App, marketer: User, django_capture_on_commit_callbacks: Any, settings: Settings
) -> None:
    from pushes.services import queue

    sent_tasks: list[tuple[str, tuple[Any, ...]]] = []
    settings.CELERY_TASK_ALWAYS_EAGER = False
    package = cast(
        "AccountPackage",
        PackageFactory(app=app, uploaded_by=marketer, status=AccountPackage.Status.PENDING),
    )
    original = queue._send
    queue._send = lambda name, args, countdown: sent_tasks.append((name, args))  # type: ignore[assignment]
    try:
        from pushes.services import package_validate

        package_validate(package_id=package.id)
    finally:
        queue._send = original  # type: ignore[assignment]
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.VALID
    assert (queue.BUILD_ACCOUNT_INDEX, (package.id,)) in sent_tasks
