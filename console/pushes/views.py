"""Create Push flow (form, Preview, Confirm, test push), the Pushes list and push records."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from console.access import (
    ADMINS,
    AUTHORS,
    get_app_for_user,
    get_push_for_author,
    get_push_for_canceller,
    get_push_for_user,
    signed_in,
)
from console.paging import BoundedPaginator
from console.pushes.export import push_csv
from console.pushes.forms import PushFilterForm, PushForm
from console.pushes.reach import reach_context
from pushes import models, permissions, selectors
from pushes.errors import ContentChanged, Invalid, NobodyReachable, WrongState
from pushes.models import App, Push, Role
from pushes.selectors import package_list_valid
from pushes.services import (
    MAX_TEST_ACCOUNTS,
    push_cancel,
    push_save_draft,
    push_send_test,
    push_submit,
    reach_check_for_page,
    results_refresh,
)

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import User
    from django.http import HttpRequest, HttpResponse

PER_PAGE = 25
FIRST_ACCOUNTS = 10


# Create and edit --------------------------------------------------------------------


@login_required
def push_create(request: HttpRequest, code: UUID) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=AUTHORS)
    if request.method == "POST":
        form = PushForm(request.POST, app=app)
        if form.is_valid():
            return _save_draft(request, app=app, form=form, push=None)
        return _render_form(request, app=app, form=form, push=None, status=400)
    initial = PushForm.initial_for_app(app)
    # "Create Push" on a package's page comes with that package chosen.
    chosen = selectors.package_for_app(app=app, code=request.GET.get("package", ""))
    if chosen is not None and chosen.status == chosen.Status.VALID:
        initial.update(source=Push.Source.PACKAGE, package=chosen.code)
    form = PushForm(app=app, initial=initial)
    return _render_form(request, app=app, form=form, push=None)


@login_required
def push_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_author(request, code)
    if not push.is_editable:
        messages.info(
            request,
            _("A push that is %(status)s cannot be edited.")
            % {"status": push.get_status_display().lower()},
        )
        return redirect("console:push-detail", code=push.code)
    if request.method == "POST":
        form = PushForm(request.POST, app=push.app)
        if form.is_valid():
            return _save_draft(request, app=push.app, form=form, push=push)
        return _render_form(request, app=push.app, form=form, push=push, status=400)
    if request.GET.get("check"):
        # Back from a failed Preview or Confirm: the draft as posted, with its errors.
        form = PushForm(PushForm.data_from_push(push), app=push.app)
        form.is_valid()
        form.add_service_errors(selectors.submit_problems(push))
    else:
        form = PushForm(app=push.app, initial=PushForm.initial_from_push(push))
    return _render_form(request, app=push.app, form=form, push=push)


def _save_draft(
    request: HttpRequest, *, app: App, form: PushForm, push: Push | None
) -> HttpResponse:
    try:
        push = push_save_draft(app=app, by=signed_in(request), fields=form.to_fields(), push=push)
    except Invalid as exc:
        form.add_service_errors(exc.message_dict)
        return _render_form(request, app=app, form=form, push=push, status=400)
    except WrongState as exc:
        messages.error(request, str(exc))
        assert push is not None  # only an existing push has a state
        return redirect("console:push-detail", code=push.code)
    edit_url = reverse("console:push-edit", kwargs={"code": push.code})
    if request.POST.get("action") == "save":
        messages.success(request, _("Draft saved."))
        return redirect(edit_url)
    if selectors.submit_problems(push):
        # Saved so nothing typed is lost; the form shows each error by its field.
        messages.error(
            request, _("Draft saved, but it cannot be previewed yet: fix the fields marked below.")
        )
        return redirect(f"{edit_url}?check=1")
    return redirect("console:push-preview", code=push.code)


def _render_form(
    request: HttpRequest, *, app: App, form: PushForm, push: Push | None, status: int = 200
) -> HttpResponse:
    form.mark_invalid()
    # With bad lines, say how many accounts the draft keeps (the live check says it later).
    accounts_summary = ""
    if "accounts_text" in form.errors and form.source_value == Push.Source.MANUAL:
        accounts_summary = selectors.accounts_check(
            str(form["accounts_text"].value() or "")
        ).summary
    context = {
        "app": app,
        "push": push,
        "form": form,
        "accounts_summary": accounts_summary,
        "packages": package_list_valid(app=app)[:50],
        "selected_package": form.selected_package,
        "returns_to_draft": push is not None and push.status != Push.Status.DRAFT,
        "time_zone": timezone.get_current_timezone_name(),
        "max_title_chars": number_format(selectors.MAX_TITLE_CHARS, force_grouping=True),
        "max_message_bytes": number_format(selectors.MAX_MESSAGE_BYTES, force_grouping=True),
    }
    return render(request, "console/pushes/push_form.html", context, status=status)


@login_required
@require_POST
def push_check_accounts(request: HttpRequest, code: UUID) -> HttpResponse:
    """Live check of typed accounts, with the rules Preview and Confirm apply."""
    get_app_for_user(request, code, roles=AUTHORS)
    check = selectors.accounts_check(request.POST.get("accounts_text", ""))
    return JsonResponse(check.as_json())


# Preview, Confirm, test push ---------------------------------------------------------


@login_required
def push_preview(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_author(request, code)
    if not push.is_editable:
        return redirect("console:push-detail", code=push.code)
    context = _preview_context(request, push)
    # Who it reaches: typed accounts are asked about now (briefly), a package by a worker.
    check = reach_check_for_page(push=push, by=signed_in(request))
    context.update(reach_context(request, push, check, place="preview"))
    return render(request, "console/pushes/push_preview.html", context)


def _preview_context(request: HttpRequest, push: Push) -> dict[str, Any]:
    push_request = selectors.preview_request(push)
    errors = selectors.submit_problems(push)
    warnings = [
        f"{_('Title') if w.field.endswith('title') else _('Content')} {w.message}."
        for w in selectors.channel_warnings(push_request.message)
    ]
    size = push_request.message.size()
    if size > selectors.MAX_MESSAGE_BYTES:
        warnings.append(
            _("The message is %(size)s bytes as JSON; TPNS allows at most 4 KB.")
            % {"size": number_format(size, force_grouping=True)}
        )
    if not push.content.strip():
        warnings.append(_("The content is empty."))
    if push.send_time is not None and push.send_time <= timezone.now():
        warnings.append(_("The scheduled send time is in the past."))
    check = None
    if push.source == Push.Source.MANUAL:
        check = selectors.accounts_check(push.accounts_text)
    role = push.app.role_of(request.user)
    return {
        "push": push,
        "app": push.app,
        "payload_json": json.dumps(push_request.to_payload(), indent=2, ensure_ascii=False),
        "message_bytes": size,
        "preview_hash": selectors.preview_hash(push),
        "errors": PushForm.labelled_errors(errors),
        "warnings": warnings,
        "check": check,
        "first_accounts": push.accounts[:FIRST_ACCOUNTS],
        "account_type_label": models.account_type_label(push.account_type),
        "is_package_target": push.target == Push.Target.PACKAGE,
        "can_confirm": not errors and push.status in {Push.Status.DRAFT, Push.Status.REJECTED},
        "test_accounts": push.app.test_accounts,
        "test_accounts_approved_by": push.app.test_accounts_approved_by,
        "test_accounts_approved_at": push.app.test_accounts_approved_at,
        "max_test_accounts": MAX_TEST_ACCOUNTS,
        "recent_tests": selectors.recent_test_pushes(app=push.app),
        "is_admin": role in ADMINS,
        "time_zone": timezone.get_current_timezone_name(),
    }


@login_required
@require_POST
def push_confirm(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_author(request, code)
    try:
        # Confirm submits exactly what was previewed; a change in another tab is shown first.
        push = push_submit(
            push=push,
            by=signed_in(request),
            expected_hash=request.POST.get("preview_hash", ""),
            confirm_unreachable=request.POST.get("confirm_unreachable") == "1",
        )
    except NobodyReachable as exc:
        messages.error(request, str(exc))
        return redirect(reverse("console:push-preview", kwargs={"code": push.code}) + "#reach")
    except ContentChanged:
        messages.warning(
            request, _("The push changed since this preview. Check it again, then Confirm.")
        )
        return redirect("console:push-preview", code=push.code)
    except Invalid:
        messages.error(request, _("The push cannot be submitted yet: fix the fields marked below."))
        return redirect(f"{reverse('console:push-edit', kwargs={'code': push.code})}?check=1")
    except WrongState as exc:
        messages.error(request, str(exc))
        return redirect("console:push-detail", code=push.code)
    messages.success(request, _("Submitted for review. It is sent once a reviewer approves it."))
    return redirect("console:push-detail", code=push.code)


@login_required
@require_POST
def push_test(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_author(request, code)
    back = request.POST.get("back") == "detail"
    target = "console:push-detail" if back else "console:push-preview"
    try:
        test = push_send_test(push=push, by=signed_in(request))
    except WrongState as exc:
        messages.error(request, str(exc))
    except Invalid as exc:
        messages.error(
            request, _("The test push was not sent: %(why)s") % {"why": " ".join(exc.messages)}
        )
    else:
        messages.success(
            request,
            format_html(
                ngettext(
                    'Test push sent to {count} test account. <a href="{url}">Follow its '
                    "delivery</a>.",
                    'Test push sent to {count} test accounts. <a href="{url}">Follow its '
                    "delivery</a>.",
                    test.total_count,
                ),
                count=test.total_count,
                url=reverse("console:push-detail", kwargs={"code": test.code}),
            ),
        )
    if not push.is_editable:
        target = "console:push-detail"
    return redirect(target, code=push.code)


# Record page -------------------------------------------------------------------------


@login_required
def push_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code)
    context = _status_context(request, push)
    frozen = bool(push.content_hash)
    payload = push.payload if frozen else selectors.preview_request(push).to_payload()
    context.update(
        {
            "payload_json": json.dumps(payload, indent=2, ensure_ascii=False),
            "frozen": frozen,
            "account_type_label": models.account_type_label(push.account_type),
            "first_accounts": push.accounts[:FIRST_ACCOUNTS],
            "check": selectors.accounts_check(push.accounts_text)
            if push.source == Push.Source.MANUAL and not push.is_test
            else None,
            "time_zone": timezone.get_current_timezone_name(),
        }
    )
    results = selectors.push_results(push)
    context.update({"results": results, "results_chart": results.chart() if results else None})
    return render(request, "console/pushes/push_detail.html", context)


@login_required
def push_status(request: HttpRequest, code: UUID) -> HttpResponse:
    """The part of the record page that changes while the push is in flight."""
    push = get_push_for_user(request, code)
    return render(
        request, "console/pushes/partials/push_status.html", _status_context(request, push)
    )


def _status_context(request: HttpRequest, push: Push) -> dict[str, Any]:
    actions = permissions.push_actions(push, request.user)
    review_url = (
        reverse("console:review-detail", kwargs={"code": push.code}) if actions.can_review else ""
    )
    return {
        "push": push,
        "app": push.app,
        "role": push.app.role_of(request.user),
        "can_edit": actions.can_edit,
        "can_submit": actions.can_submit,
        "can_cancel": actions.can_cancel,
        "returns_to_draft": push.status != Push.Status.DRAFT,
        "review_url": review_url,
        "review_progress": selectors.review_progress(push=push, user=request.user),
        "live": push.is_in_flight or push.lookup_state == Push.LookupState.PENDING,
    }


@login_required
@require_POST
def push_cancel_view(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_canceller(request, code)
    try:
        push = push_cancel(push=push, by=signed_in(request))
    except WrongState as exc:
        messages.error(request, str(exc))
    else:
        if push.status == Push.Status.CANCELLED:
            messages.success(request, _("Push cancelled. Nothing of it will be sent."))
        else:
            messages.info(request, _("Asked TPNS to cancel the scheduled push."))
    return redirect("console:push-detail", code=push.code)


@login_required
@require_POST
def push_results_refresh_view(request: HttpRequest, code: UUID) -> HttpResponse:
    push = get_push_for_user(request, code)
    try:
        results_refresh(user=signed_in(request), push_id=push.id)
    except WrongState as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("Asked the gateway for the latest results."))
    return redirect(reverse("console:push-detail", kwargs={"code": push.code}) + "#results")


# Pushes list -------------------------------------------------------------------------


@login_required
def push_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form, filters = _list_filters(request, user)
    pushes = selectors.push_list_for_user(user=user, **filters)
    page = BoundedPaginator(pushes, PER_PAGE).get_page(request.GET.get("page"))
    roles = selectors.roles_by_app(user=user)
    # Staff are admins of the apps they are not members of: no query per push to say so.
    other_apps_role = Role.ADMIN if permissions.is_staff(user) else None
    editable = {
        push.pk
        for push in page.object_list
        if permissions.can_edit(push, user, role=roles.get(push.app_id) or other_apps_role)
    }
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "editable": editable,
        "filtered": any(filters.values()),
        "authorable_apps": selectors.apps_user_can_push(user=user)[:5],
    }
    return render(request, "console/pushes/push_list.html", context)


@login_required
@require_GET
def push_export(request: HttpRequest) -> StreamingHttpResponse:
    """The list as filtered, as a CSV file written while it is read: any number of rows."""
    user = signed_in(request)
    _form, filters = _list_filters(request, user)
    pushes = selectors.push_list_for_user(user=user, **filters)
    response = StreamingHttpResponse(
        push_csv(pushes, zone=timezone.get_current_timezone()),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"pushes-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _list_filters(request: HttpRequest, user: User) -> tuple[PushFilterForm, dict[str, Any]]:
    """The filter form of the list and its valid filters (none when nothing is asked)."""
    form = PushFilterForm(
        request.GET or None,
        apps=selectors.apps_for_push_list(user=user),
        authors=selectors.push_authors_for_user(user=user),
    )
    return form, form.filters() if form.is_bound else {}
