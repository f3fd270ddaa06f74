"""Page layout shared by every tenant-space PDF.

Fonts: reportlab's built-in Helvetica, whose WinAnsi encoding covers French (accents, «»,
œ, ’) and the euro sign; nothing to embed, nothing to install. Documents are written in
French whatever the reader's language: the CAF and the Crous read them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

DOCUMENT_LANGUAGE = "fr"
BLUE = colors.HexColor("#000091")  # the French State's blue (DSFR "bleu France")

_styles = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle(
        "title",
        parent=_styles["Title"],
        fontName="Helvetica-Bold",
        fontSize=17,
        leading=21,
        textColor=BLUE,
        spaceAfter=4 * mm,
        alignment=0,
    ),
    "h2": ParagraphStyle(
        "h2",
        parent=_styles["Heading2"],
        fontName="Helvetica-Bold",
        fontSize=12,
        leading=15,
        spaceBefore=4 * mm,
        spaceAfter=2 * mm,
    ),
    "body": ParagraphStyle(
        "body", parent=_styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14
    ),
    "small": ParagraphStyle(
        "small",
        parent=_styles["BodyText"],
        fontName="Helvetica",
        fontSize=8,
        leading=10,
        textColor=colors.HexColor("#3a3a3a"),
    ),
    "right": ParagraphStyle(
        "right", parent=_styles["BodyText"], fontName="Helvetica", fontSize=10, alignment=TA_RIGHT
    ),
}


def in_document_language() -> Any:
    """Documents are in French whatever the reader's language (the CAF reads them)."""
    return translation.override(DOCUMENT_LANGUAGE)


def euros(amount: Decimal) -> str:
    """``1 234,50 €``: French grouping with a plain space (Helvetica has no narrow one)."""
    quantized = f"{amount.quantize(Decimal('0.01')):,.2f}"
    return quantized.replace(",", " ").replace(".", ",") + " €"


def long_date(value: date) -> str:
    return date_format(value, "j F Y")


def verification_url(code: str) -> str:
    return f"{settings.SITE_URL}{reverse('document_verification')}?code={code}"


def escape(text: str) -> str:
    """Text for a reportlab Paragraph, which reads a small subset of XML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paragraphs(text: str, style: str = "body") -> list[Flowable]:
    """One Paragraph per blank-line-separated block of a staff-edited text."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [Paragraph(escape(b).replace("\n", "<br/>"), STYLES[style]) for b in blocks]


def facts_table(rows: Sequence[tuple[str, str]]) -> Table:
    """Label / value rows, labels in bold."""
    data = [
        [Paragraph(f"<b>{escape(k)}</b>", STYLES["body"]), Paragraph(escape(v), STYLES["body"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=[60 * mm, 110 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


@dataclass(frozen=True)
class Letterhead:
    crous_name: str
    crous_email: str
    title: str
    code: str  # the verification code, printed on every page


def _code_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _page_decorations(head: Letterhead) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFillColor(BLUE)
        canvas.rect(0, height - 8 * mm, width, 8 * mm, stroke=0, fill=1)
        canvas.setFont("Helvetica-Bold", 10)
        canvas.setFillColor(colors.black)
        canvas.drawString(20 * mm, height - 16 * mm, head.crous_name)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(20 * mm, height - 20 * mm, head.crous_email)
        canvas.setStrokeColor(colors.HexColor("#dddddd"))
        canvas.line(20 * mm, 22 * mm, width - 20 * mm, 22 * mm)
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#3a3a3a"))
        canvas.drawString(
            20 * mm,
            17 * mm,
            _("Verification code: %(code)s — check this document at %(url)s")
            % {"code": _code_display(head.code), "url": verification_url(head.code)},
        )
        canvas.drawRightString(
            width - 20 * mm, 12 * mm, _("Page %(number)s") % {"number": doc.page}
        )
        canvas.restoreState()

    return draw


def render(head: Letterhead, story: list[Flowable]) -> bytes:
    """The PDF of ``story`` under ``head``, as bytes.

    ``invariant`` leaves out the creation date and random file id: the same input gives
    the same bytes, which the tests and the verification page rely on.
    """
    buffer = io.BytesIO()
    with in_document_language():
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=28 * mm,
            bottomMargin=28 * mm,
            title=head.title,
            author=head.crous_name,
            creator="crous-admin",
            invariant=1,
        )
        decorate = _page_decorations(head)
        doc.build(
            [Paragraph(escape(head.title), STYLES["title"]), Spacer(1, 2 * mm), *story],
            onFirstPage=decorate,
            onLaterPages=decorate,
        )
    return buffer.getvalue()
