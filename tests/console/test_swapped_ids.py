"""Another app's ids in the URLs and forms of one's own app.

Oscar administers “Other Shop”, so every role check on his own app passes. The package,
member, proposal or push in the URL (or the form) belongs to “Demo Shop”: each must be
refused as if it did not exist, show nothing of Demo Shop, and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from pushes.models import AccountPackage, Membership, Push, TestAccountsChange
from pushes.sandbox import services as sandbox
from pushes.services import push_submit
from tests.console.access import db_state
from tests.console.access_pushes import FORM
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from pathlib import Path

    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

VICTIM_NAME = "Demo Shop"
VICTIM_TITLE = "Demo Shop secret sale"
VICTIM_FILE = "demo-shop-accounts.txt"


@dataclass(frozen=True)
class World:
    own: App  # Other Shop, administered by oscar
    victim: App  # Demo Shop
    package: AccountPackage  # Demo Shop's, valid, with an error report stored
    push: Push  # Demo Shop's, pending review
    change: TestAccountsChange  # Demo Shop's, pending
    membership: Membership  # mia's, in Demo Shop
    draft: Push  # oscar's own, in Other Shop


@pytest.fixture
def world(
    settings: Settings,
    tmp_path: Path,
    app: App,
    marketer: User,
    app_admin: User,
    other_app: App,
    other_admin: User,
) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    package = cast("AccountPackage", PackageFactory(app=app, original_name=VICTIM_FILE))
    package.error_report.save("report.csv", ContentFile(b"line,reason,value\r\n"), save=True)
    push = push_submit(push=make_push(app=app, author=marketer, title=VICTIM_TITLE), by=marketer)
    sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)
    return World(
        own=other_app,
        victim=app,
        package=package,
        push=push,
        change=TestAccountsChange.objects.create(app=app, accounts=["qa-1"], proposed_by=app_admin),
        membership=Membership.objects.get(app=app, user=marketer),
        draft=make_push(app=other_app, author=other_admin),
    )


def _with_victims_package(w: World) -> dict[str, Any]:
    return {**FORM, "source": "package", "package": str(w.package.code)}


@dataclass(frozen=True)
class Swap:
    route: str
    method: str
    kwargs: Callable[[World], dict[str, Any]]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    status: int = 404
    note: str = ""

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.method, self.route, self.note) if part)


SWAPS = [
    Swap("package-detail", "get", lambda w: {"code": w.own.code, "package": w.package.code}),
    Swap("package-status", "get", lambda w: {"code": w.own.code, "package": w.package.code}),
    Swap("package-report", "get", lambda w: {"code": w.own.code, "package": w.package.code}),
    Swap("member-remove", "post", lambda w: {"code": w.own.code, "member_id": w.membership.id}),
    Swap(
        "app-test-accounts-decide",
        "post",
        lambda w: {"code": w.own.code, "change_id": w.change.id},
        data=lambda w: {"decision": "approve"},
        note="approve",
    ),
    Swap(
        "app-test-accounts-decide",
        "post",
        lambda w: {"code": w.own.code, "change_id": w.change.id},
        data=lambda w: {"decision": "withdraw"},
        note="withdraw",
    ),
    # A form field is an id too: the push form refuses another app's package.
    Swap("push-create", "post", lambda w: {"code": w.own.code}, _with_victims_package, 400),
    Swap("push-edit", "post", lambda w: {"code": w.draft.code}, _with_victims_package, 400),
]


@pytest.mark.parametrize("swap", SWAPS, ids=lambda s: s.id)
def test_another_apps_id_under_ones_own_app_is_refused_and_changes_nothing(
    swap: Swap, world: World, other_admin: User, client: Client
) -> None:
    client.force_login(other_admin)
    url = reverse(f"console:{swap.route}", kwargs=swap.kwargs(world))
    before = db_state()

    response = getattr(client, swap.method)(url, swap.data(world))

    assert response.status_code == swap.status
    assert VICTIM_FILE.encode() not in response.content
    assert str(world.package.code).encode() not in response.content
    assert db_state() == before


def test_create_push_does_not_preselect_another_apps_package(
    world: World, other_admin: User, client: Client
) -> None:
    client.force_login(other_admin)
    url = reverse("console:push-create", kwargs={"code": world.own.code})

    response = client.get(url, {"package": str(world.package.code)})

    assert response.status_code == 200
    assert response.context["selected_package"] is None
    assert str(world.package.code).encode() not in response.content


def test_push_list_filtered_by_another_app_shows_none_of_its_pushes(
    world: World, other_admin: User, client: Client
) -> None:
    client.force_login(other_admin)

    response = client.get(reverse("console:push-list"), {"app": str(world.victim.code)})

    assert response.status_code == 200
    assert world.push not in response.context["page"].object_list
    assert VICTIM_TITLE.encode() not in response.content


def test_sandbox_inbox_of_another_app_is_not_found(
    world: World, other_admin: User, client: Client
) -> None:
    client.force_login(other_admin)

    response = client.get(reverse("console:sandbox-inbox"), {"app": world.victim.access_id})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "route",
    ["app-list", "push-list", "review-queue", "audit-list", "notification-list", "sandbox-inbox"],
)
def test_lists_show_an_admin_of_another_app_nothing_of_this_one(
    route: str, world: World, other_admin: User, client: Client
) -> None:
    client.force_login(other_admin)

    response = client.get(reverse(f"console:{route}"))

    assert response.status_code == 200
    assert VICTIM_NAME.encode() not in response.content
    assert VICTIM_TITLE.encode() not in response.content
