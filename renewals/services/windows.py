"""Renewal windows: created and changed by staff, each change in the history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from renewals.models import RenewalWindow
from residences.models import Crous

if TYPE_CHECKING:
    from crous_admin.accounts.models import User


WINDOW_FIELDS = (
    "academic_year",
    "opens_on",
    "closes_on",
    "promise_hours",
    "dse_rule",
    "max_years_of_stay",
    "exceptional_years",
    "reminder_days_before_close",
)


@transaction.atomic
def renewal_window_create(*, by: User | None, crous: Crous, **fields: Any) -> RenewalWindow:
    window = RenewalWindow(crous=crous, **{k: v for k, v in fields.items() if k in WINDOW_FIELDS})
    return _window_save(window, by=by, reason="renewal window created")


@transaction.atomic
def renewal_window_update(
    *, by: User | None, window: RenewalWindow, **fields: Any
) -> RenewalWindow:
    window = RenewalWindow.objects.select_for_update(of=("self",)).get(pk=window.pk)
    changes = {k: v for k, v in fields.items() if k in WINDOW_FIELDS}
    if (
        "academic_year" in changes
        and changes["academic_year"] != window.academic_year
        and window.requests.exists()
    ):
        raise ConflictError(
            _("This window already has renewal requests: its academic year cannot change."),
            code="window_has_requests",
            field="academic_year",
        )
    for name, value in changes.items():
        setattr(window, name, value)
    return _window_save(window, by=by, reason="renewal window changed")


def _window_save(window: RenewalWindow, *, by: User | None, reason: str) -> RenewalWindow:
    """Validates and saves; refuses a window overlapping another of its Crous and year.

    The Crous row is locked first so that two staff members creating overlapping windows
    at the same moment are serialised: the second one sees the first one's window.
    """
    with scopes_disabled():
        Crous.objects.select_for_update(of=("self",)).filter(pk=window.crous_id).first()
        if window.closes_on < window.opens_on:
            raise ApplicationError(
                _("The window cannot close before it opens."), code="period", field="closes_on"
            )
        window.full_clean(exclude=["crous"], validate_constraints=False)
        overlapping = (
            RenewalWindow.objects.filter(
                crous_id=window.crous_id,
                academic_year=window.academic_year,
                opens_on__lte=window.closes_on,
                closes_on__gte=window.opens_on,
            )
            .exclude(pk=window.pk)
            .first()
        )
    if overlapping is not None:
        raise ConflictError(
            _(
                "This window overlaps another renewal window of the same Crous and year "
                "(%(start)s to %(end)s): change the dates of one of them."
            )
            % {"start": overlapping.opens_on.isoformat(), "end": overlapping.closes_on.isoformat()},
            code="window_overlap",
            field="opens_on",
        )
    record_author(window, by, reason)
    window.save()
    return window
