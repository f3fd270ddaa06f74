from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
        from crous_admin.demo_oidc.setup import demo_provider_ensure_after_migrate

        # After every ``migrate`` (``make run`` migrates at each start): the two client
        # applications and the demo identities exist, with the redirect URIs of SITE_URL.
        post_migrate.connect(demo_provider_ensure_after_migrate, sender=self)
