"""Student pages of the tenant space: agreement, rent and receipts, certificate, payment.

Each page reaches a file through the account (``tenant_files_of_student``): another
student's file is a 404, like one that does not exist. Views parse input, call one service
and render; refusals (``ApplicationError``) show on the form or as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scopes_disabled

from crous_admin.client_ip import client_ip
from crous_admin.errors import ApplicationError
from tenancy.agreements import agreement_prepare, agreement_sign, expected_signature_name
from tenancy.certificates import certificate_issue
from tenancy.documents import document_of_student, document_read
from tenancy.ledger import ledger_bring_up_to_date, ledger_entries, ledger_summary
from tenancy.models import DocumentKind, OnlinePayment, OnlinePaymentStatus
from tenancy.payments import get_gateway
from tenancy.payments.base import SignatureInvalid
from tenancy.payments.fake import FakeGateway
from tenancy.portal.forms import AgreementSignForm
from tenancy.rent_payments import online_payment_settle, online_payment_start
from tenants.models import TenantFile
from tenants.selectors import tenant_files_of_student


def own_file(request: HttpRequest, pk: int) -> TenantFile:
    return get_object_or_404(
        tenant_files_of_student(user=request.user).select_related("student"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement to read (its PDF) and sign, or, once signed, who signed it and when."""
    tenant_file = own_file(request, pk)
    current = agreement_prepare(tenant_file=tenant_file)
    form = AgreementSignForm(
        request.POST if request.method == "POST" else None,
        initial={"document_sha256": current.document_sha256},
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement_sign(
                tenant_file=tenant_file,
                user=request.user,
                consent=form.cleaned_data["consent"],
                typed_name=form.cleaned_data["typed_name"],
                document_sha256=form.cleaned_data["document_sha256"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your occupancy agreement is signed. Thank you."))
            return redirect("tenants_portal:agreement", pk=tenant_file.pk)
    current.refresh_from_db()
    return render(
        request,
        "tenancy/portal/agreement.html",
        {
            "tenant_file": tenant_file,
            "agreement": current,
            "document": current.document,
            "signed_document": current.signed_document,
            "form": form,
            "expected_name": expected_signature_name(tenant_file),
            "title": _("Occupancy agreement"),
        },
    )


@login_required
def rent(request: HttpRequest, pk: int) -> HttpResponse:
    """The rent ledger: charges, payments, balance, receipts; the pay button."""
    tenant_file = own_file(request, pk)
    ledger_bring_up_to_date(tenant_file=tenant_file)
    receipts = tenant_file.documents.filter(kind=DocumentKind.RECEIPT).order_by("-month")
    return render(
        request,
        "tenancy/portal/rent.html",
        {
            "tenant_file": tenant_file,
            "entries": list(ledger_entries(tenant_file=tenant_file)),
            "summary": ledger_summary(tenant_file=tenant_file),
            "receipts": list(receipts),
            "gateway_is_test": get_gateway().is_test,
            "title": _("Rent and receipts"),
        },
    )


@login_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    tenant_file = own_file(request, pk)
    try:
        _payment, url = online_payment_start(
            user=request.user,
            tenant_file=tenant_file,
            return_url=request.build_absolute_uri(reverse("tenants_portal:payment_return")),
            callback_url=request.build_absolute_uri(
                reverse("tenants_portal:payment_callback", args=[get_gateway().name])
            ),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("tenants_portal:rent", pk=tenant_file.pk)
    return redirect(url)


@login_required
@require_POST
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    tenant_file = own_file(request, pk)
    try:
        document = certificate_issue(tenant_file=tenant_file)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("tenants_portal:housing")
    return redirect("tenants_portal:document", code=document.code)


@login_required
def document(request: HttpRequest, code: str) -> FileResponse:
    """A PDF of one of the student's files (staff download theirs from the back-office)."""
    found = document_of_student(user=request.user, code=code)
    if found is None:
        raise Http404
    return pdf_response(found)


def pdf_response(document: object) -> FileResponse:
    import io

    data = document_read(document)  # type: ignore[arg-type]
    response = FileResponse(
        io.BytesIO(data),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{document.get_kind_display()} {document.code}.pdf".replace("/", "-"),  # type: ignore[attr-defined]
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- The fake gateway's simulated checkout and the gateways' returns ----------------------


@login_required
@require_http_methods(["GET", "POST"])
def fake_checkout(request: HttpRequest, reference: str) -> HttpResponse:
    """THE FAKE GATEWAY's checkout page: "pay" or "fail", no money moves.

    Like a provider, it then notifies the application (the callback, delivered here
    in-process) and sends the browser back to the return URL, both with a signed result:
    the payment is settled by whichever arrives first, once.
    """
    with scopes_disabled():
        payment = get_object_or_404(
            OnlinePayment, gateway="fake", provider_reference=reference, created_by=request.user
        )
    if request.method == "POST" and payment.status == OnlinePaymentStatus.PENDING:
        token = FakeGateway.sign_result(
            provider_reference=reference,
            succeeded=request.POST.get("decision") == "pay",
            amount=payment.amount,
        )
        result = FakeGateway().parse_callback(body=b"", headers={}, query={"result": token})
        assert result is not None
        online_payment_settle(gateway_name="fake", result=result)  # the "callback"
        return redirect(
            f"{reverse('tenants_portal:payment_return')}?{FakeGateway.return_query(token)}"
        )
    return render(
        request,
        "tenancy/portal/fake_checkout.html",
        {"payment": payment, "title": _("Test payment page (fake gateway)")},
    )


@login_required
def payment_return(request: HttpRequest) -> HttpResponse:
    """Where a gateway sends the browser back: settles (again, harmlessly) and says how it went."""
    if "result" not in request.GET:
        # A real provider's return carries no signed result: its webhook settles the payment.
        messages.info(
            request,
            _("Your payment is being confirmed by the provider: it shows here within minutes."),
        )
        return redirect("tenants_portal:housing")
    gateway = get_gateway(request.GET.get("gateway") or None)
    try:
        result = gateway.parse_callback(body=b"", headers=dict(request.headers), query=request.GET)
    except SignatureInvalid:
        messages.error(
            request, _("The payment's answer could not be verified: nothing was recorded.")
        )
        return redirect("tenants_portal:housing")
    payment = online_payment_settle(gateway_name=gateway.name, result=result) if result else None
    if payment is None:
        raise Http404
    if payment.status == OnlinePaymentStatus.SUCCEEDED:
        messages.success(
            request,
            _("Your payment of %(amount)s € is recorded. A confirmation is on its way by email.")
            % {"amount": f"{payment.amount:.2f}".replace(".", ",")},
        )
    else:
        messages.error(request, _("The payment did not go through: nothing was charged."))
    return redirect("tenants_portal:rent", pk=payment.tenant_file_id)


@csrf_exempt
@require_POST
def payment_callback(request: HttpRequest, gateway_name: str) -> HttpResponse:
    """The gateway's server-to-server notification (webhook): signature checked first."""
    try:
        gateway = get_gateway(gateway_name)
    except LookupError as exc:
        raise Http404 from exc
    try:
        result = gateway.parse_callback(
            body=request.body, headers=dict(request.headers), query=request.GET
        )
    except SignatureInvalid:
        return HttpResponse(status=400)
    if result is not None:
        online_payment_settle(gateway_name=gateway.name, result=result)
    return HttpResponse(status=200)
