"""Reads of Assistance: the staff queue, a student's tickets, threads, estimates, dashboard.

Staff reads go through the scoped managers (call them inside the viewer's scope: a request
or ``crous_scope(user)``). A student's reads filter on the account explicitly and lift the
scope: a student's scope holds the Crous of their linked files, but they may write to a
Crous where no file is linked yet (a code that never arrived).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from assistance import business_days
from assistance.models import (
    AWAITING_STAFF,
    UNFINISHED,
    Attachment,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from residences.models import Crous

if TYPE_CHECKING:
    from crous_admin.accounts.models import User

#: What a queue row shows of its related rows.
QUEUE_FIELDS = (
    "id",
    "crous_id",
    "residence_id",
    "category",
    "status",
    "subject",
    "requester_name",
    "requester_email",
    "requester_ine",
    "assigned_to_id",
    "created_at",
    "updated_at",
    "due_at",
    "first_response_at",
    "is_duplicate",
    "crous__id",
    "crous__code",
    "crous__name",
    "crous__time_zone",  # due times are shown in the Crous' own time
    "residence__id",
    "residence__code",
    "residence__name",
    "residence__city",
    "assigned_to__id",
    "assigned_to__email",
)


@dataclass(frozen=True)
class QueueFilters:
    status: list[str] | None = None
    category: list[str] | None = None
    crous: int | None = None
    residence: int | None = None
    assigned: str | None = None  # "me" or "none"
    overdue: bool | None = None


def overdue_q(now: datetime) -> Q:
    return Q(status__in=AWAITING_STAFF, due_at__lt=now)


def tickets_for_queue(
    *, viewer: User | None = None, filters: QueueFilters | None = None, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The staff queue in the viewer's scope, oldest due first, in one query per page."""
    queryset = Ticket.objects.select_related("crous", "residence", "assigned_to").only(
        *QUEUE_FIELDS
    )
    return tickets_filter(queryset, viewer=viewer, filters=filters or QueueFilters(), now=now)


#: The queue's rows as plain values (the API list renders them without model instances).
QUEUE_ROW_FIELDS = (
    "id",
    "crous_id",
    "crous__code",
    "crous__name",
    "residence_id",
    "residence__code",
    "residence__name",
    "residence__city",
    "category",
    "status",
    "subject",
    "requester_name",
    "requester_email",
    "requester_ine",
    "assigned_to_id",
    "assigned_to__email",
    "created_at",
    "updated_at",
    "due_at",
    "first_response_at",
    "is_duplicate",
)


def tickets_for_queue_rows() -> QuerySet[Ticket]:
    """The staff queue in the viewer's scope, as dicts of ``QUEUE_ROW_FIELDS``: one query
    per page, no model instance per row (see docs/adr/0012)."""
    return Ticket.objects.values(*QUEUE_ROW_FIELDS)


def tickets_filter(
    queryset: QuerySet[Ticket], *, viewer: User | None, filters: QueueFilters, now: datetime | None
) -> QuerySet[Ticket]:
    if filters.status:
        queryset = queryset.filter(status__in=filters.status)
    if filters.category:
        queryset = queryset.filter(category__in=filters.category)
    if filters.crous is not None:
        queryset = queryset.filter(crous_id=filters.crous)
    if filters.residence is not None:
        queryset = queryset.filter(residence_id=filters.residence)
    if filters.assigned == "me" and viewer is not None:
        queryset = queryset.filter(assigned_to=viewer)
    elif filters.assigned == "none":
        queryset = queryset.filter(assigned_to__isnull=True)
    if filters.overdue is not None:
        q = overdue_q(now or timezone.now())
        queryset = queryset.filter(q) if filters.overdue else queryset.exclude(q)
    return queryset


def ticket_is_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    return bool(
        ticket.status in AWAITING_STAFF
        and ticket.due_at
        and ticket.due_at < (now or timezone.now())
    )


def ticket_detail_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related(
        "crous", "residence", "assigned_to", "requester", "student", "tenant_file__unit__residence"
    )


def thread_of(ticket: Ticket, *, include_internal: bool) -> list[TicketMessage]:
    """The ticket's messages, oldest first, with their attachments (two queries)."""
    with scopes_disabled():
        messages = TicketMessage.objects.filter(ticket=ticket).select_related("author")
        if not include_internal:
            messages = messages.filter(is_internal=False)
        return list(
            messages.prefetch_related(
                Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
            )
        )


def events_of(ticket: Ticket) -> list[TicketEvent]:
    with scopes_disabled():
        return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor"))


def tickets_of_student(*, user: User) -> QuerySet[Ticket]:
    """The tickets the account wrote (or that were opened for it), newest first."""
    with scopes_disabled():
        return (
            Ticket.objects.filter(requester=user)
            .select_related("crous")
            .order_by("-created_at", "-id")
        )


def ticket_of_student(*, user: User, pk: int) -> Ticket | None:
    with scopes_disabled():
        return tickets_of_student(user=user).filter(pk=pk).first()


