"""Reads of renewal windows and requests (inside the viewer's scope, like every selector)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from notifications.models import MessageStatus
from renewals.models import RenewalRequest, RenewalWindow, RequestStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User
    from tenants.models import TenantFile


def windows_for_list() -> QuerySet[RenewalWindow]:
    return RenewalWindow.objects.select_related("crous")


def window_for_file(
    tenant_file: TenantFile, *, now: datetime | None = None
) -> RenewalWindow | None:
    """The window a file's renewal belongs to: of the file's Crous, for the academic year
    after the file's; the open one, else the next to open, else the last one closed."""
    return choose_window(list(windows_of_file(tenant_file)), now=now or timezone.now())


def windows_of_file(tenant_file: TenantFile) -> QuerySet[RenewalWindow]:
    return (
        RenewalWindow.objects.filter(
            crous_id=tenant_file.crous_id, academic_year=tenant_file.academic_year + 1
        )
        .select_related("crous")
        .order_by("opens_on")
    )


@dataclass(frozen=True)
class RenewalBox:
    """What the housing page shows of one active file's renewal."""

    tenant_file: TenantFile
    window: RenewalWindow | None
    window_state: str | None
    request_status: str | None

    @property
    def request_status_label(self) -> str:
        return str(RequestStatus(self.request_status).label) if self.request_status else ""


def renewal_boxes_of(
    *, tenant_files: list[TenantFile], now: datetime | None = None
) -> dict[int, RenewalBox]:
    """The renewal box of each of a student's active files (file id → box), read by the
    housing page's view (``settings.HOUSING_PAGE_SECTIONS``) rather than from its template.

    One query whatever the number of files: the windows of every file's Crous for the year
    after the file's, each with the status of each file's request in it (a student has one
    active file, rarely two).
    """
    from tenants.models import TenantFileStatus

    active = [f for f in tenant_files if f.status == TenantFileStatus.ACTIVE]
    if not active:
        return {}
    now = now or timezone.now()
    wanted = Q()
    for tenant_file in active:
        wanted |= Q(crous_id=tenant_file.crous_id, academic_year=tenant_file.academic_year + 1)
    statuses = {
        f"request_status_{tenant_file.pk}": Subquery(
            RenewalRequest.objects.filter(window=OuterRef("pk"), tenant_file=tenant_file.pk).values(
                "status"
            )[:1]
        )
        for tenant_file in active
    }
    windows = list(windows_for_list().filter(wanted).annotate(**statuses).order_by("opens_on"))
    boxes = {}
    for tenant_file in active:
        window = choose_window(
            [
                w
                for w in windows
                if w.crous_id == tenant_file.crous_id
                and w.academic_year == tenant_file.academic_year + 1
            ],
            now=now,
        )
        boxes[tenant_file.pk] = RenewalBox(
            tenant_file=tenant_file,
            window=window,
            window_state=window.state(now) if window else None,
            request_status=getattr(window, f"request_status_{tenant_file.pk}", None),
        )
    return boxes


def choose_window(windows: list[RenewalWindow], *, now: datetime) -> RenewalWindow | None:
    """Of one file's windows (in opening order): the open one, else the next to open, else
    the last one closed."""
    if not windows:
        return None
    for window in windows:
        if window.is_open(now):
            return window
    upcoming = [w for w in windows if w.state(now) == "upcoming"]
    return upcoming[0] if upcoming else windows[-1]


def requests_for_list() -> QuerySet[RenewalRequest]:
    """Requests with what a list shows (Crous, window, file, student, unit) in one query."""
    return RenewalRequest.objects.select_related(
        "crous",
        "window",
        "tenant_file__student",
        "tenant_file__unit__residence",
        "email_message",
        "sms_message",
    )


def requests_of_student(*, user: User) -> QuerySet[RenewalRequest]:
    """The requests of files linked to ``user``'s account (by account, not only by scope)."""
    return requests_for_list().filter(tenant_file__linked_user=user)


def confirmed_in_time_q() -> Q:
    """Both confirmations (the SMS only when one was queued) delivered by the deadline."""
    email_ok = Q(
        email_message__status=MessageStatus.SENT,
        email_message__sent_at__lte=F("confirmation_deadline"),
    )
    sms_ok = Q(sms_message__isnull=True) | Q(
        sms_message__status=MessageStatus.SENT,
        sms_message__sent_at__lte=F("confirmation_deadline"),
    )
    return email_ok & sms_ok


@dataclass(frozen=True)
class WindowDashboard:
    window: RenewalWindow
    attempts: int
    submitted: int
    confirmed_in_time: int
    blocked: int
    blocked_by_dse: int
    pending_decision: int
    approved: int
    refused: int
    escalated: int
    by_day: list[tuple[date, int]]

    @property
    def confirmed_in_time_percent(self) -> float | None:
        return 100.0 * self.confirmed_in_time / self.submitted if self.submitted else None

    @property
    def by_day_max(self) -> int:
        return max((n for _, n in self.by_day), default=0)


def window_dashboard(*, window: RenewalWindow) -> WindowDashboard:
    """The figures of one window: two aggregate queries (counts, submissions per day)."""
    requests = RenewalRequest.objects.filter(window=window)
    submitted_q = Q(submitted_at__isnull=False)
    counts = requests.aggregate(
        attempts=Count("pk"),
        submitted=Count("pk", filter=submitted_q),
        confirmed_in_time=Count("pk", filter=submitted_q & confirmed_in_time_q()),
        blocked=Count("pk", filter=Q(status=RequestStatus.BLOCKED)),
        blocked_by_dse=Count(
            "pk",
            filter=Q(status=RequestStatus.BLOCKED) & blocked_by_dse_q(),
        ),
        pending_decision=Count("pk", filter=Q(status=RequestStatus.SUBMITTED)),
        approved=Count("pk", filter=Q(status=RequestStatus.APPROVED)),
        refused=Count("pk", filter=Q(status=RequestStatus.REFUSED)),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
    )
    per_day = dict(
        requests.filter(submitted_q)
        .annotate(day=TruncDate("submitted_at", tzinfo=window.zone))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    by_day: list[tuple[date, int]] = []
    if per_day:
        day, last = min(per_day), max(per_day)
        while day <= last:
            by_day.append((day, per_day.get(day, 0)))
            day += timedelta(days=1)
    return WindowDashboard(window=window, by_day=by_day, **counts)


def blocked_by_dse_q() -> Q:
    # The JSON list's text holds the rule's code: portable (SQLite has no JSON "contains").
    return Q(blocked_reasons__icontains='"dse_for_next_year"')
