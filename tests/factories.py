from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from pushes.models import App, Gateway, Membership, Role


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
