"""Every audit action in words: a label, a group for the filter, and a describer.

A describer turns one recorded event into a sentence in the active language, from what the
event holds (its actor, the object's name when it was recorded, its data), never from the
object as it is now. An action without a describer (a new one, or data of an older shape)
still reads as a sentence: `describe_generic` lists its data as `key: value` pairs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from pushes.models import AuditEvent


@dataclass(frozen=True)
class Said:
    """One event as its describer sees it."""

    event: AuditEvent
    actor: str  # the username, or "Pushdeck" for the system
    name: str  # the object's name when the event was recorded
    app: str  # the app's name, or the object's name when the app is gone
    data: dict[str, Any]
    approval: tuple[int, int] | None = None  # push.approval_added: (this one, needed)

    def get(self, key: str, default: Any = "") -> Any:
        value = self.data.get(key, default)
        return default if value is None else value


Describer = Callable[[Said], str]


@dataclass(frozen=True)
class ActionKind:
    action: str
    label: str  # msgid, translated where shown
    group: str
    describe: Describer


# Groups of the action filter, in the order the filter lists them.
GROUPS: dict[str, str] = {
    "pushes": N_("Pushes"),
    "review": N_("Review"),
    "delivery": N_("Delivery"),
    "packages": N_("Account packages"),
    "plans": N_("Push plans"),
    "apps": N_("Apps"),
    "members": N_("Members"),
    "users": N_("Users"),
    "audit": N_("Audit log"),
}

ACTIONS: dict[str, ActionKind] = {}

ROLES = {"admin": N_("admin"), "marketer": N_("marketer"), "reviewer": N_("reviewer")}

APP_FIELD_NAMES = {
    "name": N_("name"),
    "platform": N_("platform"),
    "access_id": "AccessID",
    "gateway": N_("gateway"),
    "default_account_type": N_("default account type"),
    "two_approvals_above": N_("two-approval threshold"),
    "secret_key": "SecretKey",
}


def _action(action: str, label: str, group: str) -> Callable[[Describer], Describer]:
    def register(describe: Describer) -> Describer:
        ACTIONS[action] = ActionKind(action, label, group, describe)
        return describe

    return register


def describe(said: Said) -> str:
    """The event's sentence; the generic one when its action or data is not known."""
    kind = ACTIONS.get(said.event.action)
    if kind is not None:
        try:
            return kind.describe(said)
        except (KeyError, TypeError, ValueError):
            pass  # data of an unexpected shape: say what there is
    return describe_generic(said)


def label(action: str) -> str:
    kind = ACTIONS.get(action)
    return _(kind.label) if kind is not None else action


def describe_generic(said: Said) -> str:
    details = "; ".join(f"{key}: {_plain(value)}" for key, value in sorted(said.data.items()))
    names = {
        "actor": said.actor,
        "action": said.event.action,
        "object": said.name or said.event.object_type,
    }
    if not details:
        return _("%(actor)s: %(action)s on “%(object)s”") % names
    if len(details) > 300:
        details = details[:299] + "…"
    return _("%(actor)s: %(action)s on “%(object)s” (%(details)s)") % {**names, "details": details}


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def number(value: Any) -> str:
    return str(number_format(int(value), force_grouping=True))


def role(value: Any) -> str:
    return _(ROLES[value]) if value in ROLES else str(value)


def _frm(said: Said) -> str:
    return str(said.get("from"))


# Pushes ----------------------------------------------------------------------------------


@_action("push.created", N_("Push created"), "pushes")
def _push_created(s: Said) -> str:
    return _("%(actor)s created the push “%(push)s”") % {"actor": s.actor, "push": s.name}


@_action("push.returned_to_draft", N_("Push edited, back to draft"), "pushes")
def _push_returned(s: Said) -> str:
    return _("%(actor)s edited “%(push)s”: it is a draft again and its review is void") % {
        "actor": s.actor,
        "push": s.name,
    }


