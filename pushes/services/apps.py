"""Apps, members and the health ping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from pushes import permissions
from pushes.audit import audit_record
from pushes.errors import Invalid, NotAllowed
from pushes.events import app_gateway_changed
from pushes.models import App, Membership, Role
from pushes.services.queue import DELIVER_PUSH, enqueue_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User

APP_FIELDS = (
    "name",
    "platform",
    "access_id",
    "gateway",
    "default_account_type",
    "two_approvals_above",
)


def _require_staff(by: AbstractBaseUser) -> None:
    permissions.require(permissions.is_staff(by), _("Only staff administrators can create apps."))


def _announce(app: App, *, previous_gateway: str | None, previous_access_id: str | None) -> None:
    """Tell the gateways that listen (the built-in sandbox) where the app now is."""
    app_gateway_changed.send(
        sender=App,
        gateway=app.gateway,
        access_id=app.access_id,
        secret_key=app.secret_key,
        name=app.name,
        previous_gateway=previous_gateway,
        previous_access_id=previous_access_id,
    )


@transaction.atomic
def app_create(
    *,
    by: User,
    name: str,
    platform: str,
    access_id: str,
    secret_key: str,
    gateway: str,
    default_account_type: int = 0,
    two_approvals_above: int | None = None,
) -> App:
    _require_staff(by)
    app = App(
        name=name,
        platform=platform,
        access_id=access_id,
        gateway=gateway,
        default_account_type=default_account_type,
        two_approvals_above=two_approvals_above,
    )
    app.secret_key = secret_key
    app.full_clean()
    app.save()
    audit_record(
        actor=by, action="app.created", obj=app, data={f: getattr(app, f) for f in APP_FIELDS}
    )
    _announce(app, previous_gateway=None, previous_access_id=None)
    return app


@transaction.atomic
def app_update(*, app: App, by: User, secret_key: str | None = None, **fields: object) -> App:
    unknown = set(fields) - set(APP_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    changes = {
        name: {"from": getattr(app, name), "to": value}
        for name, value in fields.items()
        if getattr(app, name) != value
    }
    if {"gateway", "access_id"} & changes.keys() and not permissions.is_staff(by):
        raise NotAllowed(_("Only staff administrators can change an app's gateway or AccessID."))
    previous_gateway, previous_access_id = app.gateway, app.access_id
    for name, value in fields.items():
        setattr(app, name, value)
    if secret_key:
        app.secret_key = secret_key
        # Record that the key changed, never the key itself.
        changes["secret_key"] = {"from": "••••", "to": f"••••{app.secret_key_last4}"}
    if not changes:
        return app
    app.full_clean()
    app.save()
    audit_record(actor=by, action="app.updated", obj=app, data={"changes": changes})
    _announce(app, previous_gateway=previous_gateway, previous_access_id=previous_access_id)
    return app


@transaction.atomic
def app_set_paused(*, app: App, by: User, paused: bool) -> App:
    if app.is_paused == paused:
        return app
    app.is_paused = paused
    app.save(update_fields=["is_paused", "updated_at"])
    audit_record(actor=by, action="app.paused" if paused else "app.resumed", obj=app)
    if not paused:
        # Work held while paused goes out now rather than at the next sweep.
        for push_id in app.pushes.filter(status__in=["approved", "uploaded"]).values_list(
            "id", flat=True
        ):
            enqueue_on_commit(DELIVER_PUSH, push_id)
    return app


@transaction.atomic
def membership_set(*, app: App, by: User, user: User, role: str) -> Membership:
    """Add a member, or change an existing member's role."""
    if role not in Role.values:
        raise Invalid({"role": _("Unknown role %(role)s.") % {"role": repr(role)}})
    membership = Membership.objects.select_for_update().filter(app=app, user=user).first()
    if membership is None:
        membership = Membership(app=app, user=user, role=role)
        membership.full_clean()
        membership.save()
        audit_record(
            actor=by,
            action="member.added",
            obj=membership,
            data={"user": user.get_username(), "role": role},
        )
    elif membership.role != role:
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            actor=by,
            action="member.role_changed",
            obj=membership,
            data={"user": user.get_username(), "from": old, "to": role},
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    if membership.user_id == by.pk and not permissions.is_staff(by):
        raise Invalid(_("You cannot remove yourself; ask another admin."))
    audit_record(
        actor=by,
        action="member.removed",
        obj=membership,
        app=membership.app,
        data={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()
