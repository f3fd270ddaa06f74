"""The renewal box of one tenant file on the housing page (``{% renewal_box tenant_file %}``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from renewals.models import RenewalRequest, RequestStatus
from renewals.selectors import choose_window, windows_of_file
from tenants.models import TenantFile, TenantFileStatus

register = template.Library()


@register.inclusion_tag("renewals/portal/includes/renewal_box.html")
def renewal_box(tenant_file: TenantFile) -> dict[str, Any]:
    """One query per active file: its windows, each with the status of the file's request
    in it (a student has one active file, rarely two)."""
    now = timezone.now()
    windows = list(
        windows_of_file(tenant_file).annotate(
            request_status=Subquery(
                RenewalRequest.objects.filter(
                    window=OuterRef("pk"), tenant_file=tenant_file.pk
                ).values("status")[:1]
            )
        )
    )
    window = choose_window(windows, now=now)
    status = getattr(window, "request_status", None)
    return {
        "tenant_file": tenant_file,
        "window": window,
        "window_state": window.state(now) if window else None,
        "request_status": status,
        "request_status_label": RequestStatus(status).label if status else "",
        "active": tenant_file.status == TenantFileStatus.ACTIVE,
    }
