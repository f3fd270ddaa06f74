"""Helpers shared by the tenant-space tests."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tenancy.documents import document_read


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF; fails unless ``data`` is one."""
    assert data[:5] == b"%PDF-", data[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def document_text(document: object) -> str:
    return pdf_text(document_read(document))  # type: ignore[arg-type]


def sign_payload(tenant_file: object, agreement: object) -> dict[str, object]:
    student = tenant_file.student  # type: ignore[attr-defined]
    return {
        "consent": True,
        "typed_name": f"{student.first_name} {student.last_name}",
        "document_sha256": agreement.document_sha256,  # type: ignore[attr-defined]
    }
