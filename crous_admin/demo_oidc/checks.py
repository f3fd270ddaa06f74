"""The demonstration provider never runs in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


# A deployment check (``manage.py check --deploy``, the release step of docs/deployment.md):
# the settings already refuse to load in that case; this names it in the release report.
@register(deploy=True)
def demo_provider_not_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if getattr(settings, "DEMO_OIDC_PROVIDER", False) and not settings.DEBUG:
        return [
            Error(
                "DEMO_OIDC_PROVIDER is on while DEBUG is off: the demonstration identity "
                "provider lets anybody sign in as any demo identity.",
                hint="Unset DEMO_OIDC_PROVIDER in production and configure the real providers "
                "(OIDC_STUDENT_*, OIDC_STAFF_*; docs/state-sign-in.md).",
                id="demo_oidc.E001",
            )
        ]
    return []
