"""The student pages' frame: landing page, log in, log out, account creation, account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from crous_admin.errors import ApplicationError
from crous_admin.portal.forms import EmailAuthenticationForm, SignupForm
from crous_admin.portal.services import student_account_create

# Several authentication backends are configured: a session started by sign-up names the
# one that checks passwords.
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("Log in")}


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page again, saying why and for how long (django-axes' AXES_LOCKOUT_CALLABLE):
    too many wrong passwords for this address from this connection."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    locked_out = ngettext(
        "Too many wrong passwords: logging in with this address is blocked from this "
        "connection for %(minutes)s minute. Wait, then try again; if you no longer know "
        "your password or no longer use this address, write to Assistance "
        '("Lost access to my account").',
        "Too many wrong passwords: logging in with this address is blocked from this "
        "connection for %(minutes)s minutes. Wait, then try again; if you no longer know "
        "your password or no longer use this address, write to Assistance "
        '("Lost access to my account").',
        minutes,
    ) % {"minutes": minutes}
    context = {
        "form": EmailAuthenticationForm(request),
        "locked_out": locked_out,
        "title": _("Log in"),
        "next": _safe_next(request) or "",
    }
    return render(request, "portal/login.html", context, status=429)


class PortalLogoutView(LogoutView):
    """POST only (Django's rule): a link or an image cannot log a student out."""


def _safe_next(request: HttpRequest) -> str | None:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = student_account_create(
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
                preferred_language=get_language() or settings.LANGUAGE_CODE,
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, user, backend=_MODEL_BACKEND)
            messages.success(request, _("Your account is created and you are logged in."))
            return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "portal/signup.html",
        {"form": form, "next": _safe_next(request) or "", "title": _("Create an account")},
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/account.html", {"title": _("My account")})
