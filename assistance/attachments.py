"""What a ticket attachment may be: a PDF, JPEG or PNG of at most 5 MB, three per message.

Three checks that must all agree, because each alone is easy to fake: the file name's
extension, the content type the browser declared, and the first bytes of the content.
Files are stored under ``MEDIA_ROOT/assistance/<ticket>/`` with a random name and are
served only through ``assistance.portal.views.attachment_download``, which checks that the
viewer may see the ticket (never by the web server's media URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from crous_admin.errors import ApplicationError

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]
    magic: tuple[bytes, ...]


KINDS = (
    Kind("application/pdf", (".pdf",), (b"%PDF-",)),
    Kind("image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    Kind("image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
)
ACCEPT = ",".join(ext for kind in KINDS for ext in kind.extensions)


def _refuse(name: str, reason: str) -> ApplicationError:
    return ApplicationError(
        _("%(name)s: %(reason)s Accepted: PDF, JPEG or PNG, up to 5 MB, three files at most.")
        % {"name": name, "reason": reason},
        code="attachment_refused",
        field="attachments",
    )


def attachments_validate(uploads: list[UploadedFile]) -> list[tuple[UploadedFile, Kind]]:
    """Each upload with its kind, or ``ApplicationError`` naming the first file refused."""
    if len(uploads) > MAX_FILES:
        raise ApplicationError(
            _("Three attachments at most per message."),
            code="attachment_refused",
            field="attachments",
        )
    checked = []
    for upload in uploads:
        name = PurePath(upload.name or "").name[:200] or "?"
        if upload.size is None or upload.size > MAX_BYTES:
            raise _refuse(name, _("the file is too large."))
        if upload.size == 0:
            raise _refuse(name, _("the file is empty."))
        extension = PurePath(name).suffix.lower()
        kind = next((k for k in KINDS if extension in k.extensions), None)
        if kind is None:
            raise _refuse(name, _("this type of file is not accepted."))
        declared = (upload.content_type or "").split(";")[0].strip().lower()
        if declared and declared not in (kind.content_type, "application/octet-stream"):
            raise _refuse(name, _("the file's type does not match its name."))
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in kind.magic):
            raise _refuse(name, _("the file's content does not match its name."))
        checked.append((upload, kind))
    return checked
