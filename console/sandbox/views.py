"""Sandbox inbox: what each sandbox device received, for the apps the user belongs to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import signed_in
from pushes import permissions
from pushes.models import Gateway
from pushes.sandbox import selectors

PUSHES_PER_PAGE = 25
DEVICES_SHOWN = 50
DELIVERIES_PER_DEVICE = 10


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    # The console knows which apps a person may see; the sandbox only knows AccessIDs.
    visible = permissions.visible_apps(user).filter(gateway=Gateway.SANDBOX)
    access_ids = None if permissions.is_staff(user) else visible.values_list("access_id", flat=True)
    apps = list(selectors.sandbox_apps(access_ids=access_ids))
    wanted = request.GET.get("app")
    if wanted:
        selected = next((app for app in apps if app.access_id == wanted), None)
        if selected is None:
            raise Http404("No such sandbox app")
    else:
        selected = apps[0] if apps else None
    context: dict[str, object] = {"apps": apps, "selected": selected}
    if selected is not None:
        pushes = Paginator(selectors.inbox_pushes(app=selected), PUSHES_PER_PAGE)
        context.update(
            devices=selectors.inbox_devices(
                app=selected, limit=DEVICES_SHOWN, deliveries_per_device=DELIVERIES_PER_DEVICE
            ),
            device_total=selectors.device_total(app=selected),
            devices_shown=DEVICES_SHOWN,
            page=pushes.get_page(request.GET.get("page")),
        )
    return render(request, "console/sandbox/sandbox_inbox.html", context)