def crous_for_student(*, user: User) -> tuple[list[Crous], list[Crous]]:
    """(the Crous the student is known to — linked file or record with their address —,
    every active Crous): the form offers the first ones first."""
    with scopes_disabled():
        known = list(
            Crous.objects.filter(
                Q(tenant_files__linked_user=user) | Q(students__email__iexact=user.email)
            )
            .distinct()
            .order_by("name")
        )
        every = list(Crous.objects.filter(is_active=True).order_by("name"))
    return known, every


# --- Expected answer time ----------------------------------------------------------------------

THROUGHPUT_WINDOW_BUSINESS_DAYS = 10
ESTIMATE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Estimate:
    """How long an answer should take now, in business days, and the date it gives."""

    business_days: int
    by_date: date
    backlog: int
    answered_per_day: float
    from_history: bool


def expected_answer(*, crous: Crous, category: str, now: datetime | None = None) -> Estimate:
    """The live estimate shown to students (docs/assistance.md, "Expected answer time").

    ``backlog`` = tickets of this Crous and category still awaiting staff (new, open);
    ``answered_per_day`` = first answers given to tickets of this Crous and category over
    the last 10 business days, divided by 10. The estimate is ⌈(backlog + 1) ÷
    answered_per_day⌉ business days, at least 1; without any answer in the window, the
    Crous' own target. Cached five minutes per Crous and category: it moves slowly, and a
    surge must not make every student page count the backlog.
    """
    now = now or timezone.now()
    key = f"assistance:estimate:{crous.pk}:{category}"
    cached = cache.get(key)
    if cached is None:
        with scopes_disabled():
            tickets = Ticket.objects.filter(crous=crous, category=category)
            backlog = tickets.filter(status__in=AWAITING_STAFF).count()
            window_start_day = _business_days_back(
                now, THROUGHPUT_WINDOW_BUSINESS_DAYS, crous=crous
            )
            answered = tickets.filter(
                first_response_at__gte=window_start_day, first_response_at__lte=now
            ).count()
        cached = (backlog, answered)
        cache.set(key, cached, ESTIMATE_CACHE_SECONDS)
    backlog, answered = cached
    rate = answered / THROUGHPUT_WINDOW_BUSINESS_DAYS
    if rate > 0:
        days = max(1, math.ceil((backlog + 1) / rate))
        from_history = True
    else:
        days = crous.assistance_target_business_days
        from_history = False
    return Estimate(
        business_days=days,
        by_date=business_days.business_days_from_today(days, crous=crous, now=now),
        backlog=backlog,
        answered_per_day=rate,
        from_history=from_history,
    )


def _business_days_back(now: datetime, days: int, *, crous: Crous) -> datetime:
    zone = business_days._zone(crous)
    day = now.astimezone(zone).date()
    left = days
    while left:
        day -= timedelta(days=1)
        if business_days.is_business_day(day, subdivision=crous.holiday_subdivision):
            left -= 1
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


# --- Dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    crous: Crous
    days: list[tuple[date, int]]  # tickets opened per local day
    backlog: dict[str, int]  # unfinished tickets per status
    backlog_by_category: dict[str, int]
    overdue: int
    median_first_response: float | None  # in business days
    answered: int

    @property
    def backlog_total(self) -> int:
        return sum(self.backlog.values())

    @property
    def max_per_day(self) -> int:
        return max((n for _day, n in self.days), default=0) or 1


def dashboard_for(*, crous: Crous, days: int = 30, now: datetime | None = None) -> Dashboard:
    """One Crous' figures over the last ``days`` days: a handful of aggregate queries."""
    now = now or timezone.now()
    zone = business_days._zone(crous)
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    with scopes_disabled():
        tickets = Ticket.objects.filter(crous=crous)
        per_day: Counter[date] = Counter()
        for moment in tickets.filter(created_at__gte=start).values_list("created_at", flat=True):
            per_day[moment.astimezone(zone).date()] += 1
        backlog = dict(
            tickets.filter(status__in=UNFINISHED)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        by_category = dict(
            tickets.filter(status__in=UNFINISHED)
            .values_list("category")
            .annotate(n=Count("id"))
            .values_list("category", "n")
        )
        overdue = tickets.filter(overdue_q(now)).count()
        responded = list(
            tickets.filter(created_at__gte=start, first_response_at__isnull=False).values_list(
                "created_at", "first_response_at"
            )
        )
    delays = [
        business_days.business_days_between(opened, answered, crous=crous)
        for opened, answered in responded
        if answered is not None  # filtered above; the column is nullable
    ]
    return Dashboard(
        crous=crous,
        days=[
            (first_day + timedelta(days=i), per_day.get(first_day + timedelta(days=i), 0))
            for i in range(days)
        ],
        backlog=backlog,
        backlog_by_category=by_category,
        overdue=overdue,
        median_first_response=round(statistics.median(delays), 2) if delays else None,
        answered=len(delays),
    )


def dashboard_rows(dashboard: Dashboard) -> list[list[Any]]:
    """The CSV export: one line per day, then the totals."""
    rows: list[list[Any]] = [["date", "tickets_opened"]]
    rows += [[day.isoformat(), n] for day, n in dashboard.days]
    rows.append([])
    rows += [[f"backlog_{status}", n] for status, n in sorted(dashboard.backlog.items())]
    rows.append(["overdue", dashboard.overdue])
    median = dashboard.median_first_response
    rows.append(["median_first_response_business_days", "" if median is None else median])
    return rows