@_action("push.submitted", N_("Push submitted for review"), "pushes")
def _push_submitted(s: Said) -> str:
    count = int(s.get("total_count", 0))
    return ngettext(
        "%(actor)s submitted “%(push)s” for review (%(count)s account)",
        "%(actor)s submitted “%(push)s” for review (%(count)s accounts)",
        count,
    ) % {"actor": s.actor, "push": s.name, "count": number(count)}


@_action("push.reach_checked", N_("Push reach checked"), "pushes")
def _push_reach_checked(s: Said) -> str:
    names = {
        "actor": s.actor,
        "push": s.name,
        "checked": number(s.get("checked", 0)),
        "bound": number(s.get("bound", 0)),
        "devices": number(s.get("devices", 0)),
    }
    if s.get("status") == "not_checked":
        return _("%(actor)s asked who “%(push)s” reaches; the gateway could not tell") % names
    if s.get("exact", True):
        text = _(
            "%(actor)s checked who “%(push)s” reaches: %(bound)s of %(checked)s accounts have "
            "a device (%(devices)s devices)"
        )
    else:
        text = _(
            "%(actor)s checked who “%(push)s” reaches in a random sample: %(bound)s of "
            "%(checked)s accounts have a device (%(devices)s devices)"
        )
    return text % names


@_action("push.unreachable_confirmed", N_("Push confirmed though nobody was reachable"), "pushes")
def _push_unreachable_confirmed(s: Said) -> str:
    return _(
        "%(actor)s confirmed “%(push)s” although none of the %(checked)s accounts checked had "
        "a device, and said to send it anyway"
    ) % {"actor": s.actor, "push": s.name, "checked": number(s.get("checked", 0))}


@_action("push.draft", N_("Push back to draft"), "pushes")
def _push_draft(s: Said) -> str:
    return _("“%(push)s” is a draft again") % {"push": s.name}


@_action("push.pending_review", N_("Push waiting for review"), "pushes")
def _push_pending(s: Said) -> str:
    return _("“%(push)s” is waiting for review") % {"push": s.name}


@_action("push.cancelled", N_("Push cancelled"), "pushes")
def _push_cancelled(s: Said) -> str:
    if _frm(s) == "sent":
        return _("%(actor)s cancelled the scheduled “%(push)s” at the gateway") % {
            "actor": s.actor,
            "push": s.name,
        }
    return _("%(actor)s cancelled “%(push)s”") % {"actor": s.actor, "push": s.name}


@_action("push.cancel_requested", N_("Cancel requested at the gateway"), "pushes")
def _push_cancel_requested(s: Said) -> str:
    return _("%(actor)s asked the gateway to cancel the scheduled “%(push)s”") % {
        "actor": s.actor,
        "push": s.name,
    }


@_action("push.test_sent", N_("Test push sent"), "pushes")
def _push_test_sent(s: Said) -> str:
    count = int(s.get("accounts", 0))
    return ngettext(
        "%(actor)s sent “%(push)s” as a test push to %(count)s test account",
        "%(actor)s sent “%(push)s” as a test push to %(count)s test accounts",
        count,
    ) % {"actor": s.actor, "push": s.name, "count": number(count)}


@_action("push.results_refresh", N_("Results refreshed"), "pushes")
def _push_results_refresh(s: Said) -> str:
    return _("%(actor)s refreshed the results of “%(push)s”") % {"actor": s.actor, "push": s.name}


# Review ----------------------------------------------------------------------------------


@_action("push.approval_added", N_("Approval given"), "review")
def _push_approval_added(s: Said) -> str:
    if s.approval is None:
        return _("%(actor)s approved “%(push)s”") % {"actor": s.actor, "push": s.name}
    this, needed = s.approval
    return _("%(actor)s approved “%(push)s” (%(number)s of %(needed)s)") % {
        "actor": s.actor,
        "push": s.name,
        "number": number(this),
        "needed": number(needed),
    }


