"""The State identity providers, read from the environment by ``crous_admin/settings.py``.

Imported by the settings module: nothing from Django may be imported here.
"""

from __future__ import annotations

from typing import Any

import environ

# What each federation calls its scopes (FranceConnect names one scope per claim).
DEFAULT_SCOPES = {
    "OIDC_STUDENT": ["openid", "given_name", "family_name", "email"],
    "OIDC_STAFF": ["openid", "given_name", "usual_name", "email"],
}
DEMO_SCOPES = ["openid", "profile", "email"]


def oidc_app(
    env: environ.Env,
    prefix: str,
    *,
    provider_id: str,
    name: str,
    demo: dict[str, str] | None,
) -> dict[str, Any] | None:
    """One allauth ``openid_connect`` app from ``<prefix>_SERVER_URL``, ``_CLIENT_ID``,
    ``_SECRET`` (and optional ``_SCOPES``, ``_ACR_VALUES``, ``_TRUST_EMAIL_ADDRESSES``);
    ``None`` — no button — when the provider is not configured. ``demo`` (the local demo
    provider's client) stands in when nothing is configured in development."""
    server_url = env.str(f"{prefix}_SERVER_URL", default="")
    client_id = env.str(f"{prefix}_CLIENT_ID", default="")
    secret = env.str(f"{prefix}_SECRET", default="")
    scopes = env.list(f"{prefix}_SCOPES", default=DEFAULT_SCOPES[prefix])
    if not server_url and demo is not None:
        server_url, client_id, secret = demo["server_url"], demo["client_id"], demo["secret"]
        scopes = DEMO_SCOPES
        name = demo["name"]
    if not (server_url and client_id):
        return None
    app_settings: dict[str, Any] = {
        "server_url": server_url,
        "oauth_pkce_enabled": True,
        "scope": scopes,
        "trust_email_addresses": env.bool(f"{prefix}_TRUST_EMAIL_ADDRESSES", default=False),
    }
    acr_values = env.str(f"{prefix}_ACR_VALUES", default="")
    if acr_values:
        app_settings["auth_params"] = {"acr_values": acr_values}
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": app_settings,
    }
