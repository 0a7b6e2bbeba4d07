"""Sandbox inbox: what each sandbox device received, for the apps the user belongs to.

Every member of an app sees its sandbox; its admins (and staff) also change it: the engagement
model, new devices, and Open or Dismiss on what a device received, as its user would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from console.access import ADMINS, signed_in
from console.sandbox.forms import DeviceForm, EngagementForm
from pushes import permissions
from pushes.models import App, Gateway
from pushes.sandbox import selectors, services
from pushes.sandbox.errors import AlreadyHandled

if TYPE_CHECKING:
    from pushes.sandbox.models import Delivery, SandboxApp

PUSHES_PER_PAGE = 25
DEVICES_SHOWN = 50
DELIVERIES_PER_DEVICE = 10


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    apps = _visible_apps(request)
    wanted = request.GET.get("app")
    if wanted:
        selected = next((app for app in apps if app.access_id == wanted), None)
        if selected is None:
            raise Http404("No such sandbox app")
    else:
        selected = apps[0] if apps else None
    return _render_inbox(request, apps, selected)


def _visible_apps(request: HttpRequest) -> list[SandboxApp]:
    user = signed_in(request)
    # The console knows which apps a person may see; the sandbox only knows AccessIDs.
    visible = permissions.visible_apps(user).filter(gateway=Gateway.SANDBOX)
    access_ids = None if permissions.is_staff(user) else visible.values_list("access_id", flat=True)
    return list(selectors.sandbox_apps(access_ids=access_ids))


def _render_inbox(
    request: HttpRequest,
    apps: list[SandboxApp],
    selected: SandboxApp | None,
    *,
    engagement_form: EngagementForm | None = None,
    device_form: DeviceForm | None = None,
) -> HttpResponse:
    context: dict[str, object] = {"apps": apps, "selected": selected}
    if selected is not None:
        pushes = Paginator(selectors.inbox_pushes(app=selected), PUSHES_PER_PAGE)
        can_change = _may_change(request, selected)
        context.update(
            devices=selectors.inbox_devices(
                app=selected, limit=DEVICES_SHOWN, deliveries_per_device=DELIVERIES_PER_DEVICE
            ),
            device_total=selectors.device_total(app=selected),
            devices_shown=DEVICES_SHOWN,
            page=pushes.get_page(request.GET.get("page")),
            can_change=can_change,
            engagement_form=engagement_form or EngagementForm.for_app(selected),
            device_form=(device_form or DeviceForm()) if can_change else None,
        )
    invalid = any(form is not None and form.errors for form in (engagement_form, device_form))
    return render(
        request, "console/sandbox/sandbox_inbox.html", context, status=400 if invalid else 200
    )


def _may_change(request: HttpRequest, app: SandboxApp) -> bool:
    """Admins of the app on the Sandbox gateway, and staff."""
    user = signed_in(request)
    if permissions.is_staff(user):
        return True
    console_app = App.objects.filter(gateway=Gateway.SANDBOX, access_id=app.access_id).first()
    return console_app is not None and permissions.has_role(console_app, user, ADMINS)


def _app_to_change(request: HttpRequest, access_id: str) -> tuple[list[SandboxApp], SandboxApp]:
    """The visible sandbox apps and the one to change: 404 if not a member, 403 if no admin."""
    apps = _visible_apps(request)
    app = next((app for app in apps if app.access_id == access_id), None)
    if app is None:
        raise Http404("No such sandbox app")
    if not _may_change(request, app):
        raise PermissionDenied
    return apps, app


def _back_to(app: SandboxApp, anchor: str) -> HttpResponse:
    query = urlencode({"app": app.access_id})
    return redirect(f"{reverse('console:sandbox-inbox')}?{query}#{anchor}")


@login_required
@require_POST
def engagement_save(request: HttpRequest, access_id: str) -> HttpResponse:
    apps, app = _app_to_change(request, access_id)
    form = EngagementForm.for_app(app, request.POST)
    if form.is_valid():
        try:
            services.app_set_engagement(app=app, **form.model_values(form.cleaned_data))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                gettext("Engagement model saved. It applies to pushes sent from now on."),
            )
            return _back_to(app, "sandbox-engagement")
    return _render_inbox(request, apps, app, engagement_form=form)


@login_required
@require_POST
def device_add(request: HttpRequest, access_id: str) -> HttpResponse:
    apps, app = _app_to_change(request, access_id)
    form = DeviceForm(request.POST)
    if form.is_valid():
        try:
            device = services.device_add(app=app, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, gettext("Device “%(device)s” added.") % {"device": device})
            return _back_to(app, f"device-{device.pk}")
    return _render_inbox(request, apps, app, device_form=form)


@login_required
@require_POST
def delivery_open(request: HttpRequest, access_id: str, delivery_id: int) -> HttpResponse:
    return _handle_delivery(request, access_id, delivery_id, opened=True)


@login_required
@require_POST
def delivery_dismiss(request: HttpRequest, access_id: str, delivery_id: int) -> HttpResponse:
    return _handle_delivery(request, access_id, delivery_id, opened=False)


def _handle_delivery(
    request: HttpRequest, access_id: str, delivery_id: int, *, opened: bool
) -> HttpResponse:
    _, app = _app_to_change(request, access_id)
    delivery = selectors.inbox_delivery(app=app, delivery_id=delivery_id)
    if delivery is None:
        raise Http404("No such delivery")
    names = {"title": _title(delivery), "device": str(delivery.device)}
    try:
        if opened:
            services.delivery_open(delivery=delivery)
        else:
            services.delivery_dismiss(delivery=delivery)
    except AlreadyHandled:
        refusal = (
            gettext("“%(title)s” was dismissed on %(device)s, so it can no longer be opened.")
            if opened
            else gettext("“%(title)s” was opened on %(device)s, so it can no longer be dismissed.")
        )
        messages.error(request, refusal % names)
    else:
        done = (
            gettext("“%(title)s” opened on %(device)s.")
            if opened
            else gettext("“%(title)s” dismissed on %(device)s.")
        )
        messages.success(request, done % names)
    return _back_to(app, f"delivery-{delivery.pk}")


def _title(delivery: Delivery) -> str:
    return delivery.title or gettext("(no title)")
