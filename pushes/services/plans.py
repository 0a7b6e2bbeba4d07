"""Push plans: kept here, registered at the gateway by a worker (`add_plan_push` gives the
plan its id). A push in a plan that is not registered yet registers it before it is sent."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes.audit import audit_record
from pushes.errors import Invalid, WrongState
from pushes.models import Plan
from pushes.models.plan import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS
from pushes.permissions import AUTHORS, REVIEWERS, require_role
from pushes.services import budget
from pushes.services.queue import PLAN_STATS, REGISTER_PLAN, enqueue_on_commit
from pushes.services.steps import app_credentials
from pushes.tpns import client
from pushes.tpns.errors import PermanentTpnsError, TpnsError, describe
from pushes.tpns.schema import TPNS_TIMEZONE

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App


def _problems(name: str, description: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if not name:
        found["name"] = _("Give the plan a name.")
    elif len(name) > MAX_NAME_CHARS:
        found["name"] = _("A plan name has at most %(limit)d characters; this one has %(n)d.") % {
            "limit": MAX_NAME_CHARS,
            "n": len(name),
        }
    if not description:
        found["description"] = _("Describe the plan (TPNS requires a description).")
    elif len(description) > MAX_DESCRIPTION_CHARS:
        found["description"] = _(
            "A plan description has at most %(limit)d characters; this one has %(n)d."
        ) % {"limit": MAX_DESCRIPTION_CHARS, "n": len(description)}
    return found


@transaction.atomic
def plan_create(*, app: App, by: User, name: str, description: str) -> Plan:
    """Keep a new plan and have a worker register it at the app's gateway."""
    require_role(app, by, AUTHORS)
    name, description = name.strip(), description.strip()
    problems = _problems(name, description)
    if problems:
        raise Invalid(problems)
    if Plan.objects.filter(app=app, name=name).exists():
        raise Invalid({"name": _("This app already has a plan with this name.")})
    plan = Plan.objects.create(app=app, name=name, description=description, created_by=by)
    audit_record(actor=by, action="plan.created", obj=plan, data={"name": name})
    enqueue_on_commit(REGISTER_PLAN, plan.id)
    return plan


def plan_register(*, plan_id: int) -> Plan:
    """Give the plan its gateway id, once. Gateway errors are raised to the caller, after a
    permanent one is noted on the plan."""
    plan = Plan.objects.select_related("app").get(id=plan_id)
    if plan.plan_id:
        return plan
    app = plan.app
    creds = app_credentials(app)
    try:
        made = client.add_plan_push(creds, name=plan.name, describe=plan.description)
    except PermanentTpnsError as exc:
        Plan.objects.filter(id=plan.id).update(problem=describe(exc)[:300])
        raise
    with transaction.atomic():
        registered = Plan.objects.filter(id=plan.id, plan_id="").update(
            plan_id=made.plan_id, problem=""
        )
        if registered:
            audit_record(
                actor=None, action="plan.registered", obj=plan, data={"plan_id": made.plan_id}
            )
    plan.refresh_from_db()
    return plan


# TPNS aggregates a plan over its pushes of the last 7 days, dated in Beijing time.
GROUP_STAT_DAYS = 7
ASK_AGAIN_AFTER = timedelta(minutes=1)


def plan_ask_gateway(*, user: User, plan: Plan) -> None:
    """The plan page's button: fetch the gateway's plan figures, at most once a minute."""
    require_role(plan.app, user, (*AUTHORS, *REVIEWERS))
    if not plan.plan_id:
        raise WrongState(_("The plan is not registered at the gateway yet."))
    now = timezone.now()
    if plan.gateway_stats_at is not None and now - plan.gateway_stats_at < ASK_AGAIN_AFTER:
        raise WrongState(_("The gateway's figures are less than a minute old; ask again later."))
    audit_record(actor=user, action="plan.stats_requested", obj=plan, data={})
    enqueue_on_commit(PLAN_STATS, plan.id)


def plan_stats_from_gateway(*, plan_id: int) -> str:
    """Read the plan's figures from its gateway (one statistics call of the app's budget)."""
    plan = Plan.objects.select_related("app").get(id=plan_id)
    app, now = plan.app, timezone.now()
    if not plan.plan_id:
        return "unregistered"
    if not budget.take(app=app):
        Plan.objects.filter(id=plan.id).update(
            gateway_stats_problem=_("This hour's statistics calls for the app are used up.")
        )
        return "budget"
    today = now.astimezone(TPNS_TIMEZONE).date()
    creds = app_credentials(app)
    try:
        stat = client.get_push_group_stat_channel(
            creds,
            plan_id=plan.plan_id,
            start_date=today - timedelta(days=GROUP_STAT_DAYS - 1),
            end_date=today,
        )
    except TpnsError as exc:
        Plan.objects.filter(id=plan.id).update(gateway_stats_problem=describe(exc)[:300])
        return "gateway"
    rows = [_funnel(row) for row in stat.channels]
    Plan.objects.filter(id=plan.id).update(
        gateway_stats={"channels": rows}, gateway_stats_at=now, gateway_stats_problem=""
    )
    return "refreshed"


def _funnel(row: client.ChannelStat) -> dict[str, object]:
    return {
        "channel": row.channel,
        "planned": row.planned,
        "sent": row.sent,
        "arrived": row.arrived,
        "clicked": row.clicked,
        "cleared": row.cleared,
    }
