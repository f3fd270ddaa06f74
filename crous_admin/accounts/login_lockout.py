"""What django-axes counts wrong passwords against (settings: AXES_USERNAME_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from crous_admin.accounts.models import UserManager


def login_address(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The address typed in the login form, as accounts store it.

    Login forms post it as ``username`` (Django's AuthenticationForm), whatever the user
    model's field is called; normalised, so that "Lea@Etu.example" and "lea@etu.example"
    share one count instead of each getting its own attempts.
    """
    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
    return UserManager.normalize_email(str(typed))