@_action("push.approved", N_("Push approved"), "review")
def _push_approved(s: Said) -> str:
    names = {"actor": s.actor, "push": s.name}
    if _frm(s) == "in_doubt":
        return _("%(actor)s decided to send “%(push)s” again after its lookup") % names
    if _frm(s) in {"sending", "uploading"}:
        return _back_in_line(s)
    return _("“%(push)s” is approved and queued for delivery") % names


@_action("push.rejected", N_("Push rejected"), "review")
def _push_rejected(s: Said) -> str:
    return _("%(actor)s rejected “%(push)s”: %(comment)s") % {
        "actor": s.actor,
        "push": s.name,
        "comment": s.get("comment"),
    }


# Delivery --------------------------------------------------------------------------------


def _back_in_line(s: Said) -> str:
    return _("the worker put “%(push)s” back in line after a temporary gateway error") % {
        "push": s.name
    }


@_action("push.uploading", N_("Package upload started"), "delivery")
def _push_uploading(s: Said) -> str:
    return _("the worker started uploading the account package of “%(push)s”") % {"push": s.name}


@_action("push.uploaded", N_("Package uploaded"), "delivery")
def _push_uploaded(s: Said) -> str:
    if _frm(s) == "sending":
        return _back_in_line(s)
    return _("the worker uploaded the account package of “%(push)s” (upload_id %(upload_id)s)") % {
        "push": s.name,
        "upload_id": s.get("upload_id", "–"),
    }


@_action("push.sending", N_("Sending started"), "delivery")
def _push_sending(s: Said) -> str:
    return _("the worker started sending “%(push)s”") % {"push": s.name}


@_action("push.sent", N_("Push sent"), "delivery")
def _push_sent(s: Said) -> str:
    names = {"actor": s.actor, "push": s.name, "push_id": s.get("push_id") or "–"}
    if _frm(s) != "in_doubt":
        return _("the worker sent “%(push)s” (push_id %(push_id)s)") % names
    if s.event.actor_id is not None or s.event.actor_name:
        return _("%(actor)s marked “%(push)s” as sent (push_id %(push_id)s)") % names
    return _("a lookup found “%(push)s” in the gateway's records: sent (push_id %(push_id)s)") % (
        names
    )


@_action("push.failed", N_("Push failed"), "delivery")
def _push_failed(s: Said) -> str:
    reason = s.get("err_msg")
    if not reason:
        return _("“%(push)s” failed") % {"push": s.name}
    return _("“%(push)s” failed: %(reason)s") % {"push": s.name, "reason": reason}


@_action("push.in_doubt", N_("Push in doubt"), "delivery")
def _push_in_doubt(s: Said) -> str:
    return _("the worker cannot tell whether “%(push)s” went out: %(reason)s") % {
        "push": s.name,
        "reason": s.get("err_msg") or _("outcome unknown"),
    }


@_action("push.lookup_scheduled", N_("Lookup scheduled"), "delivery")
def _push_lookup_scheduled(s: Said) -> str:
    return _("Pushdeck will look “%(push)s” up in the gateway's records (%(why)s)") % {
        "push": s.name,
        "why": s.get("why"),
    }


def _lookup(sentence: str) -> Describer:
    def describe_lookup(s: Said) -> str:
        return _(sentence) % {"push": s.name, "note": s.get("note") or "–"}

    return describe_lookup


_LOOKUPS = {
    "pending": (
        N_("Lookup to be repeated"),
        N_("Pushdeck will look “%(push)s” up again: %(note)s"),
    ),
    "found": (
        N_("Lookup found the push"),
        N_("a lookup found “%(push)s” in the gateway's records: %(note)s"),
    ),
    "absent": (
        N_("Lookup did not find the push"),
        N_("a lookup did not find “%(push)s” in the gateway's records: %(note)s"),
    ),
    "ambiguous": (
        N_("Lookup needs a person"),
        N_("a lookup of “%(push)s” needs a person: %(note)s"),
    ),
    "unavailable": (
        N_("Gateway records too old"),
        N_("the gateway's records no longer go back to “%(push)s”: %(note)s"),
    ),
}
for _state, (_label, _sentence) in _LOOKUPS.items():
    _action(f"push.lookup_{_state}", _label, "delivery")(_lookup(_sentence))


