from __future__ import annotations

from typing import Any

from django import template

from pushes import permissions, selectors
from pushes.models import Push
from pushes.selectors.results import CHANNEL_NAMES

register = template.Library()

STATUS_TONES: dict[str, str] = {
    Push.Status.DRAFT: "",
    Push.Status.PENDING_REVIEW: "info",
    Push.Status.APPROVED: "info",
    Push.Status.UPLOADING: "info",
    Push.Status.UPLOADED: "info",
    Push.Status.SENDING: "info",
    Push.Status.SENT: "ok",
    Push.Status.FAILED: "bad",
    Push.Status.REJECTED: "bad",
    Push.Status.IN_DOUBT: "warn",
    Push.Status.CANCELLED: "",
}


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "")


@register.inclusion_tag("console/pushes/partials/push_timeline_body.html", takes_context=True)
def push_timeline(context: dict[str, Any], push: Push) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "push": push,
        "entries": selectors.push_timeline(push=push),
        "can_resolve": user is not None and permissions.can_resolve(push, user),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def share_of(part: int | None, whole: int | None) -> str:
    """`12.5%`: part as a share of whole, or an en dash when there is no whole."""
    value = selectors.rate(part or 0, whole or 0)
    return "–" if value is None else f"{value:g}%"


@register.filter
def channel_name(channel: str) -> str:
    """A vendor channel's name (`hw` → Huawei), as the results card words it."""
    return str(CHANNEL_NAMES.get(channel, channel))


@register.filter
def percent(value: float | None) -> str:
    """`18%` or `12.5%` (one decimal at most), an en dash for no value."""
    return "–" if value is None else f"{value:g}%"
