"""Online rent payments: the fake gateway end to end, one payment per callback however many
times it arrives, and the Stripe-like adapter against mocked responses."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
import requests
import time_machine
from django.urls import reverse

from notifications.models import Message
from tenancy.ledger import ledger_bring_up_to_date, ledger_summary
from tenancy.models import DocumentKind, EntryKind, OnlinePayment, OnlinePaymentStatus
from tenancy.payments import get_gateway
from tenancy.payments.base import CallbackResult, GatewayError, SignatureInvalid
from tenancy.payments.fake import FakeGateway
from tenancy.payments.stripe_like import StripeLikeGateway, sign_payload
from tenancy.rent_payments import online_payment_settle


@pytest.fixture(autouse=True)
def _early_october():
    # Pages bring the ledger up to date to today: September and October are due (520 €).
    with time_machine.travel("2026-10-05 10:00:00+02:00"):
        yield


@pytest.fixture
def student_client(client, linked_student, linked_student_file):
    ledger_bring_up_to_date(tenant_file=linked_student_file, on=date(2026, 10, 5))  # 520 €
    client.force_login(linked_student)
    return client


def _start_payment(client, tenant_file) -> OnlinePayment:
    response = client.post(reverse("tenants_portal:pay", args=[tenant_file.pk]))
    assert response.status_code == 302
    payment = OnlinePayment.objects.get(tenant_file=tenant_file)
    assert response.url == reverse(
        "tenants_portal:fake_checkout", args=[payment.provider_reference]
    )
    return payment


def test_the_default_gateway_is_the_fake_one_and_says_so(student_client, linked_student_file):
    assert get_gateway().is_test
    page = student_client.get(reverse("tenants_portal:rent", args=[linked_student_file.pk]))
    assert "passerelle FICTIVE" in page.content.decode()


def test_paying_on_the_fake_checkout_records_the_payment_confirms_it_and_issues_receipts(
    student_client, linked_student_file
):
    payment = _start_payment(student_client, linked_student_file)
    assert payment.amount == Decimal("520.00")
    checkout = student_client.get(
        reverse("tenants_portal:fake_checkout", args=[payment.provider_reference])
    )
    assert "Passerelle de paiement FICTIVE" in checkout.content.decode()

    response = student_client.post(
        reverse("tenants_portal:fake_checkout", args=[payment.provider_reference]),
        {"decision": "pay"},
        follow=True,
    )

    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.SUCCEEDED
    assert response.redirect_chain[-1][0] == reverse(
        "tenants_portal:rent", args=[linked_student_file.pk]
    )
    assert ledger_summary(tenant_file=linked_student_file).balance == Decimal("0.00")
    assert linked_student_file.documents.filter(kind=DocumentKind.RECEIPT).count() == 2
    entry = payment.ledger_entry
    assert Message.objects.filter(idempotency_key=f"rent-payment:{entry.pk}").count() == 1


def test_a_callback_delivered_twice_records_one_payment_and_one_confirmation(
    student_client, linked_student_file
):
    payment = _start_payment(student_client, linked_student_file)
    token = FakeGateway.sign_result(
        provider_reference=payment.provider_reference, succeeded=True, amount=payment.amount
    )
    callback = reverse("tenants_portal:payment_callback", args=["fake"])

    # Given the provider's notification arrives twice, and the browser returns too
    first = student_client.post(callback, data=token, content_type="text/plain")
    second = student_client.post(callback, data=token, content_type="text/plain")
    student_client.get(
        f"{reverse('tenants_portal:payment_return')}?{FakeGateway.return_query(token)}"
    )

    assert (first.status_code, second.status_code) == (200, 200)
    payments = linked_student_file.ledger_entries.filter(kind=EntryKind.PAYMENT)
    assert payments.count() == 1
    assert Message.objects.filter(template_key="rent_payment_confirmed").count() == 1


def test_a_refused_payment_records_nothing(student_client, linked_student_file):
    payment = _start_payment(student_client, linked_student_file)

    student_client.post(
        reverse("tenants_portal:fake_checkout", args=[payment.provider_reference]),
        {"decision": "fail"},
    )

    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.FAILED
    assert not linked_student_file.ledger_entries.filter(kind=EntryKind.PAYMENT).exists()


def test_a_forged_callback_is_refused_and_records_nothing(student_client, linked_student_file):
    payment = _start_payment(student_client, linked_student_file)
    token = FakeGateway.sign_result(
        provider_reference=payment.provider_reference, succeeded=True, amount=payment.amount
    )
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = student_client.post(
        reverse("tenants_portal:payment_callback", args=["fake"]),
        data=forged,
        content_type="text/plain",
    )

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.PENDING


def test_a_callback_for_another_amount_fails_the_payment(linked_student_file, linked_student):
    payment = OnlinePayment.objects.create(
        crous=linked_student_file.crous,
        tenant_file=linked_student_file,
        gateway="fake",
        provider_reference="fake_x",
        amount=Decimal("100.00"),
        created_by=linked_student,
    )

    online_payment_settle(
        gateway_name="fake",
        result=CallbackResult(provider_reference="fake_x", succeeded=True, amount=Decimal("1.00")),
    )

    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.FAILED


def test_nothing_to_pay_is_said_rather_than_opening_a_checkout(
    client, linked_student, linked_student_file
):
    client.force_login(linked_student)

    with time_machine.travel("2026-08-20 10:00:00+02:00"):  # before the stay: nothing owed
        response = client.post(
            reverse("tenants_portal:pay", args=[linked_student_file.pk]), follow=True
        )

    assert not OnlinePayment.objects.exists()
    assert [m.message for m in response.context["messages"]]


# --- The Stripe-like adapter, against mocked responses ------------------------------------

SECRET = "whsec_test"


def _gateway() -> StripeLikeGateway:
    return StripeLikeGateway(
        api_key="sk_test", webhook_secret=SECRET, api_base="https://psp.example"
    )


def test_creating_a_checkout_posts_the_amount_in_cents_with_an_idempotency_key():
    answer = mock.Mock(status_code=200)
    answer.json.return_value = {"id": "cs_123", "url": "https://psp.example/pay/cs_123"}
    answer.raise_for_status.return_value = None
    with mock.patch("tenancy.payments.stripe_like.requests.post", return_value=answer) as post:
        checkout = _gateway().create_checkout(
            payment_id=7,
            amount=Decimal("412.50"),
            description="Loyer",
            return_url="https://crous.example/retour",
            callback_url="https://crous.example/notification",
        )

    assert (checkout.provider_reference, checkout.redirect_url) == (
        "cs_123",
        "https://psp.example/pay/cs_123",
    )
    args, kwargs = post.call_args
    assert args[0] == "https://psp.example/v1/checkout/sessions"
    assert kwargs["data"]["line_items[0][price_data][unit_amount]"] == "41250"
    assert kwargs["headers"]["Idempotency-Key"] == "rent-payment-7"
    assert kwargs["timeout"] == 10.0


def test_a_provider_error_becomes_a_gateway_error():
    with (
        mock.patch(
            "tenancy.payments.stripe_like.requests.post",
            side_effect=requests.ConnectionError("down"),
        ),
        pytest.raises(GatewayError),
    ):
        _gateway().create_checkout(
            payment_id=1, amount=Decimal("1"), description="", return_url="", callback_url=""
        )


def _event(kind: str, status: str = "paid") -> bytes:
    return json.dumps(
        {
            "type": kind,
            "data": {"object": {"id": "cs_123", "payment_status": status, "amount_total": 41250}},
        }
    ).encode()


def test_a_signed_webhook_is_read_as_a_successful_payment():
    body = _event("checkout.session.completed")
    header = sign_payload(body, secret=SECRET, timestamp=int(time.time()))

    result = _gateway().parse_callback(body=body, headers={"Stripe-Signature": header}, query={})

    assert result == CallbackResult("cs_123", True, Decimal("412.50"))


def _header(kind: str) -> str:
    now = int(time.time())
    return {
        "missing": "",
        "no timestamp": "t=abc,v1=00",
        "another body": sign_payload(b"another body", secret=SECRET, timestamp=now),
        "another secret": sign_payload(b"", secret="another secret", timestamp=now),
    }[kind]


# Ids, not headers, name the cases: headers hold the time, which differs between workers.
@pytest.mark.parametrize("kind", ["missing", "no timestamp", "another body", "another secret"])
def test_a_webhook_whose_signature_does_not_verify_is_refused(kind):
    with pytest.raises(SignatureInvalid):
        _gateway().parse_callback(
            body=_event("checkout.session.completed"),
            headers={"Stripe-Signature": _header(kind)},
            query={},
        )


def test_a_replayed_webhook_older_than_the_tolerance_is_refused():
    body = _event("checkout.session.completed")
    header = sign_payload(body, secret=SECRET, timestamp=int(time.time()) - 3600)

    with pytest.raises(SignatureInvalid):
        _gateway().parse_callback(body=body, headers={"Stripe-Signature": header}, query={})


def test_events_that_settle_nothing_are_ignored_and_failures_are_read_as_such():
    now = int(time.time())
    other = _event("customer.created")
    expired = _event("checkout.session.expired", status="unpaid")

    assert (
        _gateway().parse_callback(
            body=other,
            headers={"Stripe-Signature": sign_payload(other, secret=SECRET, timestamp=now)},
            query={},
        )
        is None
    )
    result = _gateway().parse_callback(
        body=expired,
        headers={"Stripe-Signature": sign_payload(expired, secret=SECRET, timestamp=now)},
        query={},
    )
    assert result is not None
    assert not result.succeeded
