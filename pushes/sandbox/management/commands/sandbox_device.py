"""Register sandbox devices and bind accounts to them, for demos.

python manage.py sandbox_device --access-id 1500000001 --account alice --account-type 0 --devices 2
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pushes.sandbox import services
from pushes.sandbox.models import SandboxApp


class Command(BaseCommand):
    help = "Register sandbox devices for an app: --devices of them per --account, bound to it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--access-id", required=True, help="AccessID of a sandbox app")
        parser.add_argument(
            "--account",
            action="append",
            default=[],
            help="account to bind (repeat for several)",
        )
        parser.add_argument("--account-type", type=int, default=0)
        parser.add_argument("--devices", type=int, default=1, help="how many devices to register")
        parser.add_argument("--platform", choices=["android", "ios"], default="android")
        parser.add_argument("--label", default="", help="device label (numbered if several)")
        parser.add_argument("--token", help="use this token (one device, at most one account)")

    def handle(self, *args: Any, **options: Any) -> None:
        app = self._sandbox_app(options["access_id"])
        count: int = options["devices"]
        if count < 1:
            raise CommandError("--devices must be at least 1")
        if options["token"] and (count != 1 or len(options["account"]) > 1):
            raise CommandError("--token registers one device: use --devices 1 and one --account")
        if options["account_type"] < 0:
            raise CommandError("--account-type must not be negative")
        # A device holds one account per type, so each account gets its own devices.
        accounts: list[str | None] = list(options["account"]) or [None]
        with transaction.atomic():
            for account in accounts:
                for n in range(1, count + 1):
                    label = options["label"] or (f"{account}'s phone" if account else "device")
                    if count > 1:
                        label = f"{label} {n}"
                    try:
                        device = services.register_device(
                            app=app,
                            token=options["token"],
                            platform=options["platform"],
                            label=label,
                        )
                        if account:
                            services.bind(
                                app=app,
                                account=account,
                                account_type=options["account_type"],
                                device=device,
                            )
                    except ValueError as exc:
                        raise CommandError(str(exc)) from exc
                    bound = f"{account} (type {options['account_type']})" if account else "unbound"
                    self.stdout.write(f"{device.token}  {label}  {bound}")

    def _sandbox_app(self, access_id: str) -> SandboxApp:
        app = SandboxApp.objects.filter(access_id=access_id).first()
        if app is not None:
            return app
        # The console's app of that AccessID, looked up by model name: the sandbox does not
        # import the domain (pyproject's import contracts).
        console_apps = django_apps.get_model("pushes", "App")
        console_app = console_apps.objects.filter(gateway="sandbox", access_id=access_id).first()
        if console_app is None:
            raise CommandError(
                f"No sandbox app with AccessID {access_id}. Create an app on the Sandbox "
                "gateway in the console first (or run `python manage.py seed_demo`)."
            )
        return services.ensure_app(
            access_id=console_app.access_id,
            secret_key=console_app.secret_key,
            name=console_app.name,
        )
