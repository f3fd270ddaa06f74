"""The Assistance dashboard of one Crous: figures, inline SVG charts, and a CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext

from assistance import selectors
from assistance.models import TicketStatus
from crous_admin.admin import ScopedModelAdmin
from crous_admin.api.permissions import user_has_perms_in_crous
from crous_admin.scoping import scope_for
from residences.models import Crous


def _perms_anywhere(user: Any) -> set[str]:
    from crous_admin.accounts.roles import permissions_for_roles, staff_roles_of

    if not scope_for(user).is_staff:
        return set()
    return permissions_for_roles(r.role for r in staff_roles_of(user=user))


class TicketDashboardAdmin(ScopedModelAdmin):
    """``dashboard/`` and ``dashboard.csv`` under the ticket change list."""

    def _dashboard_crous(self, request: HttpRequest) -> tuple[Crous | None, list[Crous]]:
        if not (
            request.user.is_superuser
            or "assistance.view_dashboard" in _perms_anywhere(request.user)
        ):
            raise PermissionDenied
        visible = list(Crous.objects.order_by("name"))
        allowed = [
            c
            for c in visible
            if user_has_perms_in_crous(request.user, ["assistance.view_dashboard"], c.pk)
        ]
        wanted = request.GET.get("crous", "")
        chosen = next((c for c in allowed if str(c.pk) == wanted), None)
        if chosen is None and allowed:
            chosen = allowed[0]
        return chosen, allowed

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        crous, allowed = self._dashboard_crous(request)
        dashboard = selectors.dashboard_for(crous=crous) if crous else None
        bars = []
        if dashboard:
            peak = dashboard.max_per_day
            width = 18
            for i, (day, n) in enumerate(dashboard.days):
                height = round(120 * n / peak)
                bars.append({"x": i * width, "y": 130 - height, "h": height, "n": n, "day": day})
        backlog = dashboard.backlog if dashboard else {}
        backlog_peak = max(backlog.values(), default=0) or 1
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Assistance dashboard"),
            "dashboard": dashboard,
            "crous": crous,
            "allowed": allowed,
            "bars": bars,
            "chart_width": len(bars) * 18,
            "backlog_rows": [
                (TicketStatus(status).label, n, round(300 * n / backlog_peak))
                for status, n in sorted(backlog.items())
            ],
        }
        return TemplateResponse(request, self.dashboard_template, context)

    def dashboard_csv_view(self, request: HttpRequest) -> HttpResponse:
        crous, _allowed = self._dashboard_crous(request)
        if crous is None:
            raise PermissionDenied
        dashboard = selectors.dashboard_for(crous=crous)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="assistance-{crous.code}-{timezone.localdate():%Y%m%d}.csv"'
        )
        writer = csv.writer(response)
        for row in selectors.dashboard_rows(dashboard):
            writer.writerow(row)
        return response
