"""The payment confirmation email, and the periodic job behind the monthly charges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from crous_admin.schedule import BEAT_SCHEDULE
from notifications.models import Message
from notifications.rendering import render_email
from tenancy.rent_payments import payment_record
from tenancy.tasks import generate_monthly_charges
from tenants.models import TenantFileStatus
from tenants.tests.factories import TenantFileFactory


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Votre paiement de 260,00 € (Chèque"), ("en", "Your payment of 260,00 € (Cheque")],
)
def test_the_payment_confirmation_reads_in_the_students_language(
    linked_student_file, bordeaux_officer, language, expected
):
    linked_student_file.linked_user.preferred_language = language
    linked_student_file.linked_user.save()
    with time_machine.travel("2026-09-10 10:00:00+02:00"):
        entry = payment_record(
            by=bordeaux_officer,
            tenant_file=linked_student_file,
            amount=Decimal("260.00"),
            method="cheque",
            booked_on=date(2026, 9, 5),
        )
    message = Message.objects.get(idempotency_key=f"rent-payment:{entry.pk}")

    assert message.language == language
    email = render_email(
        template_key=message.template_key,
        language=message.language,
        context=message.context,
        crous=linked_student_file.crous,
    )

    assert expected in email.text
    assert "/logement/" in email.text
    assert "260,00" in email.subject


def test_the_charge_job_is_declared_hourly_and_charges_every_current_file(bordeaux):
    tenant_file = TenantFileFactory(crous=bordeaux, status=TenantFileStatus.ACTIVE)

    with time_machine.travel("2026-10-01 08:00:00+02:00"):
        added = generate_monthly_charges.delay().get()

    assert (
        BEAT_SCHEDULE["tenancy-monthly-charges"]["task"] == "tenancy.tasks.generate_monthly_charges"
    )
    assert added == 2
    assert tenant_file.ledger_entries.count() == 2
