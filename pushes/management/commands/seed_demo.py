"""Create the demo users, a demo app on the sandbox gateway and sandbox devices.

Idempotent: running it again resets the demo passwords and adds nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pushes import services
from pushes.models import App, Gateway, Platform, Role

DEMO_USERS = [
    # username, password, staff, role on the demo app
    ("admin", "pushdeck-admin", True, Role.ADMIN),
    ("marketer", "pushdeck-marketer", False, Role.MARKETER),
    ("reviewer", "pushdeck-reviewer", False, Role.REVIEWER),
]
DEMO_APP = {
    "name": "Demo Shop",
    "access_id": "1500000001",
    "secret_key": "demo0sandbox0secret0key0000000001",
}
# account -> number of sandbox devices bound to it (account type 0, Default)
DEMO_ACCOUNTS = {"alice": 1, "bob": 2, "carol": 1, "dave": 1}


class Command(BaseCommand):
    help = "Create demo users (admin, marketer, reviewer), a sandbox demo app and sandbox devices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG=0 (the demo passwords are public).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates users with public passwords; refusing with DEBUG=0."
            )
        User = get_user_model()
        users = {}
        for username, password, staff, _role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = staff
            user.is_superuser = staff
            user.email = f"{username}@pushdeck.local"
            user.set_password(password)
            user.save()
            users[username] = user

        app = App.objects.filter(gateway=Gateway.SANDBOX, access_id=DEMO_APP["access_id"]).first()
        if app is None:
            app = services.app_create(
                by=users["admin"],
                name=DEMO_APP["name"],
                platform=Platform.ANDROID,
                access_id=DEMO_APP["access_id"],
                secret_key=DEMO_APP["secret_key"],
                gateway=Gateway.SANDBOX,
            )
        for username, _password, _staff, role in DEMO_USERS:
            services.membership_set(app=app, by=users["admin"], user=users[username], role=role)
        devices = self._seed_sandbox_devices(app)

        self.stdout.write(self.style.SUCCESS(f"Demo app “{app.name}” on the sandbox gateway."))
        self.stdout.write(f"Sandbox devices bound to accounts: {devices}")
        self.stdout.write("Demo logins (local demo only):")
        for username, password, _staff, role in DEMO_USERS:
            self.stdout.write(f"  {username:<9} {password:<18} ({role})")

    def _seed_sandbox_devices(self, app: App) -> int:
        from pushes.sandbox import selectors
        from pushes.sandbox import services as sandbox

        sandbox_app = sandbox.ensure_app(
            access_id=app.access_id, secret_key=app.secret_key, name=app.name
        )
        total = 0
        for account, wanted in DEMO_ACCOUNTS.items():
            have = selectors.device_count_for_account(
                app=sandbox_app, account=account, account_type=0
            )
            for n in range(have, wanted):
                device = sandbox.register_device(
                    app=sandbox_app, platform="android", label=f"{account}'s phone {n + 1}"
                )
                sandbox.bind(app=sandbox_app, account=account, account_type=0, device=device)
            total += max(have, wanted)
        return total
