"""Submitting a renewal: one request per file and window, confirmations queued by email and
SMS with the promised deadline, blocked requests recorded; staff decisions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from crous_admin.errors import ApplicationError, ConflictError
from notifications.models import Channel, Message
from renewals.models import RenewalRequest, RequestStatus
from renewals.services.decisions import renewal_request_decide, renewal_requests_decide_bulk
from renewals.services.submission import renewal_request_submit
from tenants.codes import code_hmac
from tenants.models import TenantFile

pytestmark = pytest.mark.usefixtures("inside_window")


def _submit(tenant_file, **kwargs):
    return renewal_request_submit(tenant_file=tenant_file, by=tenant_file.linked_user, **kwargs)


def test_a_submission_queues_an_email_and_an_sms_due_within_the_promise(
    linked_student_file, bordeaux_window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = _submit(linked_student_file)

    renewal = submission.request
    assert submission.created
    assert renewal.status == RequestStatus.SUBMITTED
    assert renewal.confirmation_deadline == renewal.submitted_at + timedelta(hours=72)
    messages = Message.objects.filter(idempotency_key__startswith=f"renewal-request:{renewal.pk}:")
    assert sorted(m.channel for m in messages) == [Channel.EMAIL, Channel.SMS]
    assert {m.deadline for m in messages} == {renewal.confirmation_deadline}
    # Delivered by the (eager) worker: the student has both
    assert mail.outbox[0].to == [linked_student_file.student.email]
    from notifications import sms

    assert len(sms.outbox) == 1


def test_submitting_twice_gives_the_same_request_and_no_second_confirmation(
    linked_student_file, bordeaux_window
):
    first = _submit(linked_student_file)
    second = _submit(linked_student_file)

    assert second.request.pk == first.request.pk
    assert not second.created
    assert RenewalRequest.objects.count() == 1
    assert Message.objects.count() == 2


def test_a_blocked_request_is_recorded_with_its_reasons_and_unblocks_on_a_later_try(
    linked_student_file, bordeaux_window
):
    bordeaux_window.dse_rule = True
    bordeaux_window.save()
    student = linked_student_file.student
    student.is_scholarship_holder = True
    student.save()

    blocked = _submit(linked_student_file).request

    assert blocked.status == RequestStatus.BLOCKED
    assert blocked.blocked_reasons == ["dse_for_next_year"]
    assert Message.objects.count() == 0
    # When the DSE arrives and the student asks again: the same request, now submitted
    student.dse_submitted_for = 2027
    student.save()
    again = _submit(linked_student_file)
    assert again.request.pk == blocked.pk
    assert again.request.status == RequestStatus.SUBMITTED
    assert again.created  # submitted by this call: the page says "sent", the API 201
    assert Message.objects.count() == 2


def test_a_submission_outside_the_window_is_refused_and_not_recorded(
    linked_student_file, bordeaux_window, time_machine
):
    time_machine.move_to("2027-05-02 00:00:00+02:00", tick=False)

    with pytest.raises(ConflictError) as refused:
        _submit(linked_student_file)

    assert refused.value.code == "renewal_window_closed"
    assert not RenewalRequest.objects.exists()


def test_approval_extends_the_same_file_to_next_year_and_keeps_its_tenant_code(
    linked_student_file, bordeaux_window, bordeaux_officer
):
    TenantFile.objects.filter(pk=linked_student_file.pk).update(code_hmac=code_hmac("ABCD2345EF"))
    renewal = _submit(linked_student_file).request

    renewal_request_decide(renewal_request=renewal, by=bordeaux_officer, approve=True)

    tenant_file = TenantFile.objects.get(pk=linked_student_file.pk)
    assert tenant_file.academic_year == 2027
    assert tenant_file.end_date == date(2028, 6, 30)
    assert tenant_file.code_hmac == code_hmac("ABCD2345EF")
    assert TenantFile.objects.count() == 1
    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.APPROVED
    assert renewal.decided_by == bordeaux_officer
    # The audit trail names who decided and why, on the request and on the file
    latest = renewal.history.latest()
    assert latest.history_user == bordeaux_officer
    assert latest.history_change_reason == "renewal approved"
    assert tenant_file.history.latest().history_change_reason.startswith("renewed for 2027-2028")
    assert Message.objects.filter(idempotency_key=f"renewal-request:{renewal.pk}:decision").exists()


def test_a_refusal_needs_a_reason_and_records_it(
    linked_student_file, bordeaux_window, bordeaux_officer
):
    renewal = _submit(linked_student_file).request

    with pytest.raises(ApplicationError) as refused:
        renewal_request_decide(renewal_request=renewal, by=bordeaux_officer, approve=False)
    assert refused.value.code == "reason_required"

    renewal_request_decide(
        renewal_request=renewal, by=bordeaux_officer, approve=False, reason="Unpaid rent."
    )
    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.REFUSED
    assert renewal.history.latest().history_change_reason == "renewal refused: Unpaid rent."
    assert TenantFile.objects.get(pk=linked_student_file.pk).academic_year == 2026


def test_a_request_is_decided_once(linked_student_file, bordeaux_window, bordeaux_officer):
    renewal = _submit(linked_student_file).request
    renewal_request_decide(renewal_request=renewal, by=bordeaux_officer, approve=True)

    with pytest.raises(ConflictError) as refused:
        renewal_request_decide(renewal_request=renewal, by=bordeaux_officer, approve=True)

    assert refused.value.code == "request_not_pending"


def test_bulk_decisions_decide_what_they_can_and_say_why_for_the_rest(
    linked_student_file, bordeaux_window, bordeaux_officer
):
    from residences.tests.factories import UserFactory
    from tenants.models import TenantFileStatus
    from tenants.tests.factories import TenantFileFactory

    other = TenantFileFactory(
        crous=linked_student_file.crous,
        status=TenantFileStatus.ACTIVE,
        linked_user=UserFactory(),
        linked_at=linked_student_file.linked_at,
    )
    first, second = _submit(linked_student_file).request, _submit(other).request
    renewal_request_decide(renewal_request=second, by=bordeaux_officer, approve=True)

    result = renewal_requests_decide_bulk(
        renewal_requests=[second, first], by=bordeaux_officer, approve=True
    )

    assert result.decided == [first.pk]
    assert list(result.skipped) == [second.pk]


def test_approving_a_request_whose_file_has_ended_since_is_refused_and_changes_nothing(
    linked_student_file, bordeaux_window, bordeaux_officer
):
    from tenants.services import tenant_file_end

    renewal = _submit(linked_student_file).request
    tenant_file_end(by=bordeaux_officer, tenant_file=linked_student_file, reason="left")

    with pytest.raises(ConflictError) as refused:
        renewal_request_decide(renewal_request=renewal, by=bordeaux_officer, approve=True)

    assert refused.value.code == "file_not_current"
    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.SUBMITTED
