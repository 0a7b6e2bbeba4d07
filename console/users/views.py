"""Users: staff administrators list, create, deactivate and reactivate accounts and hand out
one-time set-password links; everyone changes their own password; the link's page sets one
without being signed in.

A link is shown once: the view that makes it keeps it in the session only until the user's
page shows it (after the redirect), and that page is never cached.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from console.access import require_staff, signed_in
from console.users.forms import UserCreateForm, UserFilterForm
from pushes import selectors, services
from pushes.errors import Invalid, PushdeckError

if TYPE_CHECKING:
    from django.contrib.auth.forms import SetPasswordForm
    from django.contrib.auth.models import User
    from django.forms import Form
    from django.http import HttpRequest, HttpResponse

LINK_SESSION_KEY = "pushdeck_password_link"
PAGE_SIZE = 50


@require_safe
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    form = UserFilterForm(request.GET or None)
    filters: dict[str, Any] = {"q": "", "status": "active", "staff": False}
    if form.is_valid():
        filters.update({k: v for k, v in form.cleaned_data.items() if v})
    users = selectors.user_list(
        q=filters["q"], status=filters["status"], staff_only=filters["staff"]
    )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    filtered = any(value for key, value in params.items())
    context = {"form": form, "page": page, "query": params.urlencode(), "filtered": filtered}
    return render(request, "console/users/user_list.html", context)


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        send_email = bool(data.pop("send_email", False))
        try:
            user = services.user_create(by=signed_in(request), **data)
        except Invalid as exc:
            _add_problems(form, exc)
        else:
            messages.success(
                request, gettext("User %(user)s created.") % {"user": user.get_username()}
            )
            _give_link(request, user, send_email=send_email)
            return redirect("console:user-detail", user_id=user.pk)
    return render(request, "console/users/user_form.html", {"form": form})


@require_safe
@never_cache  # it may show a set-password link: not for the back button or a shared cache
@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    require_staff(request)
    person = get_object_or_404(get_user_model(), pk=user_id)
    context = {
        "person": person,
        "memberships": selectors.user_memberships(user=person),
        "is_self": person.pk == request.user.pk,
        "can_email": services.can_email_link(person),
        "link": _take_link(request, person),
    }
    return render(request, "console/users/user_detail.html", context)


@login_required
@require_POST
def user_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    require_staff(request)
    person = get_object_or_404(get_user_model(), pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(by=signed_in(request), user=person, active=active)
    except PushdeckError as exc:
        messages.error(request, str(exc))
    else:
        done = (
            gettext("%(user)s can sign in again.")
            if active
            else gettext("%(user)s is deactivated and signed out everywhere.")
        )
        messages.success(request, done % {"user": person.get_username()})
    return redirect("console:user-detail", user_id=person.pk)


@login_required
@require_POST
def user_password_link(request: HttpRequest, user_id: int) -> HttpResponse:
    require_staff(request)
    person = get_object_or_404(get_user_model(), pk=user_id)
    _give_link(request, person, send_email=request.POST.get("delivery") == "email")
    return redirect("console:user-detail", user_id=person.pk)


def _give_link(request: HttpRequest, person: User, *, send_email: bool) -> None:
    """Make a set-password link and e-mail it, or keep it for the user's page to show once."""
    try:
        link = services.user_reset_link(by=signed_in(request), user=person, send_email=send_email)
    except PushdeckError as exc:
        messages.error(request, str(exc))
        return
    except OSError:  # the mail server refused or could not be reached
        messages.error(
            request, gettext("The e-mail could not be sent. Show the link instead and pass it on.")
        )
        return
    if link.emailed_to:
        messages.success(
            request,
            gettext("A set-password link was e-mailed to %(email)s.") % {"email": link.emailed_to},
        )
        return
    request.session[LINK_SESSION_KEY] = {
        "user_id": person.pk,
        "url": request.build_absolute_uri(link.path),
        "expires_at": link.expires_at.isoformat(),
    }


def _take_link(request: HttpRequest, person: User) -> dict[str, Any] | None:
    """The link made for `person` just before, once: it leaves the session as it is shown."""
    kept = request.session.get(LINK_SESSION_KEY)
    if not kept or kept.get("user_id") != person.pk:
        return None
    del request.session[LINK_SESSION_KEY]
    return {"url": kept["url"], "expires_at": datetime.fromisoformat(kept["expires_at"])}


def _add_problems(form: Form, exc: Invalid, fields: dict[str, str] | None = None) -> None:
    """The domain's problems on the form's fields (renamed by `fields`), else on the form."""
    for problem in exc.problems:
        name = (fields or {}).get(problem.field, problem.field)
        form.add_error(name if name in form.fields else None, problem.message)


# Everyone's own password ------------------------------------------------------------------


@sensitive_post_parameters()
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except Invalid as exc:
            _add_problems(form, exc, {"password": "new_password2"})
        else:
            # Keeps this session; the user's other sessions end with the old password.
            update_session_auth_hash(request, user)
            messages.success(
                request, gettext("Password changed. Your other sessions are signed out.")
            )
            return redirect("preferences")
    return render(request, "registration/password_change.html", {"form": form})


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page a one-time link opens: choose a password, without being signed in.

    Django's view moves the token from the URL into the session before showing the form,
    so it never leaves in a Referer; the password is set through the domain service.
    """

    template_name = "registration/password_set.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        # A deactivated account's links stop working.
        return user if user is not None and user.is_active else None

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        assert self.user is not None  # dispatch shows the form only for a valid link
        try:
            services.user_password_set(user=self.user, password=form.cleaned_data["new_password1"])
        except Invalid as exc:
            _add_problems(form, exc, {"password": "new_password2"})
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, gettext("Your password is set. Log in with it now."))
        return HttpResponseRedirect(self.get_success_url())


password_set = PasswordSetView.as_view()
