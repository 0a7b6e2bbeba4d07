"""Review queue and review pages: Approve / Reject exactly what will be sent.

Also the resolution of in-doubt pushes: a person marks one as sent or resends it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from console.access import ADMINS, REVIEWERS, get_push_for_user, signed_in
from console.paging import BoundedPaginator
from console.pushes.reach import reach_context
from pushes import selectors, services
from pushes.errors import Invalid, PushdeckError
from pushes.models import Push, account_type_label
from pushes.services import approvals_required, push_approve, push_reject

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse


PER_PAGE = 25


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    pushes = selectors.review_queue_for_user(user=signed_in(request))
    page = BoundedPaginator(pushes, PER_PAGE).get_page(request.GET.get("page"))
    # Submitted after this reads "just now" rather than "0 minutes".
    just_now = timezone.now() - timedelta(minutes=1)
    return render(request, "console/review/review_queue.html", {"page": page, "just_now": just_now})


@login_required
def review_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code, roles=REVIEWERS)
    context = {
        "push": push,
        "payload_json": json.dumps(push.payload, indent=2, ensure_ascii=False),
        "account_type_label": account_type_label(push.account_type),
        "diff": selectors.revision_diff(push=push),
        "is_author": push.created_by_id == request.user.pk,
        "approvals": selectors.current_approvals(push=push),
        "approvals_required": approvals_required(push),
        "progress": selectors.review_progress(push=push, user=request.user),
        "first_accounts": push.accounts[:20],
        "time_zone": timezone.get_current_timezone_name(),
    }
    # The figure the author saw before confirming (or a reviewer's check since).
    context.update(
        reach_context(request, push, selectors.reach_check_current(push), place="review")
    )
    return render(request, "console/review/review_detail.html", context)


@login_required
@require_POST
def review_approve(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code, roles=REVIEWERS)
    try:
        push = push_approve(
            push=push,
            by=signed_in(request),
            comment=request.POST.get("comment", ""),
            expected_hash=request.POST.get("content_hash", ""),
        )
    except PushdeckError as exc:
        messages.error(request, str(exc))
        return redirect("console:review-detail", code=push.code)
    level, text = _approved_message(request, push)
    messages.add_message(request, level, text)
    return redirect("console:review-queue")


def _approved_message(request: HttpRequest, push: Push) -> tuple[int, str]:
    """What happens next, truthfully: a second reviewer, the app's pause, the schedule."""
    if push.status != Push.Status.APPROVED:
        progress = selectors.review_progress(push=push, user=request.user)
        text = gettext("Approved (%(have)s of %(needed)s); waiting for a second reviewer.")
        return messages.SUCCESS, text % {"have": progress.have, "needed": progress.needed}
    if push.app.is_paused:
        text = gettext("Approved; it will be sent when %(app)s is resumed (the app is paused).")
        return messages.WARNING, text % {"app": push.app.name}
    if push.send_time is not None:
        text = gettext("Approved; it will be sent at %(when)s.")
        return messages.SUCCESS, text % {"when": _local_time(push.send_time)}
    if push.queued_at is None:
        text = gettext(
            "Approved. The task queue cannot be reached right now; “%(push)s” is sent as "
            "soon as it is back."
        )
        return messages.WARNING, text % {"push": push}
    return messages.SUCCESS, gettext("Approved; it is being sent.")


def _local_time(moment: datetime) -> str:
    """In the person's time zone, named, as the review page shows the schedule."""
    local = formats.date_format(timezone.localtime(moment), "Y-m-d H:i")
    return f"{local} ({timezone.get_current_timezone_name()})"


@login_required
@require_POST
def review_reject(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code, roles=REVIEWERS)
    try:
        push_reject(push=push, by=signed_in(request), comment=request.POST.get("comment", ""))
    except Invalid as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("console:review-detail", code=push.code)
    except PushdeckError as exc:
        messages.error(request, str(exc))
        return redirect("console:review-detail", code=push.code)
    messages.success(
        request,
        gettext("Rejected. %(author)s was told why.") % {"author": push.created_by.get_username()},
    )
    return redirect("console:review-queue")


@login_required
@require_POST
def push_mark_sent(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code, roles=ADMINS)
    try:
        services.push_mark_sent(
            push=push, by=signed_in(request), push_id=request.POST.get("push_id", "")
        )
    except PushdeckError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Marked as sent."))
    return redirect("console:push-detail", code=push.code)


@login_required
@require_POST
def push_resend(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code, roles=ADMINS)
    try:
        services.push_resend(push=push, by=signed_in(request))
    except PushdeckError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Queued to be sent again."))
    return redirect("console:push-detail", code=push.code)
