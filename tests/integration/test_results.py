"""Delivery results end to end: a real worker with its beat sends a 10,000-account package
push to the sandbox over HTTP, then refreshes its statistics on the (shortened) schedule until
they are final; the record page shows what the sandbox reports."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from pushes.models import AccountPackage, Push, PushResults
from pushes.sandbox import engagement, statistics
from pushes.sandbox.models import AccountBinding, Device, SandboxApp, SandboxPush, StatisticsCalls
from pushes.services import budget, push_approve, push_submit
from pushes.services.queue import REFRESH_RESULTS, enqueue
from tests.factories import make_push
from tests.integration.conftest import wait_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ACCOUNTS = 10_000
BOUND = 2_500


def bind_devices(app: App) -> None:
    """Every fourth account has a device, on a mix of channels, in bulk."""
    sandbox_app = SandboxApp.objects.get(access_id=app.access_id)
    sandbox_app.arrival_rate, sandbox_app.click_rate, sandbox_app.clear_rate = 0.9, 0.2, 0.3
    sandbox_app.arrival_delay_seconds = sandbox_app.engage_delay_seconds = 0
    sandbox_app.save()
    tokens = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(BOUND)]
    Device.objects.bulk_create(
        Device(
            app=sandbox_app,
            token=token,
            platform="ios" if i % 10 == 0 else "android",
            channel=engagement.channel_for(
                platform="ios" if i % 10 == 0 else "android", token=token
            ),
        )
        for i, token in enumerate(tokens)
    )
    devices = dict(Device.objects.filter(app=sandbox_app).values_list("token", "id"))
    now = timezone.now()
    AccountBinding.objects.bulk_create(
        AccountBinding(
            app=sandbox_app, account=f"user{i * 4:05d}", device_id=devices[t], bound_at=now
        )
        for i, t in enumerate(tokens)
    )


def package_of(app: App) -> AccountPackage:
    data = "".join(f"user{i:05d}\n" for i in range(ACCOUNTS)).encode()
    package = AccountPackage(
        app=app,
        original_name="everyone.txt",
        status=AccountPackage.Status.VALID,
        accounts=ACCOUNTS,
        rows=ACCOUNTS,
        size=len(data),
        format="txt",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    package.file.save("everyone.txt", ContentFile(data), save=False)
    package.save()
    return package


def test_a_package_push_shows_the_sandboxs_results_on_its_record_page(
    worker_factory: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    settings: Settings,
    tmp_path: Path,
) -> None:
    bind_devices(app)
    worker_factory(
        "-B",
        "-s",
        str(tmp_path / "beat-schedule"),
        env_overrides={
            "TPNS_SANDBOX_BASE_URL": gateway.url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PUSH_RESULTS_SCHEDULE_SECONDS": "1,2",
            "PUSH_RESULTS_EVERY_SECONDS": "2",
            "PUSH_RESULTS_FOLLOW_SECONDS": "6",
        },
    )
    package = package_of(app)
    push = make_push(app=app, author=marketer, source="package", package=package)
    push_approve(push=push_submit(push=push, by=marketer), by=reviewer)

    wait_for(lambda: Push.objects.get(id=push.id).status == Push.Status.SENT, timeout=60)
    results = wait_for(
        lambda: PushResults.objects.filter(push=push, final=True).first(), timeout=60
    )

    assert isinstance(results, PushResults)
    sandbox_push = SandboxPush.objects.get(push_id=Push.objects.get(id=push.id).push_id)
    reported = statistics.task_stat(push=sandbox_push)[-1]["pushState"]
    assert (
        (results.planned, results.sent)
        == (BOUND, BOUND)
        == (
            reported["pushActiveUv"],
            reported["pushOnlineUv"],
        )
    )
    assert (results.arrived, results.clicked, results.cleared) == (
        reported["arrivalUv"],
        reported["clickUv"],
        reported["cleanupUv"],
    )
    assert BOUND > results.arrived > results.clicked > 0
    assert results.refreshes >= 3 and results.samples.count() == results.refreshes
    client = Client()
    client.force_login(marketer)
    page = client.get(f"/pushes/{push.code}/").content.decode()
    funnel = re.search(r'data-testid="results-funnel".*?</table>', page, re.S)
    assert funnel is not None
    cells = re.findall(
        r'data-step="(\w+)"><th scope="row">[^<]*</th><td class="num">([\d,]+)<', funnel.group(0)
    )
    shown = {step: int(count.replace(",", "")) for step, count in cells}
    assert shown == results.counts()


def test_two_workers_never_spend_more_than_the_hourly_budget(
    worker_factory: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    settings: Settings,
) -> None:
    budget_per_hour = 15
    env = {
        "TPNS_SANDBOX_BASE_URL": gateway.url,
        "TPNS_STATISTICS_CALLS_PER_HOUR": str(budget_per_hour),
    }
    gateway.bind("alice")
    sent_pushes = []
    for n in range(40):
        push = make_push(app=app, author=marketer, title=f"Sale {n}")
        answer = push_client_send(gateway, push)
        Push.objects.filter(id=push.id).update(
            status=Push.Status.SENT, push_id=answer, sent_at=timezone.now()
        )
        sent_pushes.append(PushResults.objects.create(push=push, next_at=timezone.now()))
    first, second = worker_factory(env_overrides=env), worker_factory(env_overrides=env)

    for results in sent_pushes:
        enqueue(REFRESH_RESULTS, results.push_id)

    def finished() -> int:
        return first.finished("refresh_results") + second.finished("refresh_results")

    wait_for(lambda: finished() >= 40, timeout=60)
    assert first.finished("refresh_results") and second.finished("refresh_results")

    calls = StatisticsCalls.objects.filter(app__access_id=app.access_id)
    assert sum(calls.values_list("calls", flat=True)) == budget_per_hour
    assert budget.used(app=app) == budget_per_hour
    refreshed = PushResults.objects.filter(as_of__isnull=False).count()
    waiting = PushResults.objects.filter(problem=PushResults.Problem.BUDGET).count()
    assert (refreshed, waiting) == (budget_per_hour, 40 - budget_per_hour)


def push_client_send(gateway: Gateway, push: Push) -> str:
    """Send a push straight to the sandbox (the test needs many sent pushes, fast)."""
    from pushes.tpns import client
    from pushes.tpns.hosts import Credentials
    from pushes.tpns.schema import Message, PushRequest

    creds = Credentials(
        access_id=gateway.app.access_id, secret_key=gateway.app.secret_key, gateway="sandbox"
    )
    request = PushRequest(
        "account", "notify", Message(title=push.title, content="x"), account_list=["alice"]
    )
    result = client.push(creds, request)
    assert isinstance(result.push_id, str)
    return result.push_id