# Account packages ------------------------------------------------------------------------


def _package(s: Said) -> str:
    return str(s.get("name") or s.name)


@_action("package.uploaded", N_("Package uploaded by a person"), "packages")
def _package_uploaded(s: Said) -> str:
    return _("%(actor)s uploaded the account package “%(name)s” (%(size)s)") % {
        "actor": s.actor,
        "name": _package(s),
        "size": filesizeformat(int(s.get("size", 0))),
    }


@_action("package.validation_started", N_("Package validation started"), "packages")
def _package_validation_started(s: Said) -> str:
    return _("Pushdeck started checking the account package “%(name)s”") % {"name": _package(s)}


@_action("package.validated", N_("Package valid"), "packages")
def _package_validated(s: Said) -> str:
    count = int(s.get("accounts", 0))
    return ngettext(
        "the account package “%(name)s” is valid: %(count)s account",
        "the account package “%(name)s” is valid: %(count)s accounts",
        count,
    ) % {"name": _package(s), "count": number(count)}


@_action("package.rejected", N_("Package rejected"), "packages")
def _package_rejected(s: Said) -> str:
    problem = s.get("problem")
    if problem:
        return _("the account package “%(name)s” was rejected: %(problem)s") % {
            "name": _package(s),
            "problem": problem,
        }
    count = int(s.get("invalid_rows", 0))
    return ngettext(
        "the account package “%(name)s” was rejected: %(count)s row is wrong",
        "the account package “%(name)s” was rejected: %(count)s rows are wrong",
        count,
    ) % {"name": _package(s), "count": number(count)}


@_action("package.bytes_changed", N_("Package changed after approval"), "packages")
def _package_bytes_changed(s: Said) -> str:
    return _(
        "the account package “%(name)s” changed after its push was approved: nothing was sent"
    ) % {"name": _package(s)}


@_action("package.derived", N_("Package made from valid rows"), "packages")
def _package_derived(s: Said) -> str:
    count = int(s.get("dropped", 0))
    return ngettext(
        "%(actor)s made the account package “%(name)s” from the valid rows of “%(from)s” "
        "(%(count)s row dropped)",
        "%(actor)s made the account package “%(name)s” from the valid rows of “%(from)s” "
        "(%(count)s rows dropped)",
        count,
    ) % {"actor": s.actor, "name": _package(s), "from": s.get("from"), "count": number(count)}


@_action("package.generated", N_("Package made from typed accounts"), "packages")
def _package_generated(s: Said) -> str:
    count = int(s.get("accounts", 0))
    return ngettext(
        "the worker made an account package of %(count)s typed account for a push",
        "the worker made an account package of %(count)s typed accounts for a push",
        count,
    ) % {"count": number(count)}


@_action("package.account_index_built", N_("Package indexed for account lookup"), "packages")
def _package_account_index_built(s: Said) -> str:
    count = int(s.get("accounts", 0))
    return ngettext(
        "the worker indexed the %(count)s account of the package “%(name)s” for account lookup",
        "the worker indexed the %(count)s accounts of the package “%(name)s” for account lookup",
        count,
    ) % {"name": _package(s), "count": number(count)}


@_action("package.files_deleted", N_("Package files deleted"), "packages")
def _package_files_deleted(s: Said) -> str:
    names = {"actor": s.actor, "name": _package(s)}
    if s.get("reason") == "retention":
        return _("the files of the account package “%(name)s” were deleted: retention") % names
    return _("%(actor)s deleted the files of the account package “%(name)s”") % names


# Push plans ------------------------------------------------------------------------------


@_action("plan.created", N_("Plan created"), "plans")
def _plan_created(s: Said) -> str:
    return _("%(actor)s created the plan “%(plan)s”") % {
        "actor": s.actor,
        "plan": s.get("name") or s.name,
    }


