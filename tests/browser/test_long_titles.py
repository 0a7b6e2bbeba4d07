"""A 200-character title without a space wraps: no page that shows it gets wider than the
screen, on a desktop or a phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from pushes.models import Plan
from pushes.sandbox import services as sandbox
from pushes.services import push_submit
from tests.browser.axe import axe_violations, describe
from tests.browser.site import VIEWPORTS, people, sign_in
from tests.factories import make_push, make_sent_push
from tests.sandbox.helpers import account_push, signed_post

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = ("Limitedtimeflashsaleeverythingmustgo" * 6)[:200]


def pages_with_the_title(app: App) -> list[tuple[str, str]]:
    """The author is the staff administrator: they preview their draft; a marketer's
    pending push is theirs to review."""
    team = people(app)
    staff, marketer = team["staff"], team["marketer"]
    draft = make_push(app=app, author=staff, title=LONG_TITLE)
    pending = push_submit(push=make_push(app=app, author=marketer, title=LONG_TITLE), by=marketer)
    plan = Plan.objects.create(
        app=app, name="Double 11", description="The sale", created_by=marketer, plan_id="9001"
    )
    sent = make_sent_push(
        app=app, author=marketer, at=pending.created_at, title=LONG_TITLE, plan=plan
    )
    sandbox_push(app, LONG_TITLE)
    return [
        ("push-form", reverse("console:push-edit", kwargs={"code": draft.code})),
        ("notifications", reverse("console:notification-list")),
        ("app-dashboard", reverse("console:app-detail", kwargs={"code": app.code})),
        ("sandbox", reverse("console:sandbox-inbox")),
        ("record-pending", reverse("console:push-detail", kwargs={"code": pending.code})),
        ("record-sent", reverse("console:push-detail", kwargs={"code": sent.code})),
        ("review", reverse("console:review-detail", kwargs={"code": pending.code})),
        ("pushes", reverse("console:push-list")),
        ("preview", reverse("console:push-preview", kwargs={"code": draft.code})),
        ("review-queue", reverse("console:review-queue")),
        ("plan", reverse("console:plan-detail", kwargs={"code": app.code, "plan": plan.code})),
    ]


def sandbox_push(app: App, title: str) -> None:
    """A push the sandbox delivered to alice's phone, for the Sandbox page."""
    sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
    device = sandbox.register_device(app=sandbox_app, label="Alice's phone")
    sandbox.bind(app=sandbox_app, account="alice", device=device)
    body = account_push(["alice"], message={"title": title, "content": "Today only"})
    signed_post(Client(), "v3/push/app", body, access_id=app.access_id, secret_key=app.secret_key)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_long_unbroken_title_does_not_widen_any_page(
    viewport: str,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    app: App,
    shots: Callable[[Page], Shots],
) -> None:
    pages = pages_with_the_title(app)
    page = new_page(**VIEWPORTS[viewport])
    shot = shots(page)
    sign_in(page, live_server.url, "root")
    width = VIEWPORTS[viewport]["viewport"]["width"]
    too_wide, axe_found = {}, {}

    for name, path in pages:
        page.goto(f"{live_server.url}{path}")
        assert page.get_by_text(LONG_TITLE[:40]).count(), f"{name} does not show the title"
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[name] = scroll_width
        if violations := axe_violations(page):
            axe_found[name] = describe(violations)
        shot(f"{viewport}-{name}")

    assert too_wide == {}, f"wider than the {width}px screen"
    assert axe_found == {}, "\n".join(f"{name}:\n{text}" for name, text in axe_found.items())
