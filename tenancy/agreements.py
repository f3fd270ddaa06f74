"""Occupancy agreements: generated from the Crous' template, signed online by the student.

``agreement_prepare`` generates the PDF to sign once per file (its SHA-256 is what the
signature covers); ``agreement_sign`` checks the consent, the typed name and that the
student signs the very document they were shown, then stores the signed PDF.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crous_admin.errors import ApplicationError, ConflictError
from crous_admin.history import record_author
from tenancy.documents import document_issue
from tenancy.models import AgreementTemplate, DocumentKind, OccupancyAgreement
from tenancy.pdf.documents import AgreementData, Parties, Signature, render_agreement
from tenancy.pdf.layout import in_document_language
from tenants.models import TenantFile, TenantFileStatus

if TYPE_CHECKING:
    from crous_admin.accounts.models import User
    from residences.models import Crous

CONSENT_TEXT = gettext_lazy("I have read and accept this occupancy agreement and the house rules.")


def template_for(crous: Crous) -> AgreementTemplate:
    """The Crous' agreement template, or the default texts (unsaved) when it has none."""
    template = AgreementTemplate.objects.filter(crous=crous).first()
    return template or AgreementTemplate(crous=crous)


def parties_of(tenant_file: TenantFile) -> Parties:
    student, unit, crous = tenant_file.student, tenant_file.unit, tenant_file.crous
    residence = unit.residence
    return Parties(
        crous_name=crous.name,
        crous_email=crous.contact_email,
        student_name=f"{student.first_name} {student.last_name.upper()}",
        student_ine=student.ine,
        residence=residence.name,
        unit=unit.number,
        unit_type=str(unit.get_unit_type_display()),
        address=f"{residence.address}, {residence.postal_code} {residence.city}",
    )


def _file_with_relations(tenant_file_id: int) -> TenantFile:
    return TenantFile.objects.select_related("crous", "student", "unit__residence").get(
        pk=tenant_file_id
    )


def _terms(tenant_file: TenantFile) -> AgreementData:
    """What the agreement states today: the file, its unit and the Crous' template."""
    template = template_for(tenant_file.crous)
    with in_document_language():  # the default texts are translatable: French, as the PDF
        return AgreementData(
            parties=parties_of(tenant_file),
            monthly_rent=tenant_file.unit.monthly_rent,
            start_date=tenant_file.start_date,
            end_date=tenant_file.end_date,
            clauses=str(template.clauses),
            house_rules=str(template.house_rules),
        )


def _digest(data: AgreementData) -> str:
    # A frozen dataclass of strings, dates and decimals: its repr is stable.
    return hashlib.sha256(repr(data).encode()).hexdigest()


@transaction.atomic
def agreement_prepare(
    *, tenant_file: TenantFile, now: datetime | None = None
) -> OccupancyAgreement:
    """The file's agreement, generating its PDF the first time (safe to call again).

    Until it is signed, the agreement follows the file: when what it states changed (rent,
    unit, period, the Crous' texts), a new PDF is generated, with a new hash, and a student
    holding the old one is asked to read it again before signing. The tenant file row is
    locked so that two first visits at once generate one agreement.
    """
    TenantFile.objects.select_for_update(of=("self",)).filter(pk=tenant_file.pk).first()
    existing = OccupancyAgreement.objects.filter(tenant_file_id=tenant_file.pk).first()
    if existing is not None and existing.is_signed:
        return existing
    tenant_file = _file_with_relations(tenant_file.pk)
    data = _terms(tenant_file)
    digest = _digest(data)
    if existing is not None and existing.terms_digest == digest:
        return existing
    now = now or timezone.now()
    document = document_issue(
        tenant_file=tenant_file,
        kind=DocumentKind.AGREEMENT,
        render=lambda code: render_agreement(data, code=code),
        now=now,
    )
    agreement = existing or OccupancyAgreement(
        crous_id=tenant_file.crous_id, tenant_file=tenant_file
    )
    agreement.document = document
    agreement.document_sha256 = document.sha256
    agreement.monthly_rent = data.monthly_rent
    agreement.clauses = data.clauses
    agreement.house_rules = data.house_rules
    agreement.terms_digest = digest
    agreement.generated_at = now
    record_author(agreement, None, "agreement regenerated" if existing else "agreement generated")
    agreement.save()
    return agreement


