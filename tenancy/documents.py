"""Verifiable documents: every tenant-space PDF is stored once with a code and its hash.

``document_issue`` allocates the verification code first (it is printed on the PDF), renders,
hashes the exact bytes and stores them; ``document_verify`` is what the public verification
page asks. Reads of a student's or staff member's documents are in ``tenants.selectors``'
style below (``documents_of_file``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_scopes import scopes_disabled

from tenancy.models import DocumentKind, VerifiableDocument
from tenants.models import Student, TenantFile

# No 0/O, 1/I/L: read aloud or typed from paper without ambiguity. 12 characters from 31
# is ~59 bits: guessing a valid code by trying them is hopeless, and the page is throttled.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalize_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def holder_initials(student: Student) -> str:
    """``L. M.``: enough for the holder of a copy to recognise it, no more."""
    parts = [student.first_name, student.last_name]
    return " ".join(f"{p.strip()[0].upper()}." for p in parts if p.strip())


def document_issue(
    *,
    tenant_file: TenantFile,
    kind: str,
    render: Callable[[str], bytes],
    month: date | None = None,
    now: datetime | None = None,
) -> VerifiableDocument:
    """Renders ``render(code)`` and stores it as a new verifiable document of the file.

    The file is written to storage before the row: a rolled-back transaction leaves an
    orphan file (never a row without its file).
    """
    for _attempt in range(3):
        code = get_random_string(CODE_LENGTH, CODE_ALPHABET)
        pdf = render(code)
        document = VerifiableDocument(
            crous_id=tenant_file.crous_id,
            tenant_file=tenant_file,
            kind=kind,
            code=code,
            month=month,
            sha256=sha256_hex(pdf),
            size=len(pdf),
            holder_initials=holder_initials(tenant_file.student),
            issued_at=now or timezone.now(),
        )
        document.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            if VerifiableDocument.objects.filter(code=code).exists():
                continue  # a code drawn twice: ~2^-59, but cheap to handle
            raise
        return document
    raise RuntimeError("could not draw a free verification code")


def document_read(document: VerifiableDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


@dataclass(frozen=True)
class Verification:
    """What the public page says about a code (``document`` is None for an unknown one)."""

    document: VerifiableDocument | None
    stored_intact: bool = False
    uploaded_sha256: str | None = None

    @property
    def found(self) -> bool:
        return self.document is not None

    @property
    def upload_matches(self) -> bool | None:
        if self.uploaded_sha256 is None or self.document is None:
            return None
        return self.uploaded_sha256 == self.document.sha256


def document_verify(*, code: str, uploaded: bytes | None = None) -> Verification:
    """Looks a code up in every Crous (the page is public) and compares hashes.

    ``stored_intact`` re-hashes the stored file: a file changed on disk behind the
    application's back is reported, not vouched for.
    """
    normalized = normalize_code(code)
    if len(normalized) != CODE_LENGTH:
        return Verification(document=None)
    with scopes_disabled():
        document = (
            VerifiableDocument.objects.select_related("crous").filter(code=normalized).first()
        )
    if document is None:
        return Verification(document=None)
    try:
        stored_intact = sha256_hex(document_read(document)) == document.sha256
    except OSError:
        stored_intact = False
    return Verification(
        document=document,
        stored_intact=stored_intact,
        uploaded_sha256=sha256_hex(uploaded) if uploaded is not None else None,
    )


def documents_of_file(*, tenant_file: TenantFile) -> QuerySet[VerifiableDocument]:
    """The documents a file's holder may download: not the unsigned agreement once signed."""
    return VerifiableDocument.objects.filter(tenant_file=tenant_file).order_by("-issued_at", "-id")


def document_of_student(*, user: object, code: str) -> VerifiableDocument | None:
    """One document of a file linked to ``user``'s account, by its code, or None."""
    return (
        VerifiableDocument.objects.filter(code=normalize_code(code), tenant_file__linked_user=user)
        .select_related("tenant_file")
        .first()
    )


__all__ = ["DocumentKind", "document_issue", "document_verify"]
