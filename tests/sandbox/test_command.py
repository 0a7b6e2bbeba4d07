"""`manage.py sandbox_device`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from pushes.models import Gateway
from pushes.sandbox.models import AccountBinding, Device, SandboxApp
from tests.factories import AppFactory
from tests.sandbox.helpers import ACCESS_ID

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("sandbox_device", *args, stdout=out)
    return out.getvalue()


def test_it_registers_devices_bound_to_an_account(sandbox_app: SandboxApp) -> None:
    output = run(
        "--access-id", ACCESS_ID, "--account", "alice", "--account-type", "1005", "--devices", "2"
    )

    devices = Device.objects.filter(app=sandbox_app)
    assert devices.count() == 2
    assert set(AccountBinding.objects.values_list("account", "account_type")) == {("alice", 1005)}
    assert all(device.token in output for device in devices)
    assert all(len(device.token) == 36 for device in devices)


def test_each_account_gets_its_own_devices(sandbox_app: SandboxApp) -> None:
    run("--access-id", ACCESS_ID, "--account", "alice", "--account", "bob")

    assert sorted(AccountBinding.objects.values_list("account", flat=True)) == ["alice", "bob"]
    assert Device.objects.count() == 2


def test_it_creates_the_sandbox_side_of_a_console_app(db: None) -> None:
    AppFactory(access_id="1500000123", gateway=Gateway.SANDBOX)

    run("--access-id", "1500000123", "--account", "alice")

    assert SandboxApp.objects.get(access_id="1500000123").devices.count() == 1


def test_an_unknown_app_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="No sandbox app"):
        run("--access-id", "1599999999", "--account", "alice")
