"""Push plans: kept here, registered at the gateway by a worker (`add_plan_push` gives the
plan its id). A push in a plan that is not registered yet registers it before it is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from pushes.audit import audit_record
from pushes.errors import Invalid
from pushes.models import Plan
from pushes.models.plan import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS
from pushes.permissions import AUTHORS, require_role
from pushes.services.queue import REGISTER_PLAN, enqueue_on_commit
from pushes.tpns import client
from pushes.tpns.errors import PermanentTpnsError, describe
from pushes.tpns.hosts import Credentials

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
    creds = Credentials(access_id=app.access_id, secret_key=app.secret_key, gateway=app.gateway)
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
