"""Student pages of the housing section ("Housing (in a Crous residence)")."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crous_admin.client_ip import client_ip
from residences.models import Crous
from tenants.code_redemption import CodeRefused, tenant_code_redeem
from tenants.portal.forms import TenantCodeForm
from tenants.selectors import crous_to_contact_about_a_code, tenant_files_of_student

# Which help a refusal gets beside its message; any other refusal is about what was typed
# (an INE, a password, a wrong length…) and gets "what a code looks like, where it comes from".
_HELP_OF_REFUSAL = {
    "code_wrong": "wrong",
    "code_entry_blocked": "blocked",
    "too_many_attempts_from_ip": "blocked",
    "code_expired": "expired",
    "code_already_used": "already_used",
    "file_ended": "ended",
}
_INPUT_HELP = "input"
# Helps that tell the student to write to their Crous (Assistance is not open yet).
_CONTACT_THE_CROUS = {"expired", "already_used", "ended"}


@cache
def housing_page_sections() -> dict[str, Callable[..., dict[int, Any]]]:
    """The sections other apps add under each file (renewals: the renewal box), by the
    dotted paths of ``settings.HOUSING_PAGE_SECTIONS``: this app imports none of them."""
    return {
        name: import_string(path)
        for name, path in getattr(settings, "HOUSING_PAGE_SECTIONS", {}).items()
    }


@login_required
def housing(request: HttpRequest) -> HttpResponse:
    """Page "I consult my file": the student's own tenant files, or how to get one linked.

    Everything the page shows is read here, none of it from the templates."""
    tenant_files = list(tenant_files_of_student(user=request.user))
    sections = {
        name: read(tenant_files=tenant_files) for name, read in housing_page_sections().items()
    }
    for tenant_file in tenant_files:
        tenant_file.sections = {  # type: ignore[attr-defined]
            name: boxes.get(tenant_file.pk) for name, boxes in sections.items()
        }
    return render(
        request,
        "tenants/portal/housing.html",
        {"tenant_files": tenant_files, "title": _("I consult my file")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tenant_code(request: HttpRequest) -> HttpResponse:
    """Page "I have an activation code": the code links the account to the accommodation.

    A refusal is shown on the field with the service's message (what to do next), plus the
    help of its case; what was typed stays in the field.
    """
    form = TenantCodeForm(request.POST if request.method == "POST" else None)
    refusal: CodeRefused | None = None
    refusal_help = ""
    crous_contacts: list[Crous] = []
    if request.method == "POST" and form.is_valid():
        try:
            tenant_file = tenant_code_redeem(
                user=request.user,
                raw_code=form.cleaned_data["code"],
                ip=client_ip(request),
            )
        except CodeRefused as exc:
            refusal = exc
            refusal_help = _HELP_OF_REFUSAL.get(exc.code, _INPUT_HELP)
            form.add_error("code", exc.message)
            if refusal_help in _CONTACT_THE_CROUS:
                crous_contacts = crous_to_contact_about_a_code(user=request.user)
        else:
            messages.success(
                request,
                _(
                    "Your account is now linked to your accommodation in %(residence)s: "
                    "your tenant space is below."
                )
                % {"residence": tenant_file.unit.residence.name},
            )
            return redirect("tenants_portal:housing")
    return render(
        request,
        "tenants/portal/tenant_code.html",
        {
            "form": form,
            "refusal": refusal,
            "refusal_help": refusal_help,
            "crous_contacts": crous_contacts,
            "title": _("I have an activation code"),
        },
    )
