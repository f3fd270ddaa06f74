"""Occupancy agreements: generated from the Crous' template, signed by the student."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crous_admin.errors import ApplicationError, ConflictError
from residences.tests.factories import UserFactory
from tenancy.agreements import agreement_prepare, agreement_sign
from tenancy.documents import document_read, sha256_hex
from tenancy.models import AgreementTemplate, DocumentKind
from tenancy.tests.pdf_reading import document_text

SIGNED_AT = datetime(2026, 9, 3, 8, 15, tzinfo=UTC)


@pytest.fixture
def agreement(linked_student_file):
    return agreement_prepare(tenant_file=linked_student_file)


def _sign(tenant_file, agreement, **overrides):
    student = tenant_file.student
    kwargs = {
        "tenant_file": tenant_file,
        "user": tenant_file.linked_user,
        "consent": True,
        "typed_name": f"{student.first_name} {student.last_name}",
        "document_sha256": agreement.document_sha256,
        "ip": "203.0.113.7",
        "now": SIGNED_AT,
    }
    return agreement_sign(**{**kwargs, **overrides})


def test_the_agreement_is_generated_once_from_the_crous_template(linked_student_file):
    AgreementTemplate.objects.create(
        crous=linked_student_file.crous,
        house_rules="Les vélos se rangent au local prévu à cet effet.",
    )

    first = agreement_prepare(tenant_file=linked_student_file)
    again = agreement_prepare(tenant_file=linked_student_file)

    assert first.pk == again.pk
    assert linked_student_file.documents.filter(kind=DocumentKind.AGREEMENT).count() == 1
    text = document_text(first.document)
    assert "Les vélos se rangent au local prévu" in text
    assert linked_student_file.unit.number in text
    assert "260,00 €" in text
    assert first.document_sha256 == sha256_hex(document_read(first.document))


def test_a_crous_without_a_template_gets_the_default_texts_in_french(agreement):
    assert agreement.house_rules.startswith("Silence de 22 h à 7 h.")
    assert "Silence de 22 h à 7 h." in document_text(agreement.document)


def test_signing_records_name_time_ip_and_the_hash_of_the_document_signed(
    linked_student_file, agreement
):
    signed = _sign(linked_student_file, agreement)

    assert signed.signed_at == SIGNED_AT
    assert signed.signed_ip == "203.0.113.7"
    assert signed.signed_by == linked_student_file.linked_user
    assert signed.document_sha256 == agreement.document.sha256
    assert signed.signed_document.kind == DocumentKind.SIGNED_AGREEMENT
    text = document_text(signed.signed_document)
    assert agreement.document_sha256 in text.replace("\n", "")
    assert "203.0.113.7" in text
    assert signed.history.latest().history_user == linked_student_file.linked_user


def test_the_typed_name_may_differ_in_case_and_accents(linked_student_file):
    student = linked_student_file.student
    student.first_name, student.last_name = "Léa", "Martin-Dupré"
    student.save()
    agreement = agreement_prepare(tenant_file=linked_student_file)

    signed = _sign(linked_student_file, agreement, typed_name="  lea   MARTIN dupre ")

    assert signed.is_signed


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"consent": False}, "consent_required"),
        ({"typed_name": "Someone Else"}, "name_mismatch"),
        ({"document_sha256": "0" * 64}, "agreement_changed"),
    ],
)
def test_signing_is_refused_without_consent_the_right_name_or_the_current_document(
    linked_student_file, agreement, overrides, code
):
    with pytest.raises(ApplicationError) as refused:
        _sign(linked_student_file, agreement, **overrides)

    assert refused.value.code == code
    agreement.refresh_from_db()
    assert not agreement.is_signed


def test_another_account_cannot_sign_the_file(linked_student_file, agreement):
    with pytest.raises(ApplicationError) as refused:
        _sign(linked_student_file, agreement, user=UserFactory())

    assert refused.value.status == 404


def test_an_agreement_is_signed_once(linked_student_file, agreement):
    _sign(linked_student_file, agreement)

    with pytest.raises(ConflictError) as refused:
        _sign(linked_student_file, agreement)

    assert refused.value.code == "agreement_already_signed"


def test_the_student_signs_on_the_agreement_page_and_the_housing_page_stops_asking(
    client, linked_student_file, linked_student
):
    client.force_login(linked_student)
    housing = client.get(reverse("tenants_portal:housing"))
    assert f'id="next-step-agreement-{linked_student_file.pk}"' in housing.content.decode()

    url = reverse("tenants_portal:agreement", args=[linked_student_file.pk])
    page = client.get(url)
    agreement = page.context["agreement"]
    student = linked_student_file.student
    response = client.post(
        url,
        {
            "consent": "on",
            "typed_name": f"{student.first_name} {student.last_name}",
            "document_sha256": agreement.document_sha256,
        },
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.signed_ip == "198.51.100.4"
    housing = client.get(reverse("tenants_portal:housing"))
    assert "next-step-agreement" not in housing.content.decode()


def test_a_refused_signature_shows_on_the_form(client, linked_student_file, linked_student):
    client.force_login(linked_student)
    url = reverse("tenants_portal:agreement", args=[linked_student_file.pk])
    agreement = client.get(url).context["agreement"]

    response = client.post(
        url,
        {"typed_name": "Quelqu'un", "document_sha256": agreement.document_sha256, "consent": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["typed_name"]


def test_another_students_agreement_page_is_a_404(client, linked_student_file, unlinked_student):
    client.force_login(unlinked_student)

    response = client.get(reverse("tenants_portal:agreement", args=[linked_student_file.pk]))

    assert response.status_code == 404


def test_until_signed_the_agreement_follows_a_change_of_rent_and_the_old_one_is_refused(
    linked_student_file, agreement
):
    unit = linked_student_file.unit
    unit.monthly_rent = Decimal("275.00")
    unit.save()

    current = agreement_prepare(tenant_file=linked_student_file)

    assert current.pk == agreement.pk
    assert current.document_sha256 != agreement.document_sha256
    assert "275,00 €" in document_text(current.document)
    with pytest.raises(ConflictError) as refused:
        _sign(linked_student_file, current, document_sha256=agreement.document_sha256)
    assert refused.value.code == "agreement_changed"
    assert _sign(linked_student_file, current).is_signed


def test_a_change_the_student_has_not_seen_yet_refuses_the_signature(
    linked_student_file, agreement
):
    AgreementTemplate.objects.create(crous=linked_student_file.crous, house_rules="Nouveau.")

    with pytest.raises(ConflictError) as refused:
        _sign(linked_student_file, agreement)

    assert refused.value.code == "agreement_changed"


def test_a_signed_agreement_is_never_regenerated(linked_student_file, agreement):
    signed = _sign(linked_student_file, agreement)
    unit = linked_student_file.unit
    unit.monthly_rent = Decimal("275.00")
    unit.save()

    again = agreement_prepare(tenant_file=linked_student_file)

    assert again.document_sha256 == signed.document_sha256
    assert again.signed_document_id == signed.signed_document_id
