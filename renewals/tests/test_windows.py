"""Window boundaries to the second, in each Crous' own time zone, and overlapping windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from crous_admin.errors import ConflictError
from renewals.services.submission import renewal_request_submit
from renewals.services.windows import renewal_window_create
from renewals.tests.factories import RenewalWindowFactory
from residences.tests.factories import CrousFactory
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory

SECOND = timedelta(seconds=1)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_paris_window_opens_at_local_midnight_and_closes_after_23_59_59_across_the_dst_change(db):
    # Given a one-day window on 28 March 2027, the day clocks go from 2:00 to 3:00 in Paris
    window = RenewalWindowFactory(
        crous=CrousFactory(code="paris", time_zone="Europe/Paris"),
        opens_on=date(2027, 3, 28),
        closes_on=date(2027, 3, 28),
    )

    # Then it opens at midnight CET (23:00 UTC the day before)…
    assert not window.is_open(_utc(2027, 3, 27, 22, 59, 59))
    assert window.is_open(_utc(2027, 3, 27, 23, 0, 0))
    # …and its last second is 23:59:59 CEST (21:59:59 UTC): a 23-hour day
    assert window.is_open(_utc(2027, 3, 28, 21, 59, 59))
    assert not window.is_open(_utc(2027, 3, 28, 22, 0, 0))
    assert window.closes_at == _utc(2027, 3, 28, 21, 59, 59)
    assert window.ends_before.astimezone(UTC) - window.opens_at.astimezone(UTC) == timedelta(
        hours=23
    )


def test_a_paris_window_closing_on_the_autumn_dst_change_lasts_until_23_59_59_cet(db):
    window = RenewalWindowFactory(
        crous=CrousFactory(code="paris", time_zone="Europe/Paris"),
        opens_on=date(2027, 10, 1),
        closes_on=date(2027, 10, 31),  # clocks go back from 3:00 to 2:00 that night
    )

    assert window.opens_at == _utc(2027, 9, 30, 22, 0, 0)  # midnight CEST
    assert window.is_open(_utc(2027, 10, 31, 22, 59, 59))  # 23:59:59 CET
    assert not window.is_open(_utc(2027, 10, 31, 23, 0, 0))


def test_a_reunion_window_opens_at_midnight_reunion_time(db):
    window = RenewalWindowFactory(
        crous=CrousFactory(code="reunion", time_zone="Indian/Reunion"),
        opens_on=date(2027, 3, 15),
        closes_on=date(2027, 5, 1),
    )

    # UTC+4: midnight on 15 March is 20:00 UTC on the 14th, while Paris is still on the 14th
    assert not window.is_open(_utc(2027, 3, 14, 19, 59, 59))
    assert window.is_open(_utc(2027, 3, 14, 20, 0, 0))
    assert window.is_open(_utc(2027, 5, 1, 19, 59, 59))
    assert not window.is_open(_utc(2027, 5, 1, 20, 0, 0))


def test_a_cayenne_window_is_still_open_when_it_is_already_the_next_day_in_paris(db):
    window = RenewalWindowFactory(
        crous=CrousFactory(code="guyane", time_zone="America/Cayenne"),
        opens_on=date(2027, 3, 15),
        closes_on=date(2027, 5, 1),
    )

    # UTC-3: 23:59:59 on 1 May in Cayenne is 04:59:59 on 2 May in Paris
    assert window.is_open(_utc(2027, 5, 2, 2, 59, 59))
    assert not window.is_open(_utc(2027, 5, 2, 3, 0, 0))
    assert window.opens_at == _utc(2027, 3, 15, 3, 0, 0)


@pytest.mark.parametrize(
    ("zone", "opening_utc"),
    [
        ("Europe/Paris", _utc(2027, 3, 14, 23, 0, 0)),
        ("Indian/Reunion", _utc(2027, 3, 14, 20, 0, 0)),
        ("America/Cayenne", _utc(2027, 3, 15, 3, 0, 0)),
    ],
)
def test_the_submission_is_refused_one_second_before_opening_and_accepted_at_opening(
    db, zone, opening_utc
):
    crous = CrousFactory(code=f"c-{zone.split('/')[1].lower()}", time_zone=zone)
    RenewalWindowFactory(crous=crous, opens_on=date(2027, 3, 15), closes_on=date(2027, 5, 1))
    tenant_file = _linked_file(crous)

    with (
        time_machine.travel(opening_utc - SECOND, tick=False),
        pytest.raises(ConflictError) as refused,
    ):
        renewal_request_submit(tenant_file=tenant_file, by=tenant_file.linked_user)
    assert refused.value.code == "renewal_window_not_open"
    assert "15" in refused.value.message
    assert zone in refused.value.message
    with time_machine.travel(opening_utc, tick=False):
        submission = renewal_request_submit(tenant_file=tenant_file, by=tenant_file.linked_user)
    assert submission.created
    assert submission.request.status == "submitted"


def test_the_submission_is_refused_after_23_59_59_local_on_the_closing_day(db):
    crous = CrousFactory(code="guyane", time_zone="America/Cayenne")
    RenewalWindowFactory(crous=crous, opens_on=date(2027, 3, 15), closes_on=date(2027, 5, 1))
    tenant_file = _linked_file(crous)

    with (
        time_machine.travel(_utc(2027, 5, 2, 3, 0, 0), tick=False),
        pytest.raises(ConflictError) as refused,
    ):
        renewal_request_submit(tenant_file=tenant_file, by=tenant_file.linked_user)

    assert refused.value.code == "renewal_window_closed"
    assert refused.value.extra["closes_at"].startswith("2027-05-01T23:59:59-03:00")


def test_a_window_overlapping_another_of_the_same_crous_and_year_is_refused(bordeaux):
    renewal_window_create(
        by=None,
        crous=bordeaux,
        academic_year=2027,
        opens_on=date(2027, 3, 15),
        closes_on=date(2027, 5, 1),
    )

    with pytest.raises(ConflictError) as refused:
        renewal_window_create(
            by=None,
            crous=bordeaux,
            academic_year=2027,
            opens_on=date(2027, 5, 1),  # the closing day is inclusive: one shared day
            closes_on=date(2027, 5, 15),
        )

    assert refused.value.code == "window_overlap"
    # The day after, another Crous, or another year: accepted
    renewal_window_create(
        by=None,
        crous=bordeaux,
        academic_year=2027,
        opens_on=date(2027, 5, 2),
        closes_on=date(2027, 5, 15),
    )
    renewal_window_create(
        by=None,
        crous=CrousFactory(code="lille"),
        academic_year=2027,
        opens_on=date(2027, 3, 1),
        closes_on=date(2027, 5, 15),
    )


def test_a_window_cannot_close_before_it_opens(bordeaux):
    from crous_admin.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        renewal_window_create(
            by=None,
            crous=bordeaux,
            academic_year=2027,
            opens_on=date(2027, 5, 1),
            closes_on=date(2027, 4, 1),
        )

    assert refused.value.field == "closes_on"


def _linked_file(crous):
    from residences.tests.factories import UserFactory

    return TenantFileFactory(
        crous=crous,
        status=TenantFileStatus.ACTIVE,
        linked_user=UserFactory(),
        linked_at=_utc(2026, 9, 1, 0, 0, 0),
        academic_year=2026,
    )
