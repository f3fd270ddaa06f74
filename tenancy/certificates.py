"""The rent certificate (attestation de loyer) a student gives the CAF for the APL."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from crous_admin.errors import ConflictError
from tenancy.agreements import parties_of, template_for
from tenancy.documents import document_issue
from tenancy.models import DocumentKind, VerifiableDocument
from tenancy.pdf.documents import CertificateData, render_certificate
from tenants.models import TenantFile, TenantFileStatus


def certificate_issue(*, tenant_file: TenantFile, on: date | None = None) -> VerifiableDocument:
    """The file's rent certificate of ``on`` (today): the one issued that day if any, else a
    new one. Rent without charges = the unit's rent minus the Crous' monthly charges."""
    tenant_file = TenantFile.objects.select_related("crous", "student", "unit__residence").get(
        pk=tenant_file.pk
    )
    if tenant_file.status not in (TenantFileStatus.ACTIVE, TenantFileStatus.ASSIGNED):
        raise ConflictError(
            _("This tenant file is not current: no rent certificate can be issued for it."),
            code="file_not_current",
        )
    on = on or timezone.localdate(timezone=tenant_file.crous.time_zone)
    same_day = (
        VerifiableDocument.objects.filter(
            tenant_file=tenant_file, kind=DocumentKind.RENT_CERTIFICATE, month=on
        )
        .order_by("-id")
        .first()
    )
    if same_day is not None:
        return same_day
    rent = tenant_file.unit.monthly_rent
    charges = min(template_for(tenant_file.crous).monthly_charges, rent)
    data = CertificateData(
        parties=parties_of(tenant_file),
        rent_without_charges=rent - charges,
        charges=charges,
        start_date=tenant_file.start_date,
        end_date=tenant_file.end_date,
        apl_eligible=tenant_file.unit.apl_eligible,
        on=on,
    )
    # ``month`` holds the certificate's day: one per file and day is enough.
    return document_issue(
        tenant_file=tenant_file,
        kind=DocumentKind.RENT_CERTIFICATE,
        month=on,
        render=lambda code: render_certificate(data, code=code),
    )