@_action("plan.registered", N_("Plan registered at the gateway"), "plans")
def _plan_registered(s: Said) -> str:
    return _("plan “%(plan)s” registered at the gateway as %(plan_id)s") % {
        "plan": s.name,
        "plan_id": s.get("plan_id"),
    }


@_action("plan.stats_requested", N_("Plan figures requested"), "plans")
def _plan_stats_requested(s: Said) -> str:
    return _("%(actor)s asked the gateway for the figures of the plan “%(plan)s”") % {
        "actor": s.actor,
        "plan": s.name,
    }


# Apps ------------------------------------------------------------------------------------


@_action("app.created", N_("App created"), "apps")
def _app_created(s: Said) -> str:
    return _("%(actor)s created the app “%(app)s”") % {"actor": s.actor, "app": s.name}


@_action("app.updated", N_("App changed"), "apps")
def _app_updated(s: Said) -> str:
    changes = s.get("changes", {})
    parts = [
        _("%(field)s from “%(from)s” to “%(to)s”")
        % {
            "field": _(APP_FIELD_NAMES[field]) if field in APP_FIELD_NAMES else field,
            "from": _plain(change.get("from") if change.get("from") is not None else "–"),
            "to": _plain(change.get("to") if change.get("to") is not None else "–"),
        }
        for field, change in sorted(changes.items())
    ]
    return _("%(actor)s changed the app “%(app)s”: %(changes)s") % {
        "actor": s.actor,
        "app": s.name,
        "changes": _("; ").join(parts),
    }


@_action("app.paused", N_("App paused"), "apps")
def _app_paused(s: Said) -> str:
    return _("%(actor)s paused the app “%(app)s”: nothing is sent until it is resumed") % {
        "actor": s.actor,
        "app": s.name,
    }


@_action("app.resumed", N_("App resumed"), "apps")
def _app_resumed(s: Said) -> str:
    return _("%(actor)s resumed the app “%(app)s”") % {"actor": s.actor, "app": s.name}


@_action("app.package_retention_set", N_("Package retention set"), "apps")
def _app_retention(s: Said) -> str:
    days = s.data.get("to")
    if days is None:
        return _("%(actor)s set “%(app)s” to keep account package files") % {
            "actor": s.actor,
            "app": s.name,
        }
    return ngettext(
        "%(actor)s set “%(app)s” to delete account package files after %(days)s day",
        "%(actor)s set “%(app)s” to delete account package files after %(days)s days",
        int(days),
    ) % {"actor": s.actor, "app": s.name, "days": number(days)}


def _accounts_diff(s: Said) -> str:
    return _("%(added)s added, %(removed)s removed, %(count)s in all") % {
        "added": number(len(s.get("added", []))),
        "removed": number(len(s.get("removed", []))),
        "count": number(s.get("count", 0)),
    }


@_action("app.test_accounts_proposed", N_("Test accounts proposed"), "apps")
def _test_accounts_proposed(s: Said) -> str:
    return _("%(actor)s proposed new test accounts for “%(app)s” (%(diff)s)") % {
        "actor": s.actor,
        "app": s.name,
        "diff": _accounts_diff(s),
    }


@_action("app.test_accounts_changed", N_("Test accounts changed"), "apps")
def _test_accounts_changed(s: Said) -> str:
    return _("the test accounts of “%(app)s” changed, proposed by %(proposer)s (%(diff)s)") % {
        "app": s.name,
        "proposer": s.get("proposed_by") or "–",
        "diff": _accounts_diff(s),
    }


@_action("app.test_accounts_pending", N_("Test accounts waiting for approval"), "apps")
def _test_accounts_pending(s: Said) -> str:
    return _("the proposed test accounts of “%(app)s” wait for approval") % {"app": s.name}


@_action("app.test_accounts_approved", N_("Test accounts approved"), "apps")
def _test_accounts_approved(s: Said) -> str:
    return _("%(actor)s approved the proposed test accounts of “%(app)s”") % {
        "actor": s.actor,
        "app": s.name,
    }


