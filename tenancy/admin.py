"""Back-office of the tenant space: ledgers, arrears, payments recorded by staff,
agreements (who signed what and when), documents and the per-Crous agreement template.

Every admin is a ``ScopedModelAdmin``: staff see their Crous' rows only. Recording a payment
goes through ``tenancy.rent_payments.payment_record`` (its history names who and why); documents
and agreements are read-only, their PDFs downloaded through ``…/pdf/``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crous_admin.admin import ScopedModelAdmin, ServiceBackedAdminMixin, ServiceModelForm
from tenancy.ledger import files_in_arrears, ledger_bring_up_to_date, ledger_entries, ledger_summary
from tenancy.models import (
    OFFLINE_METHODS,
    AgreementTemplate,
    LedgerEntry,
    OccupancyAgreement,
    OnlinePayment,
    PaymentMethod,
    VerifiableDocument,
)
from tenancy.portal.views import pdf_response
from tenancy.rent_payments import payment_record
from tenants.models import TenantFile


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _pdf_link(document: VerifiableDocument | None) -> str:
    if document is None:
        return "—"
    url = reverse("admin:tenancy_verifiabledocument_pdf", args=[document.pk])
    return format_html('<a href="{}">{} (PDF)</a>', url, document.code_display)


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(ScopedModelAdmin):
    list_display = ("crous", "monthly_charges", "updated_at")
    fields = ("crous", "clauses", "house_rules", "monthly_charges")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("crous",) if obj is not None else ()


@admin.register(OccupancyAgreement)
class OccupancyAgreementAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Who signed what and when: name typed, account, time, IP and the hash signed."""

    list_display = ("tenant_file", "generated_at", "signed_at", "signed_name", "signed_ip")
    list_filter = ("crous", ("signed_at", admin.EmptyFieldListFilter))
    list_select_related = ("tenant_file__student",)
    search_fields = ("tenant_file__student__ine", "tenant_file__student__last_name", "signed_name")
    fields = (
        "tenant_file",
        "monthly_rent",
        "generated_at",
        "document_link",
        "document_sha256",
        "signed_at",
        "signed_name",
        "signed_by",
        "signed_ip",
        "consent_text",
        "signed_document_link",
    )
    readonly_fields = fields

    @admin.display(description=_("agreement to sign"))
    def document_link(self, obj: OccupancyAgreement) -> str:
        return _pdf_link(obj.document)

    @admin.display(description=_("signed agreement"))
    def signed_document_link(self, obj: OccupancyAgreement) -> str:
        return _pdf_link(obj.signed_document)


@admin.register(VerifiableDocument)
class VerifiableDocumentAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ("code", "kind", "tenant_file", "month", "issued_at", "pdf_link")
    list_filter = ("crous", "kind")
    list_select_related = ("tenant_file__student",)
    search_fields = ("=code", "tenant_file__student__ine", "tenant_file__student__last_name")
    fields = (
        "code",
        "kind",
        "tenant_file",
        "month",
        "issued_at",
        "sha256",
        "size",
        "holder_initials",
        "pdf_link",
    )
    readonly_fields = fields

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="tenancy_verifiabledocument_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        return pdf_response(get_object_or_404(self.get_queryset(request), pk=pk))

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: VerifiableDocument) -> str:
        return _pdf_link(obj)


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ("provider_reference", "tenant_file", "amount", "status", "created_at")
    list_filter = ("crous", "status", "gateway")
    list_select_related = ("tenant_file__student",)
    search_fields = ("=provider_reference", "tenant_file__student__ine")
    readonly_fields = (
        "tenant_file",
        "gateway",
        "provider_reference",
        "amount",
        "status",
        "created_by",
        "created_at",
        "settled_at",
    )
    fields = readonly_fields


class PaymentRecordForm(ServiceModelForm):
    """A payment made by other means: written by ``payment_record`` (history: who, why)."""

    note = forms.CharField(label=_("Note (kept in the history)"), required=False, max_length=500)

    class Meta:
        model = LedgerEntry
        # ``tenant_file`` is added by the admin per request, with the viewer's scoped
        # queryset (a form class built at import time would query outside any scope).
        fields = ("amount", "method", "booked_on", "reference")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "method" in self.fields:  # the add form; an entry's page shows it read-only
            self.fields["method"].choices = [
                (m.value, m.label) for m in PaymentMethod if m in OFFLINE_METHODS
            ]
            self.fields["method"].required = True
            self.fields["booked_on"].label = _("paid on")

    def call_service(self) -> LedgerEntry:
        data = self.cleaned_data
        return payment_record(
            by=self.request_user,
            tenant_file=data["tenant_file"],
            amount=data["amount"],
            method=data["method"],
            booked_on=data["booked_on"],
            reference=data.get("reference", ""),
            note=data.get("note", ""),
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ServiceBackedAdminMixin, ScopedModelAdmin):
    """Ledger entries; "add" records a payment made by other means (cheque, transfer…).

    Extra pages: one file's ledger (``file/<id>/``) and the arrears list (``arrears/``).
    """

    form = PaymentRecordForm
    list_display = ("booked_on", "tenant_file", "kind", "label", "amount", "method", "created_by")
    list_filter = ("crous", "kind", "method")
    list_select_related = ("tenant_file__student", "created_by")
    search_fields = ("tenant_file__student__ine", "tenant_file__student__last_name", "reference")
    autocomplete_fields = ("tenant_file",)
    change_list_template = "admin/tenancy/ledgerentry/change_list.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("tenant_file", "amount", "method", "booked_on", "reference", "note")
        return (
            "tenant_file",
            "kind",
            "month",
            "booked_on",
            "amount",
            "label",
            "method",
            "reference",
            "online_payment",
            "created_by",
            "created_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj) if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # entries are corrected by a new entry, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("booked_on", timezone.localdate())
        return initial

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("file/<int:pk>/", view(self.file_ledger_view), name="tenancy_ledger_file"),
            path("arrears/", view(self.arrears_view), name="tenancy_ledger_arrears"),
            *super().get_urls(),
        ]

    def file_ledger_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        tenant_file = get_object_or_404(
            TenantFile.objects.select_related("student", "unit__residence", "crous"), pk=pk
        )
        ledger_bring_up_to_date(tenant_file=tenant_file)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Rent ledger of %(file)s") % {"file": tenant_file},
            "tenant_file": tenant_file,
            "entries": ledger_entries(tenant_file=tenant_file),
            "summary": ledger_summary(tenant_file=tenant_file),
            "documents": tenant_file.documents.order_by("-issued_at"),
            "agreement": OccupancyAgreement.objects.filter(tenant_file=tenant_file).first(),
            "can_record": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/tenancy/ledgerentry/file_ledger.html", context)

    def arrears_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        try:
            on = date.fromisoformat(request.GET.get("on", ""))
        except ValueError:
            on = timezone.localdate()
        files = files_in_arrears(on=on)
        crous = request.GET.get("crous")
        if crous and crous.isdigit():
            files = files.filter(crous_id=int(crous))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Tenant files in arrears on %(date)s") % {"date": on},
            "files": files[:500],
            "on": on,
        }
        return TemplateResponse(request, "admin/tenancy/ledgerentry/arrears.html", context)
