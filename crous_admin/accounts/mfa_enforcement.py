"""Staff MFA: with ``STAFF_MFA_REQUIRED``, staff and superusers use the site only with a second
factor (allauth.mfa: TOTP, recovery codes).

A staff member — anybody holding a Crous role, flagged ``is_staff``, or a superuser — who
has no authenticator yet is sent to enrol; one who has an authenticator but whose session was
opened without it (a password-only login form, the Django admin's own login) is asked for a
code (allauth's MFA reauthentication, which records the factor in the session). Only the MFA
pages themselves, logging out, static files and the health check stay open. Students are not
concerned. API calls authenticated by token are not sessions and are not concerned either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from crous_admin.scoping import scope_for

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mfa_required_for(user: Any) -> bool:
    if not settings.STAFF_MFA_REQUIRED:
        return False
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.is_staff or scope_for(user).is_staff)


def session_used_mfa(request: HttpRequest, user: Any) -> bool:
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def record_enrolment_as_mfa(request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """allauth's ``authenticator_added`` receiver: enrolling proved the factor (the person
    typed a code from it), so this session counts as opened with MFA."""
    if request is not None and getattr(request, "session", None) is not None:
        authenticator = kwargs.get("authenticator")
        record_authentication(
            request, user, "mfa", type=getattr(authenticator, "type", ""), enrolled=True
        )


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("mfa_index"),  # enrolment, codes, reauthentication (/compte/2fa/…)
        reverse("account_logout"),
        reverse("account_reauthenticate"),  # password, before enrolling a first factor
        reverse("portal:logout"),
        "/" + settings.STATIC_URL.lstrip("/"),
        reverse("health"),
    )


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if mfa_required_for(user) and not self._is_open(request.path):
            response = self._second_factor_missing(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open is None:
            self._open = _open_paths()
        return path.startswith(self._open)

    def _second_factor_missing(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        if session_used_mfa(request, user):
            return None
        enrolled = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()
        target = reverse("mfa_reauthenticate" if enrolled else "mfa_activate_totp")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
