"""The top bar's menu: a real button for the phone menu, and only the links a person can use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.templatetags.static import static
from django.urls import reverse

from pushes import selectors
from pushes.models import Role
from tests.factories import MembershipFactory

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

pytestmark = pytest.mark.django_db

REVIEW_LINK = f'<a href="{reverse("console:review-queue")}"'


def page_for(client: Client, user: User) -> str:
    client.force_login(user)
    return client.get(reverse("console:push-list")).content.decode()


def test_the_phone_menu_is_a_button_that_controls_the_nav(client: Client, marketer: User) -> None:
    html = page_for(client, marketer)

    assert (
        '<button type="button" class="nav-toggle" aria-expanded="false" aria-controls="main-nav">'
        in html
    )
    assert '<nav class="nav" id="main-nav"' in html
    assert 'type="checkbox"' not in html and "nav-toggle-label" not in html


def test_the_menu_script_is_a_static_file_that_runs_before_the_page_is_drawn(
    client: Client, marketer: User
) -> None:
    html = page_for(client, marketer)

    script = f'<script src="{static("js/nav.js")}"></script>'
    assert script in html and html.index(script) < html.index("</head>")


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("marketer", False), ("reviewer", True), ("app_admin", True), ("staff", True)],
)
def test_the_review_queue_is_in_the_menu_only_for_people_who_review(
    persona: str, shown: bool, client: Client, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)

    assert (REVIEW_LINK in page_for(client, user)) is shown


def test_a_marketer_who_reviews_another_app_gets_the_review_queue(
    client: Client, marketer: User
) -> None:
    MembershipFactory(user=marketer, role=Role.REVIEWER)

    assert selectors.can_review_somewhere(user=marketer)
    assert REVIEW_LINK in page_for(client, marketer)


def test_nobody_reviews_without_a_membership(stranger: User, staff: User) -> None:
    assert not selectors.can_review_somewhere(user=stranger)
    assert selectors.can_review_somewhere(user=staff)


def test_the_login_page_has_no_menu(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()

    assert "nav-toggle" not in html and REVIEW_LINK not in html


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("marketer", False), ("reviewer", False), ("app_admin", True), ("staff", True)],
)
def test_the_audit_log_is_in_the_menu_only_for_people_who_may_read_it(
    persona: str, shown: bool, client: Client, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    audit_link = f'<a href="{reverse("console:audit-list")}"'

    html = page_for(client, user)

    assert (audit_link in html) is shown
    client.force_login(user)
    status = client.get(reverse("console:audit-list")).status_code
    assert (status == 200) is shown
