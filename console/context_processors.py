from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from pushes import selectors

if TYPE_CHECKING:
    from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    context: dict[str, object] = {
        "nav_section": getattr(match, "url_name", "") or "",
        # The Sandbox link belongs in the nav only while the sandbox is served.
        "sandbox_enabled": bool(settings.SANDBOX_ENABLED),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = selectors.unread_notification_count(user=user)
        # The Review queue and Audit log links only for people who can use them: a marketer
        # could never use either.
        rights = selectors.nav_rights(user=user)
        context["can_review_somewhere"] = rights.review
        context["can_see_audit"] = rights.audit
    return context
