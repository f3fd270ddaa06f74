from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoOidcConfig(AppConfig):
    """The demonstration identity provider: installed only when ``DEMO_OIDC_PROVIDER`` is on
    (development), refused by a system check in production (``crous_admin/demo_oidc/checks.py``).
    """

    name = "crous_admin.demo_oidc"
    label = "demo_oidc"
    verbose_name = _("Demonstration identity provider")

    def ready(self) -> None:
        from crous_admin.demo_oidc import checks  # noqa: F401  (registers the system check)
