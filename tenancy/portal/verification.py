"""The public page that checks a tenant-space document is genuine and unchanged.

Anyone holding a document (a CAF agent, a landlord, the student) types its code, and may
upload the PDF to compare its SHA-256 with the stored one. The page shows only the kind,
date, Crous and the holder's initials. Throttled per IP address: codes cannot be
enumerated, and hashing uploads costs CPU.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import SimpleRateThrottle

from tenancy.documents import document_verify
from tenancy.portal.forms import VerificationForm

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class VerificationThrottle(SimpleRateThrottle):
    """Rate ``document_verification`` (settings), per client IP, in the shared cache."""

    scope = "document_verification"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "code" in request.GET else None)
    )
    form = VerificationForm(data, request.FILES or None)
    verification = None
    status = 200
    if data is not None:
        throttle = VerificationThrottle()
        if not throttle.allow_request(request, None):
            form = VerificationForm()
            return render(
                request,
                "tenancy/portal/verification.html",
                {
                    "form": form,
                    "throttled": True,
                    "wait": int(throttle.wait() or 60),
                    "title": _("Check a document"),
                },
                status=429,
            )
        if form.is_valid():
            upload = form.cleaned_data.get("pdf")
            uploaded = None
            if upload is not None:
                if upload.size > MAX_UPLOAD_BYTES:
                    form.add_error("pdf", _("This file is too large to be one of our documents."))
                else:
                    uploaded = upload.read()
            if not form.errors:
                verification = document_verify(code=form.cleaned_data["code"], uploaded=uploaded)
                if not verification.found:
                    status = 404
    return render(
        request,
        "tenancy/portal/verification.html",
        {"form": form, "verification": verification, "title": _("Check a document")},
        status=status,
    )
