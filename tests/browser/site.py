"""One of everything a console page shows, for the browser tests that visit every page:
made through the domain's services, as people would make it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.test import Client
from django.urls import reverse

from pushes.models import AccountPackage, Membership, Plan, Push, Role
from pushes.sandbox import services as sandbox
from pushes.services import app_test_accounts_propose, push_approve, push_submit
from tests.browser.keys import type_into
from tests.browser.test_push_results import sent_with_results
from tests.factories import MembershipFactory, PackageFactory, UserFactory, make_push
from tests.sandbox.helpers import account_push, signed_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from playwright.sync_api import Page

    from pushes.models import App

PASSWORD = "correct-horse-battery"
LANGUAGES = ("en", "zh-hans")
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@dataclass
class Site:
    app: App
    package: AccountPackage
    plan: Plan
    drafts: dict[str, Push]  # by role: each author previews their own
    pending: Push
    sent: Push


def people(app: App) -> dict[str, User]:
    """The staff administrator (also admin of the app, as in the demo), a marketer and a
    reviewer, by role."""
    staff = cast("User", UserFactory(username="root", is_staff=True))
    MembershipFactory(app=app, user=staff, role=Role.ADMIN)
    by_role = {"staff": staff}
    for role, name in (("marketer", "mia"), ("reviewer", "rob")):
        member = MembershipFactory(app=app, user=UserFactory(username=name), role=role)
        by_role[role] = cast("Membership", member).user
    return by_role


def build_site(app: App, by_role: dict[str, User]) -> Site:
    """Needs MEDIA_ROOT pointed at a temporary folder (the package's file)."""
    marketer, reviewer, staff = by_role["marketer"], by_role["reviewer"], by_role["staff"]
    package = cast("AccountPackage", PackageFactory(app=app, uploaded_by=marketer))
    plan = Plan.objects.create(
        app=app, name="Double 11", description="The sale", created_by=marketer, plan_id="9001"
    )
    drafts = {
        "marketer": make_push(app=app, author=marketer, title="Spring sale"),
        "staff": make_push(app=app, author=staff, title="Staff notice"),
    }
    pending = push_submit(push=make_push(app=app, author=marketer, title="Summer"), by=marketer)
    approved = push_submit(push=make_push(app=app, author=marketer, title="Autumn"), by=marketer)
    push_approve(push=approved, by=reviewer)
    sent = sent_with_results(app, marketer)
    Push.objects.filter(pk=sent.pk).update(plan=plan)
    app_test_accounts_propose(app=app, by=staff, text="qa-phone\n")
    sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
    device = sandbox.register_device(app=sandbox_app, label="Alice's phone")
    sandbox.bind(app=sandbox_app, account="alice", device=device)
    signed_post(
        Client(),
        "v3/push/app",
        account_push(["alice"], message={"title": "Flash sale", "content": "Today only"}),
        access_id=app.access_id,
        secret_key=app.secret_key,
    )
    return Site(app, package, plan, drafts, pending, sent)


def pages_for(role: str, site: Site) -> list[tuple[str, str]]:
    """(name, path) of every console page the role may open."""
    app = {"code": site.app.code}
    shared = [
        ("apps", reverse("console:app-list")),
        ("app-dashboard", reverse("console:app-detail", kwargs=app)),
        ("packages", reverse("console:package-list", kwargs=app)),
        (
            "package",
            reverse("console:package-detail", kwargs={**app, "package": site.package.code}),
        ),
        ("pushes", reverse("console:push-list")),
        ("record-with-results", reverse("console:push-detail", kwargs={"code": site.sent.code})),
        ("review-queue", reverse("console:review-queue")),
        ("plans", reverse("console:plan-list", kwargs=app)),
        ("plan", reverse("console:plan-detail", kwargs={**app, "plan": site.plan.code})),
        ("notifications", reverse("console:notification-list")),
        ("sandbox", reverse("console:sandbox-inbox")),
        ("preferences", reverse("preferences")),
    ]
    authors = [
        ("push-form", reverse("console:push-create", kwargs=app)),
        ("preview", reverse("console:push-preview", kwargs={"code": site.drafts[role].code}))
        if role in site.drafts
        else None,
    ]
    reviewers = [
        ("test-accounts", reverse("console:app-test-accounts", kwargs=app)),
        ("review", reverse("console:review-detail", kwargs={"code": site.pending.code})),
    ]
    admins = [
        ("app-form", reverse("console:app-edit", kwargs=app)),
        ("app-form-new", reverse("console:app-create")),
        ("audit-log", reverse("console:audit-list")),
    ]
    found = list(shared)
    if role in {"marketer", "staff"}:
        found += [page for page in authors if page]
    if role in {"reviewer", "staff"}:
        found += reviewers
    if role == "staff":
        found += admins
    return found


def set_language(page: Page, base_url: str, language: str) -> None:
    """The language cookie, as the switcher sets it for people not signed in."""
    cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}
    page.context.add_cookies([cookie])  # type: ignore[list-item]


def sign_in(page: Page, base_url: str, username: str, language: str = "en") -> None:
    """Signs in in `language`, with the keyboard."""
    set_language(page, base_url, language)
    page.goto(f"{base_url}/login/")
    type_into(page, "#id_username", username)
    type_into(page, "#id_password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.lang") == language
