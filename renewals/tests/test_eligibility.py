"""The eligibility check: each rule passed or not, with what to do; the DSE rule on and off."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from renewals.eligibility import RULES, eligibility_check
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory

pytestmark = pytest.mark.usefixtures("inside_window")


def _scholarship_holder(linked_student_file, *, dse_for):
    student = linked_student_file.student
    student.is_scholarship_holder = True
    student.dse_submitted_for = dse_for
    student.save()
    return linked_student_file


def test_every_rule_passes_for_an_active_linked_file_inside_the_window(
    linked_student_file, bordeaux_window
):
    check = eligibility_check(tenant_file=linked_student_file, window=bordeaux_window)

    assert check.eligible
    assert [r.code for r in check.results] == [rule.__name__ for rule in RULES]
    assert all(r.passed for r in check.results)


def test_with_the_dse_rule_a_scholarship_holder_without_next_years_dse_is_blocked_and_told_why(
    linked_student_file, bordeaux_window
):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()
    tenant_file = _scholarship_holder(linked_student_file, dse_for=2026)

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert not check.eligible
    assert check.blocking_codes == ["dse_for_next_year"]
    assert "2027-2028" in check.result("dse_for_next_year").message


def test_without_the_dse_rule_the_same_scholarship_holder_may_renew(
    linked_student_file, bordeaux_window
):
    tenant_file = _scholarship_holder(linked_student_file, dse_for=None)

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert check.eligible
    assert check.result("dse_for_next_year").passed


def test_the_dse_rule_does_not_concern_students_without_a_scholarship(
    linked_student_file, bordeaux_window
):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()

    check = eligibility_check(tenant_file=linked_student_file, window=bordeaux_window)

    assert check.eligible


def test_a_submitted_dse_for_next_year_lifts_the_block(linked_student_file, bordeaux_window):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()
    tenant_file = _scholarship_holder(linked_student_file, dse_for=2027)

    assert eligibility_check(tenant_file=tenant_file, window=bordeaux_window).eligible


def _years_in_bordeaux(linked_student_file, years: int):
    """Earlier ended files of the same student, one per academic year before 2026."""
    for n in range(1, years):
        TenantFileFactory(
            crous=linked_student_file.crous,
            student=linked_student_file.student,
            academic_year=2026 - n,
            start_date=date(2026 - n, 9, 1),
            end_date=date(2027 - n, 6, 30),
            status=TenantFileStatus.ENDED,
        )
    return linked_student_file


def test_a_sixth_year_passes_only_as_an_exception_for_staff_to_grant(
    linked_student_file, bordeaux_window
):
    tenant_file = _years_in_bordeaux(linked_student_file, 5)

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert check.eligible
    assert check.needs_exception
    assert "6" in check.result("years_of_stay").message


def test_a_seventh_year_is_blocked(linked_student_file, bordeaux_window):
    tenant_file = _years_in_bordeaux(linked_student_file, 6)

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert check.blocking_codes == ["years_of_stay"]


def test_a_file_not_linked_yet_is_told_to_use_its_activation_code(bordeaux, bordeaux_window):
    tenant_file = TenantFileFactory(crous=bordeaux)

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert "code d'activation" in check.result("file_active_and_linked").message


def test_before_the_window_the_check_says_when_it_opens(
    linked_student_file, bordeaux_window, time_machine
):
    time_machine.move_to("2027-03-01 12:00:00+01:00", tick=False)

    check = eligibility_check(
        tenant_file=linked_student_file, window=bordeaux_window, now=timezone.now()
    )

    assert check.blocking_codes == ["inside_window"]
    assert "15" in check.result("inside_window").message


# --- Unpaid rent (the tenant space's ledger) ---------------------------------------------------


def _charged_to_date(tenant_file):
    from tenancy.ledger import ledger_bring_up_to_date

    ledger_bring_up_to_date(tenant_file=tenant_file, on=timezone.localdate())
    return tenant_file


def test_rent_unpaid_past_the_grace_period_blocks_the_renewal_and_says_how_much(
    linked_student_file, bordeaux_window
):
    tenant_file = _charged_to_date(linked_student_file)

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert check.blocking_codes == ["no_unpaid_rent"]
    assert "€" in check.result("no_unpaid_rent").message


def test_paying_what_is_overdue_lifts_the_block_while_this_months_rent_is_still_in_grace(
    linked_student_file, bordeaux_window, settings
):
    from datetime import timedelta

    from tenancy.ledger import tenant_file_arrears
    from tenancy.rent_payments import payment_record

    tenant_file = _charged_to_date(linked_student_file)
    today = timezone.localdate()  # 2 April: April's rent was due yesterday
    overdue = tenant_file_arrears(
        tenant_file=tenant_file, on=today - timedelta(days=settings.RENEWALS_RENT_GRACE_DAYS)
    )
    assert overdue < tenant_file_arrears(tenant_file=tenant_file, on=today)

    payment_record(
        by=None, tenant_file=tenant_file, amount=overdue, method="cheque", booked_on=today
    )
    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)

    assert check.eligible
    assert check.result("no_unpaid_rent").passed


def test_with_no_grace_period_this_months_unpaid_rent_blocks_too(
    linked_student_file, bordeaux_window, settings
):
    from tenancy.ledger import tenant_file_arrears
    from tenancy.rent_payments import payment_record

    settings.RENEWALS_RENT_GRACE_DAYS = 10
    tenant_file = _charged_to_date(linked_student_file)
    today = timezone.localdate()
    payment_record(
        by=None,
        tenant_file=tenant_file,
        amount=tenant_file_arrears(tenant_file=tenant_file, on=date(2027, 3, 31)),
        method="cheque",
        booked_on=today,
    )
    assert eligibility_check(tenant_file=tenant_file, window=bordeaux_window).eligible

    settings.RENEWALS_RENT_GRACE_DAYS = 0

    check = eligibility_check(tenant_file=tenant_file, window=bordeaux_window)
    assert check.blocking_codes == ["no_unpaid_rent"]
