"""People: staff administrators create accounts, deactivate and reactivate them, and hand out
one-time set-password links; everyone changes their own password.

Nobody types a password for someone else: a new account has no usable password until its
owner opens a one-time link (Django's password reset token: valid for
`PASSWORD_RESET_TIMEOUT`, spent as soon as the password changes or the owner signs in).
Every change is audited, never the password or the link itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from pushes import permissions
from pushes.audit import audit_record
from pushes.errors import Invalid, NotAllowed, WrongState

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Backends that only pretend to send: with these a link is shown, never e-mailed.
_NOT_SENDING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@dataclass(frozen=True)
class PasswordLink:
    """A one-time set-password link. `path` holds the token: show it once, never store it."""

    path: str
    expires_at: datetime
    emailed_to: str = ""


def _require_staff(by: User) -> None:
    permissions.require(permissions.is_staff(by), _("Only staff administrators can manage users."))


def email_configured() -> bool:
    """Whether mail really leaves this server (not the default console backend)."""
    return settings.EMAIL_BACKEND not in _NOT_SENDING


def can_email_link(user: User) -> bool:
    return bool(user.email) and email_configured()


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    """A new, active account without a usable password: give its owner a link next."""
    _require_staff(by)
    username = username.strip()
    model = get_user_model()
    # Usernames differing only in case ("Mia", "mia") would be told apart by nobody.
    if model._default_manager.filter(username__iexact=username).exists():
        raise Invalid({"username": _("A user with that username already exists.")})
    user = model(
        username=username,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_staff=is_staff,
        is_active=True,
    )
    user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    user.save()
    audit_record(
        actor=by,
        action="user.created",
        obj=user,
        data={"username": user.get_username(), "email": user.email, "is_staff": is_staff},
    )
    return user


def user_set_active(*, by: User, user: User, active: bool) -> User:
    """Deactivate (they cannot sign in; their sessions end) or reactivate an account."""
    _require_staff(by)
    if user.pk == by.pk:
        raise Invalid(
            _("You cannot deactivate or reactivate yourself; ask another staff administrator.")
        )
    with transaction.atomic():
        if user.is_active == active:
            return user
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=by,
            action="user.reactivated" if active else "user.deactivated",
            obj=user,
            data={"username": user.get_username()},
        )
    if not active:
        end_sessions(user)
    return user


def end_sessions(user: User) -> int:
    """Delete the user's stored sessions; returns how many.

    An inactive user's session is already refused at every request (ModelBackend.get_user),
    but it would come back to life on reactivation: delete it. Sessions kept where they
    cannot be listed (cache, signed cookies) are only refused.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    mine = [
        session.pk
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(store().decode(session.session_data).get("_auth_user_id")) == str(user.pk)
    ]
    model.objects.filter(pk__in=mine).delete()
    return len(mine)


def user_reset_link(*, by: User, user: User, send_email: bool = False) -> PasswordLink:
    """A one-time link for `user` to set a password: returned to be shown once, or e-mailed.

    The link works until the password changes or the user signs in, and at most for
    PASSWORD_RESET_TIMEOUT; an earlier link stops working as soon as one is used.
    """
    _require_staff(by)
    if not user.is_active:
        raise WrongState(_("Reactivate %(user)s first.") % {"user": user.get_username()})
    if send_email and not can_email_link(user):
        raise WrongState(_("This user's link cannot be e-mailed: show it instead."))
    link = PasswordLink(
        path=reverse(
            "password-set",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
        expires_at=timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        emailed_to=user.email if send_email else "",
    )
    if send_email:
        # Sent before it is recorded, outside any transaction: a mail server that fails
        # leaves no event saying it was sent.
        _email_link(user, link, by=by)
    audit_record(
        actor=by,
        action="user.password_link",
        obj=user,
        data={
            "username": user.get_username(),
            "delivery": "emailed" if send_email else "shown",
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return link


def _email_link(user: User, link: PasswordLink, *, by: User) -> None:
    params = {
        "username": user.get_username(),
        "by": by.get_username(),
        "url": f"{settings.PUSHDECK_BASE_URL}{link.path}",
        "expires": timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M %Z"),
    }
    body = _(
        "%(by)s gave you a link to set your Pushdeck password.\n\n"
        "Your username: %(username)s\n\n"
        "Open this link to choose a password:\n%(url)s\n\n"
        "It works once, until %(expires)s. If you did not expect it, ignore this e-mail."
    )
    send_mail(
        subject=_("[Pushdeck] Set your password"),
        message=body % params,
        from_email=None,
        recipient_list=[user.email],
        fail_silently=False,
    )


def _require_valid_password(user: User, password: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise Invalid({"password": exc.messages}) from exc


@transaction.atomic
def user_password_set(*, user: User, password: str) -> User:
    """The owner sets a password through a one-time link (the view checks the link)."""
    if not user.is_active:
        raise NotAllowed(_("This account is deactivated."))
    _require_valid_password(user, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user, action="user.password_set", obj=user, data={"username": user.get_username()}
    )
    return user


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Anyone signed in changes their own password, knowing the current one."""
    if not user.check_password(old_password):
        raise Invalid({"old_password": _("Your old password was entered incorrectly.")})
    _require_valid_password(user, new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user,
        action="user.password_changed",
        obj=user,
        data={"username": user.get_username()},
    )
    return user
