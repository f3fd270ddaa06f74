"""The renewal box of one tenant file on the housing page (``{% renewal_box tenant_file %}``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from renewals.models import RenewalRequest
from renewals.selectors import window_for_file
from tenants.models import TenantFile, TenantFileStatus

register = template.Library()


@register.inclusion_tag("renewals/portal/includes/renewal_box.html")
def renewal_box(tenant_file: TenantFile) -> dict[str, Any]:
    """Two queries per active file (window, request): a student has one or two files."""
    now = timezone.now()
    window = window_for_file(tenant_file, now=now)
    renewal = (
        RenewalRequest.objects.filter(window=window, tenant_file=tenant_file).first()
        if window
        else None
    )
    return {
        "tenant_file": tenant_file,
        "window": window,
        "window_state": window.state(now) if window else None,
        "renewal": renewal,
        "active": tenant_file.status == TenantFileStatus.ACTIVE,
    }
