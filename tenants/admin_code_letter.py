"""The printable letter of a tenant code handed over in person: the only page that shows a
plain code (on the add form with "hand the code over in person", and the hand-over action)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from tenants import code_services
from tenants.admin_code_state import TenantFileCodeStateMixin, local_datetime
from tenants.models import CodeDelivery

# --- The admin mixin -------------------------------------------------------------------------

Perform = Callable[[Any], HttpResponse]


class TenantFileCodeLetterMixin(TenantFileCodeStateMixin):
    """Prints the code letter after adding a file whose code is handed over in person."""

    code_letter_template = "admin/tenants/tenantfile/code_letter.html"

    # Provided by ModelAdmin.
    log_change: Callable[..., Any]
    message_user: Callable[..., Any]

    # --- Adding a file with "hand over in person" --------------------------------------------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The add form issued the code while validating; ``response_add`` (which is not
        # given the form) prints it. Kept on this request only, never stored.
        issued = getattr(form, "issued", None)
        if issued is not None and issued.tenant_file.code_delivery == CodeDelivery.HAND_OVER:
            request._tenant_code_to_print = issued  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        issued = getattr(request, "_tenant_code_to_print", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)  # type: ignore[misc]
        self.log_change(request, obj, gettext("Tenant code issued to hand over in person."))
        self.message_user(
            request,
            gettext("The tenant file was created. Print this letter and give it to the student."),
            messages.SUCCESS,
        )
        return self._letter(request, issued)

    # --- The printable letter ----------------------------------------------------------------

    def _letter(self, request: HttpRequest, issued: code_services.IssuedCode) -> HttpResponse:
        tenant_file = issued.tenant_file
        crous = tenant_file.crous
        unit = tenant_file.unit
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": tenant_file,
            "title": gettext("Tenant code letter"),
            "crous": crous,
            "student": tenant_file.student,
            "unit": unit,
            "residence": unit.residence,
            "code_groups": issued.display.split("-"),
            "code_display": issued.display,
            "expires_at": local_datetime(tenant_file.code_expires_at, crous),
            "issued_at": local_datetime(tenant_file.code_issued_at, crous),
            "change_url": self._change_url(tenant_file),
        }
        response = TemplateResponse(request, self.code_letter_template, context)
        # The only place the plain code is ever shown: keep it out of every cache.
        add_never_cache_headers(response)
        return response
