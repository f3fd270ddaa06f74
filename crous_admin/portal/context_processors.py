from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# django-dsfr's own context processor reads its configuration table on every page (two
# queries, back-office included); the site's identity is fixed, so it is stated here.
_SITE = {
    "site_title": _("Crous housing"),
    "site_tagline": _("Your accommodation in a Crous residence"),
    "header_brand_html": "République<br>Française",
    "footer_brand_html": "République<br>Française",
    "beta_tag": False,
    "mourning": False,
}


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_CONFIG": _SITE}
