from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import factory
from django.contrib.auth import get_user_model

from pushes.models import AccountPackage, App, Gateway, Membership, Push, PushResults, Role

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class AppFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = App

    name = factory.Sequence(lambda n: f"App {n}")
    access_id = factory.Sequence(lambda n: f"{1500000000 + n}")
    gateway = Gateway.SANDBOX
    secret_key = factory.Sequence(lambda n: f"{n:04d}fcebae9f3115ba794fb0fff2fd73")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    app = factory.SubFactory(AppFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MARKETER


PACKAGE_BYTES = b"alice\nbob\ncarol\n"


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountPackage

    app = factory.SubFactory(AppFactory)
    original_name = "accounts.txt"
    status = AccountPackage.Status.VALID
    accounts = 3
    rows = 3
    size = 20
    format = "txt"
    # The real digest of the stored bytes: delivery streams exactly the approved bytes.
    sha256 = hashlib.sha256(PACKAGE_BYTES).hexdigest()
    file = factory.django.FileField(filename="accounts.txt", data=PACKAGE_BYTES)


def make_push(*, app: App, author: User, accounts: str = "alice\nbob\n", **fields: Any) -> Push:
    """A draft push through the service, as the console makes them."""
    from pushes.services import PushFields, push_save_draft

    values: dict[str, Any] = {
        "title": "Spring sale",
        "content": "20% off today",
        "accounts_text": accounts,
    }
    values.update(fields)
    return push_save_draft(app=app, by=author, fields=PushFields(**values))


def make_sent_push(
    *,
    app: App,
    author: User,
    at: datetime,
    accounts: int = 10,
    funnel: tuple[int, int, int, int] | None = (10, 8, 6, 3),
    title: str = "Spring sale",
    **fields: Any,
) -> Push:
    """A push sent at `at` to `accounts` accounts, with (planned, sent, reached, clicked)
    devices as its delivery results (none yet when funnel is None), straight in the tables."""
    values: dict[str, Any] = {"status": Push.Status.SENT, "sent_at": at, "total_count": accounts}
    values.update(fields)
    push = Push.objects.create(app=app, created_by=author, title=title, **values)
    if funnel is not None:
        planned, sent, arrived, clicked = funnel
        PushResults.objects.create(
            push=push, planned=planned, sent=sent, arrived=arrived, clicked=clicked, as_of=at
        )
    return push
