from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class CrousAdminConfig(AdminConfig):
    """Django's admin app with the back-office as its default site (``admin.site``).

    Third-party apps register their admins on ``admin.site``; they land on the back-office
    site, whose ``register`` leaves out the ones the back-office hides.
    """

    default_site = "crous_admin.admin.CrousAdminSite"
