"""The rules of pushes/permissions.py hold in the services, whatever page calls them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes import permissions
from pushes.errors import NotAllowed
from pushes.models import Push
from pushes.services import push_approve, push_cancel, push_reject, push_submit
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

pytestmark = pytest.mark.django_db


def test_only_its_author_or_an_admin_cancels_a_push(
    app: App, marketer: User, reviewer: User, app_admin: User, stranger: User
) -> None:
    push = make_push(app=app, author=marketer)
    for outsider in (reviewer, stranger):
        assert not permissions.may_cancel(push, outsider)
        with pytest.raises(NotAllowed):
            push_cancel(push=push, by=outsider)
    assert Push.objects.get(id=push.id).status == Push.Status.DRAFT
    push_cancel(push=push, by=app_admin)
    assert Push.objects.get(id=push.id).status == Push.Status.CANCELLED


def test_only_reviewers_and_admins_of_the_app_approve_or_reject(
    app: App, marketer: User, stranger: User, reviewer: User
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    with pytest.raises(NotAllowed):
        push_approve(push=push, by=stranger)
    with pytest.raises(NotAllowed):
        push_reject(push=push, by=stranger, comment="no")
    assert Push.objects.get(id=push.id).status == Push.Status.PENDING_REVIEW
    assert push_approve(push=push, by=reviewer).status == Push.Status.APPROVED


def test_the_record_page_actions_come_from_one_place(
    app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    author = permissions.push_actions(push, marketer)
    assert (author.can_edit, author.can_cancel, author.can_review) == (True, True, False)
    checker = permissions.push_actions(push, reviewer)
    assert (checker.can_edit, checker.can_cancel, checker.can_review) == (False, False, True)
    admin = permissions.push_actions(push, app_admin)
    assert (admin.can_edit, admin.can_cancel, admin.can_resolve) == (False, True, True)
