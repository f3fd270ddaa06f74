"""``{% state_sign_in_buttons %}``: the FranceConnect and ProConnect buttons, for the providers
configured (none configured: no buttons)."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.adapter import get_adapter
from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()

STUDENT_PROVIDER_ID = "franceconnect"
STAFF_PROVIDER_ID = "proconnect"


@register.inclusion_tag("accounts/includes/state_sign_in_buttons.html", takes_context=True)
def state_sign_in_buttons(context: Any, *, staff_only: bool = False) -> dict[str, Any]:
    request = context["request"]
    next_url = context.get("next") or ""
    buttons = {}
    for app in get_adapter().list_apps(request, provider="openid_connect"):
        if app.provider_id not in (STUDENT_PROVIDER_ID, STAFF_PROVIDER_ID):
            continue
        url = reverse("openid_connect_login", kwargs={"provider_id": app.provider_id})
        if next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        buttons[app.provider_id] = {"url": url, "name": app.name}
    return {
        "franceconnect": None if staff_only else buttons.get(STUDENT_PROVIDER_ID),
        "proconnect": buttons.get(STAFF_PROVIDER_ID),
        "csrf_token": context.get("csrf_token"),
    }
