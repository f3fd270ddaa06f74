"""The three kinds of tenant-space PDF: agreement (signed or not), receipt, certificate.

Each takes a frozen dataclass (what the document states) and the verification code, and
returns PDF bytes; none reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from tenancy.pdf.layout import (
    STYLES,
    Letterhead,
    escape,
    euros,
    facts_table,
    in_document_language,
    long_date,
    paragraphs,
    render,
)


@dataclass(frozen=True)
class Parties:
    """Who and what every document names."""

    crous_name: str
    crous_email: str
    student_name: str
    student_ine: str
    residence: str
    unit: str
    unit_type: str
    address: str


@dataclass(frozen=True)
class AgreementData:
    parties: Parties
    monthly_rent: Decimal
    start_date: date
    end_date: date
    clauses: str
    house_rules: str


@dataclass(frozen=True)
class Signature:
    name: str
    signed_at: datetime
    ip: str
    document_sha256: str
    time_zone: str


@dataclass(frozen=True)
class ReceiptData:
    parties: Parties
    month: date
    rent_charged: Decimal
    charges_included: Decimal
    paid_on: date


@dataclass(frozen=True)
class CertificateData:
    parties: Parties
    rent_without_charges: Decimal
    charges: Decimal
    start_date: date
    end_date: date
    apl_eligible: bool
    on: date


def _head(parties: Parties, title: str, code: str) -> Letterhead:
    return Letterhead(
        crous_name=parties.crous_name, crous_email=parties.crous_email, title=title, code=code
    )


def _parties_rows(parties: Parties) -> list[tuple[str, str]]:
    return [
        (_("Student"), f"{parties.student_name} (INE {parties.student_ine})"),
        (_("Residence"), parties.residence),
        (_("Housing unit"), f"{parties.unit} — {parties.unit_type}"),
        (_("Address"), parties.address),
    ]


def render_agreement(
    data: AgreementData, *, code: str, signature: Signature | None = None
) -> bytes:
    """The occupancy agreement; with ``signature``, followed by how it was signed."""
    with in_document_language():
        title = _("Occupancy agreement")
        p = data.parties
        story: list[Flowable] = [
            Paragraph(
                escape(
                    _(
                        "Between the %(crous)s and the student named below, for the housing "
                        "unit and the period below."
                    )
                    % {"crous": p.crous_name}
                ),
                STYLES["body"],
            ),
            Spacer(1, 3 * mm),
            facts_table(
                [
                    *_parties_rows(p),
                    (
                        _("Period"),
                        _("From %(start)s to %(end)s")
                        % {"start": long_date(data.start_date), "end": long_date(data.end_date)},
                    ),
                    (_("Monthly rent, charges included"), euros(data.monthly_rent)),
                ]
            ),
            Paragraph(escape(_("Terms")), STYLES["h2"]),
            *paragraphs(data.clauses),
            Paragraph(escape(_("House rules")), STYLES["h2"]),
            *paragraphs(data.house_rules),
        ]
        if signature is None:
            story += [
                Paragraph(escape(_("Signature")), STYLES["h2"]),
                Paragraph(
                    escape(
                        _(
                            "Not signed yet. The student signs this agreement online, in "
                            "their tenant space."
                        )
                    ),
                    STYLES["body"],
                ),
            ]
        else:
            signed_at = timezone.localtime(signature.signed_at, ZoneInfo(signature.time_zone))
            story += [
                Paragraph(escape(_("Electronic signature")), STYLES["h2"]),
                facts_table(
                    [
                        (_("Signed by"), signature.name),
                        (
                            _("Signed on"),
                            f"{date_format(signed_at, 'j F Y, H:i:s')} ({signature.time_zone})",
                        ),
                        (_("From IP address"), signature.ip),
                        (_("SHA-256 of the agreement signed"), signature.document_sha256),
                    ]
                ),
                Spacer(1, 2 * mm),
                Paragraph(
                    escape(
                        _(
                            "The student ticked “I have read and accept this occupancy "
                            "agreement and the house rules” and typed their name. The hash "
                            "above identifies the exact document they were shown."
                        )
                    ),
                    STYLES["small"],
                ),
            ]
        return render(_head(p, title, code), story)


def render_receipt(data: ReceiptData, *, code: str) -> bytes:
    """The rent receipt (quittance de loyer) of one fully paid month."""
    with in_document_language():
        p = data.parties
        month = date_format(data.month, "F Y")
        title = _("Rent receipt — %(month)s") % {"month": month}
        rent_only = data.rent_charged - data.charges_included
        story: list[Flowable] = [
            Paragraph(
                escape(
                    _(
                        "The %(crous)s acknowledges receipt from %(student)s of the sum of "
                        "%(amount)s for the rent and charges of %(month)s, and gives this "
                        "receipt, subject to all its rights."
                    )
                    % {
                        "crous": p.crous_name,
                        "student": p.student_name,
                        "amount": euros(data.rent_charged),
                        "month": month,
                    }
                ),
                STYLES["body"],
            ),
            Spacer(1, 3 * mm),
            facts_table(
                [
                    *_parties_rows(p),
                    (_("Month"), month),
                    (_("Rent without charges"), euros(rent_only)),
                    (_("Charges"), euros(data.charges_included)),
                    (_("Total paid"), euros(data.rent_charged)),
                    (_("Fully paid on"), long_date(data.paid_on)),
                ]
            ),
            Spacer(1, 4 * mm),
            Paragraph(
                escape(
                    _(
                        "This receipt cancels any receipt given before for the same month. "
                        "It does not prove payment of earlier months."
                    )
                ),
                STYLES["small"],
            ),
        ]
        return render(_head(p, title, code), story)


def render_certificate(data: CertificateData, *, code: str) -> bytes:
    """The rent certificate (attestation de loyer) for the CAF housing-aid request."""
    with in_document_language():
        p = data.parties
        title = _("Rent certificate")
        story: list[Flowable] = [
            Paragraph(
                escape(
                    _(
                        "The %(crous)s certifies that the student named below rents the "
                        "housing unit below, on the following terms. Certificate drawn up "
                        "for a housing aid (APL) request to the CAF."
                    )
                    % {"crous": p.crous_name}
                ),
                STYLES["body"],
            ),
            Spacer(1, 3 * mm),
            facts_table(
                [
                    *_parties_rows(p),
                    (_("Tenant since"), long_date(data.start_date)),
                    (_("Agreement ends on"), long_date(data.end_date)),
                    (_("Monthly rent without charges"), euros(data.rent_without_charges)),
                    (_("Monthly charges"), euros(data.charges)),
                    (
                        _("Monthly total"),
                        euros(data.rent_without_charges + data.charges),
                    ),
                    (
                        _("Unit eligible for the APL"),
                        _("Yes") if data.apl_eligible else _("No"),
                    ),
                ]
            ),
            Spacer(1, 4 * mm),
            Paragraph(
                escape(_("Made on %(date)s, to serve as required.") % {"date": long_date(data.on)}),
                STYLES["body"],
            ),
        ]
        return render(_head(p, title, code), story)
