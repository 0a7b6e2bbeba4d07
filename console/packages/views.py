"""Account package pages: upload with progress, live validation, error report, list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from console.access import ADMINS, AUTHORS, get_app_for_user, signed_in
from console.packages.forms import RetentionForm
from pushes import selectors
from pushes.errors import WrongState
from pushes.selectors.packages import package_outcome
from pushes.services import packages as services

if TYPE_CHECKING:
    from uuid import UUID

    from django.core.files.uploadedfile import UploadedFile

    from pushes.models import AccountPackage, App

# Room for the multipart framing and the CSRF field around the file itself.
MULTIPART_SLACK = 1024 * 1024
STATUS_PROBLEMS = 10
PER_PAGE = 25


class _SizeLimit(FileUploadHandler):
    """Counts each file's bytes as they arrive and stops the upload once past the limit.

    Django's own handlers spool files to disk whatever their size; this one, first in
    line, keeps an over-sized file from filling the disk before the view can refuse it.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large: str | None = None  # the name of the file that went over

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = self.file_name or ""
            # Read (and drop) the rest of the body, so the client gets the answer
            # rather than a reset connection; Content-Length was checked, so it is short.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


@login_required
def package_list(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code)
    return _render_list(request, app, role)


def _render_list(
    request: HttpRequest,
    app: App,
    role: str,
    *,
    upload_error: str = "",
    retention_form: RetentionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = Paginator(selectors.package_list_for_app(app=app), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "app": app,
        "role": role,
        "can_author": role in AUTHORS,
        "is_admin": role in ADMINS,
        "page": page,
        "upload_error": upload_error,
        "retention_form": retention_form
        or RetentionForm(initial={"days": app.package_retention_days}),
        "max_bytes": services.MAX_UPLOAD_BYTES,
    }
    return render(request, "console/packages/package_list.html", context, status=status)


# The CSRF check reads the body, so it runs in `_receive`, after the size limit is in place.
@csrf_exempt
@login_required
@require_POST
def package_upload(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code, roles=AUTHORS)
    limit = services.MAX_UPLOAD_BYTES
    declared = _content_length(request)
    if declared > limit + MULTIPART_SLACK:
        # Answered before reading anything: the body cannot hold an acceptable file.
        return _refused(request, app, role, services.too_large_message("", None), 413)
    limiter = _SizeLimit(request, limit)
    request.upload_handlers.insert(0, limiter)
    return _receive(request, app, role, limiter)


@csrf_protect
def _receive(request: HttpRequest, app: App, role: str, limiter: _SizeLimit) -> HttpResponse:
    uploaded: UploadedFile | None = request.FILES.get("file")
    if limiter.too_large is not None:
        return _refused(
            request, app, role, services.too_large_message(limiter.too_large, None), 413
        )
    if uploaded is None:
        return _refused(
            request, app, role, gettext("Choose a .txt, .csv or .zip file to upload."), 400
        )
    try:
        package = services.package_upload(app=app, by=signed_in(request), uploaded_file=uploaded)
    except services.PackageTooLargeError as exc:
        return _refused(request, app, role, " ".join(exc.messages), 413)
    except ValidationError as exc:
        return _refused(request, app, role, " ".join(exc.messages), 400)
    if _wants_json(request):
        return JsonResponse(
            {
                "code": str(package.code),
                "name": package.original_name,
                "status_url": reverse(
                    "console:package-status", kwargs={"code": app.code, "package": package.code}
                ),
                "detail_url": _detail_url(app, package),
            },
            status=201,
        )
    messages.success(
        request,
        gettext("“%(name)s” uploaded; it is being validated.") % {"name": package.original_name},
    )
    return redirect(_detail_url(app, package))


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refused(request: HttpRequest, app: App, role: str, message: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return _render_list(request, app, role, upload_error=message, status=status)


def _wants_json(request: HttpRequest) -> bool:
    # Browsers accept */* on form posts, so only an explicit JSON-only Accept counts.
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@login_required
@require_GET
def package_detail(request: HttpRequest, code: UUID, package: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code)
    item = _package_or_404(app, package)
    context = {
        "app": app,
        "role": role,
        "can_author": role in AUTHORS,
        "package": item,
        "outcome": package_outcome(package=item),
    }
    return render(request, "console/packages/package_detail.html", context)


@never_cache
@login_required
@require_GET
def package_status(request: HttpRequest, code: UUID, package: UUID) -> HttpResponse:
    """Polled while validating: JSON for the upload widget, an HTML partial for the pages."""
    app, role = get_app_for_user(request, code)
    item = _package_or_404(app, package)
    if _wants_json(request) or request.GET.get("format") == "json":
        return JsonResponse(_status_json(app, item))
    outcome = package_outcome(package=item, limit=STATUS_PROBLEMS)
    context = {"app": app, "package": item, "outcome": outcome, "can_author": role in AUTHORS}
    return render(request, "console/packages/partials/package_status.html", context)


def _status_json(app: App, package: AccountPackage) -> dict[str, Any]:
    outcome = package_outcome(package=package, limit=STATUS_PROBLEMS)
    return {
        "code": str(package.code),
        "name": package.original_name,
        "status": package.status,
        "status_label": package.get_status_display(),
        "finished": package.is_finished,
        "valid": package.status == package.Status.VALID,
        "percent": package.progress_percent,
        "bytes_done": package.bytes_done,
        "bytes_total": package.bytes_total or package.size,
        "size": package.size,
        "rows": package.rows,
        "accounts": package.accounts,
        "duplicates": package.duplicates,
        "invalid_rows": package.invalid_rows,
        # Refused as a whole: no rows to list or report, the problem says why.
        "problem": outcome.file_problem,
        "file_problem": bool(outcome.file_problem),
        "errors": [
            {"line": error.get("line", 0), "reason": error["reason"]} for error in outcome.problems
        ],
        "more_errors": 0
        if outcome.file_problem
        else max(0, package.invalid_rows - STATUS_PROBLEMS),
        "report_url": _report_url(app, package) if outcome.offers_report else None,
        "detail_url": _detail_url(app, package),
    }


@login_required
@require_POST
def package_use_valid_rows(request: HttpRequest, code: UUID, package: UUID) -> HttpResponse:
    """Make a new package of a rejected one's valid rows (once), and go to it."""
    app, _ = get_app_for_user(request, code, roles=AUTHORS)
    item = _package_or_404(app, package)
    try:
        made, created = services.package_use_valid_rows(package=item, by=signed_in(request))
    except WrongState as exc:
        messages.error(request, str(exc))
        return redirect(_detail_url(app, item))
    names = {"name": made.original_name, "from": item.original_name}
    if created:
        messages.success(
            request,
            gettext("“%(name)s” is being made from the valid rows of “%(from)s”, then checked.")
            % names,
        )
    else:
        messages.info(
            request,
            gettext("“%(name)s” was already made from the valid rows of “%(from)s”.") % names,
        )
    return redirect(_detail_url(app, made))


@login_required
@require_GET
def package_report(request: HttpRequest, code: UUID, package: UUID) -> FileResponse:
    app, _ = get_app_for_user(request, code)
    item = _package_or_404(app, package)
    if not package_outcome(package=item).offers_report:
        raise Http404(gettext("This package has no error report."))
    try:
        report = item.error_report.storage.open(item.error_report.name or "", "rb")
    except OSError as exc:
        raise Http404(gettext("The error report is no longer stored.")) from exc
    stem = item.original_name.rpartition(".")[0] or item.original_name
    return FileResponse(
        report,
        as_attachment=True,
        filename=f"{stem}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
@require_POST
def package_retention(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code, roles=ADMINS)
    form = RetentionForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data["days"]
        try:
            services.package_set_retention(app=app, by=signed_in(request), days=days)
        except ValidationError as exc:
            form.add_error("days", exc.messages)
        else:
            if days:
                messages.success(
                    request,
                    ngettext(
                        "Package files are now deleted %(days)d day after upload.",
                        "Package files are now deleted %(days)d days after upload.",
                        days,
                    )
                    % {"days": days},
                )
            else:
                messages.success(request, gettext("Package files are now kept."))
            return redirect("console:package-list", code=app.code)
    return _render_list(request, app, role, retention_form=form, status=400)


def _package_or_404(app: App, code: UUID) -> AccountPackage:
    package = selectors.package_get_for_app(app=app, code=code)
    if package is None:
        raise Http404(gettext("No such package"))
    return package


def _detail_url(app: App, package: AccountPackage) -> str:
    return reverse("console:package-detail", kwargs={"code": app.code, "package": package.code})


def _report_url(app: App, package: AccountPackage) -> str:
    return reverse("console:package-report", kwargs={"code": app.code, "package": package.code})
