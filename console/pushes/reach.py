"""The reachability preflight's pages: its live part (polled while a worker checks), Check
again, and the unbound accounts as a CSV file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from console.access import get_push_for_user, signed_in
from console.csv_stream import csv_chunks
from pushes import selectors, services

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse

    from pushes.models import Push, ReachCheck

# Where the figure is shown: the author's preview, or the review page.
PLACES = ("preview", "review")


def _push_for_checker(request: HttpRequest, code: UUID) -> Push:
    """The push, for its author and the app's reviewers and admins (404 for others' apps)."""
    push = get_push_for_user(request, code)
    if not services.may_check(push, signed_in(request)):
        raise PermissionDenied
    return push


def _check_of(push: Push, check_id: int) -> ReachCheck:
    check = selectors.reach_check_get(push, check_id)
    if check is None:
        raise Http404("No such check")
    return check


def reach_context(
    request: HttpRequest, push: Push, check: ReachCheck | None, *, place: str, **extra: Any
) -> dict[str, Any]:
    """What templates/console/pushes/partials/reach_*.html need."""
    return {
        "push": push,
        "reach": selectors.reach_view(push, check),
        "reach_place": place if place in PLACES else "preview",
        "time_zone": timezone.get_current_timezone_name(),
        **extra,
    }


@login_required
@require_GET
def push_reach_status(request: HttpRequest, code: UUID, check: int) -> HttpResponse:
    """The live part of the figure, which the page polls while the check runs."""
    push = _push_for_checker(request, code)
    place = request.GET.get("place", "preview")
    can_confirm = place == "preview" and push.status in {push.Status.DRAFT, push.Status.REJECTED}
    context = reach_context(
        request, push, _check_of(push, check), place=place, can_confirm=can_confirm
    )
    return render(request, "console/pushes/partials/reach_body.html", context)


@login_required
@require_POST
def push_reach_recheck(request: HttpRequest, code: UUID) -> HttpResponse:
    """Check again now; back to the page it was asked from."""
    push = _push_for_checker(request, code)
    services.reach_check_again(push=push, by=signed_in(request))
    if request.POST.get("place") == "review":
        return redirect(reverse("console:review-detail", kwargs={"code": push.code}) + "#reach")
    return redirect(reverse("console:push-preview", kwargs={"code": push.code}) + "#reach")


@login_required
@require_GET
def push_reach_unbound(request: HttpRequest, code: UUID, check: int) -> StreamingHttpResponse:
    """The accounts the check found without a device (of the sample, for an estimate)."""
    push = _push_for_checker(request, code)
    found = _check_of(push, check)
    if not found.is_done:
        raise Http404("Not checked")
    header = [_("Account"), _("Account type")]
    account_type = str(selectors.reach_view(push, found).account_type)
    rows = ([account, account_type] for account in found.unbound)
    response = StreamingHttpResponse(
        csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"unbound-accounts-{str(push.code)[:8]}-{found.pk}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