def _name_key(name: str) -> str:
    """Case, accents, hyphens and spacing do not matter: "lea martin" signs "Léa MARTIN"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("-", " ").replace("'", " "))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.casefold().split())


def expected_signature_name(tenant_file: TenantFile) -> str:
    return f"{tenant_file.student.first_name} {tenant_file.student.last_name}"


@transaction.atomic
def agreement_sign(
    *,
    tenant_file: TenantFile,
    user: User,
    consent: bool,
    typed_name: str,
    document_sha256: str,
    ip: str,
    now: datetime | None = None,
) -> OccupancyAgreement:
    """Signs the file's agreement for the student whose account is linked to it.

    Refused unless ``consent`` is given, ``typed_name`` is the student's name and
    ``document_sha256`` is the hash of the agreement generated for the file (the student
    signs what they were shown, nothing else). Signing twice is a conflict.
    """
    if tenant_file.linked_user_id != user.pk:
        raise ApplicationError(_("Not found."), code="not_found", status=404)
    if tenant_file.status not in (TenantFileStatus.ACTIVE, TenantFileStatus.ASSIGNED):
        raise ConflictError(
            _("This tenant file has ended: its agreement can no longer be signed."),
            code="file_not_current",
        )
    agreement = (
        OccupancyAgreement.objects.select_for_update(of=("self",))
        .filter(tenant_file_id=tenant_file.pk)
        .first()
    )
    if agreement is None:
        raise ConflictError(
            _("Open the agreement and read it before signing it."), code="agreement_not_ready"
        )
    if agreement.is_signed:
        raise ConflictError(
            _("This agreement is already signed: download the signed copy from your tenant space."),
            code="agreement_already_signed",
        )
    if not consent:
        raise ApplicationError(
            _("Tick the box to say you have read and accept the agreement."),
            code="consent_required",
            field="consent",
        )
    tenant_file = _file_with_relations(tenant_file.pk)
    expected = expected_signature_name(tenant_file)
    if _name_key(typed_name) != _name_key(expected):
        raise ApplicationError(
            _("Type your first name and last name exactly as on the agreement: %(name)s.")
            % {"name": expected},
            code="name_mismatch",
            field="typed_name",
        )
    if document_sha256.strip().lower() != agreement.document_sha256:
        raise ConflictError(
            _("The agreement you read is not the current one: open it again, then sign."),
            code="agreement_changed",
            field="document_sha256",
        )
    data = _terms(tenant_file)
    if _digest(data) != agreement.terms_digest:
        # The file or the template changed since the student opened the agreement: the page
        # (agreement_prepare) generates the current one, to read before signing.
        raise ConflictError(
            _("The agreement you read is not the current one: open it again, then sign."),
            code="agreement_changed",
        )
    now = now or timezone.now()
    signature = Signature(
        name=typed_name.strip(),
        signed_at=now,
        ip=ip,
        document_sha256=agreement.document_sha256,
        time_zone=str(tenant_file.crous.time_zone),
    )
    signed = document_issue(
        tenant_file=tenant_file,
        kind=DocumentKind.SIGNED_AGREEMENT,
        render=lambda code: render_agreement(data, code=code, signature=signature),
        now=now,
    )
    agreement.signed_at = now
    agreement.signed_by = user
    agreement.signed_name = signature.name
    agreement.signed_ip = ip
    agreement.consent_text = str(CONSENT_TEXT)
    agreement.signed_document = signed
    record_author(agreement, user, "agreement signed")
    agreement.save()
    return agreement