@_action("app.test_accounts_rejected", N_("Test accounts rejected"), "apps")
def _test_accounts_rejected(s: Said) -> str:
    return _("%(actor)s rejected the proposed test accounts of “%(app)s”: %(comment)s") % {
        "actor": s.actor,
        "app": s.name,
        "comment": s.get("comment") or "–",
    }


@_action("app.test_accounts_withdrawn", N_("Test accounts withdrawn"), "apps")
def _test_accounts_withdrawn(s: Said) -> str:
    return _("%(actor)s withdrew the proposed test accounts of “%(app)s”") % {
        "actor": s.actor,
        "app": s.name,
    }


# Members ---------------------------------------------------------------------------------


@_action("member.added", N_("Member added"), "members")
def _member_added(s: Said) -> str:
    return _("%(actor)s added %(user)s as %(role)s of %(app)s") % {
        "actor": s.actor,
        "user": s.data["user"],
        "role": role(s.get("role")),
        "app": s.app,
    }


@_action("member.role_changed", N_("Member's role changed"), "members")
def _member_role_changed(s: Said) -> str:
    return _("%(actor)s made %(user)s %(role)s of %(app)s (was %(before)s)") % {
        "actor": s.actor,
        "user": s.data["user"],
        "role": role(s.get("to")),
        "before": role(s.get("from")),
        "app": s.app,
    }


@_action("member.removed", N_("Member removed"), "members")
def _member_removed(s: Said) -> str:
    return _("%(actor)s removed %(user)s (%(role)s) from %(app)s") % {
        "actor": s.actor,
        "user": s.data["user"],
        "role": role(s.get("role")),
        "app": s.app,
    }


# Users -----------------------------------------------------------------------------------


def _user(s: Said) -> str:
    return str(s.get("username") or s.name)


@_action("user.created", N_("User created"), "users")
def _user_created(s: Said) -> str:
    names = {"actor": s.actor, "user": _user(s)}
    if s.get("is_staff", False):
        return _("%(actor)s created the staff administrator %(user)s") % names
    return _("%(actor)s created the user %(user)s") % names


@_action("user.deactivated", N_("User deactivated"), "users")
def _user_deactivated(s: Said) -> str:
    return _("%(actor)s deactivated the user %(user)s") % {"actor": s.actor, "user": _user(s)}


@_action("user.reactivated", N_("User reactivated"), "users")
def _user_reactivated(s: Said) -> str:
    return _("%(actor)s reactivated the user %(user)s") % {"actor": s.actor, "user": _user(s)}


@_action("user.password_link", N_("Password link made"), "users")
def _user_password_link(s: Said) -> str:
    names = {"actor": s.actor, "user": _user(s)}
    if s.get("delivery") == "emailed":
        return _("%(actor)s e-mailed %(user)s a one-time link to set a password") % names
    return _("%(actor)s made a one-time link for %(user)s to set a password") % names


@_action("user.password_set", N_("Password set with a link"), "users")
def _user_password_set(s: Said) -> str:
    return _("%(user)s set a new password with a one-time link") % {"user": _user(s)}


@_action("user.password_changed", N_("Password changed"), "users")
def _user_password_changed(s: Said) -> str:
    return _("%(user)s changed their password") % {"user": _user(s)}


# The audit log itself --------------------------------------------------------------------


@_action("audit.verified", N_("Audit chain verified"), "audit")
def _audit_verified(s: Said) -> str:
    count = int(s.get("checked", 0))
    if s.get("intact", False):
        return ngettext(
            "%(actor)s verified the audit chain: intact, %(count)s event checked",
            "%(actor)s verified the audit chain: intact, %(count)s events checked",
            count,
        ) % {"actor": s.actor, "count": number(count)}
    return _("%(actor)s verified the audit chain: it breaks at event #%(id)s") % {
        "actor": s.actor,
        "id": s.data["broken_at"],
    }
