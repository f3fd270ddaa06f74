"""Adapter of a Stripe-like card provider: hosted checkout sessions and signed webhooks.

Only the shape a real integration needs: ``create_checkout`` calls the provider's REST API
(``POST /v1/checkout/sessions``, amounts in cents) through ``requests``; ``parse_callback``
verifies the webhook's ``Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`` with the
endpoint's secret, refusing stale timestamps (replays), before reading the event. Tested
against mocked responses (tenancy/tests/test_payments.py); never called in the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings

from tenancy.payments.base import CallbackResult, Checkout, GatewayError, SignatureInvalid

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
SUCCEEDED_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAILED_EVENTS = {"checkout.session.async_payment_failed", "checkout.session.expired"}


def sign_payload(body: bytes, *, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class StripeLikeGateway:
    name = "stripe_like"
    is_test = False

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        api_base: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        config: dict[str, Any] = getattr(settings, "RENT_PAYMENT_STRIPE_LIKE", {})
        self.api_key = api_key or config.get("API_KEY", "")
        self.webhook_secret = webhook_secret or config.get("WEBHOOK_SECRET", "")
        self.api_base = (api_base or config.get("API_BASE", "")).rstrip("/")
        self.timeout = timeout

    def create_checkout(
        self,
        *,
        payment_id: int,
        amount: Decimal,
        description: str,
        return_url: str,
        callback_url: str,
    ) -> Checkout:
        cents = int((amount * 100).to_integral_value())
        try:
            response = requests.post(
                f"{self.api_base}/v1/checkout/sessions",
                auth=(self.api_key, ""),
                data={
                    "mode": "payment",
                    "client_reference_id": str(payment_id),
                    "line_items[0][price_data][currency]": "eur",
                    "line_items[0][price_data][unit_amount]": str(cents),
                    "line_items[0][price_data][product_data][name]": description,
                    "line_items[0][quantity]": "1",
                    "success_url": return_url,
                    "cancel_url": return_url,
                },
                # The same payment retried after a timeout must not open a second session.
                headers={"Idempotency-Key": f"rent-payment-{payment_id}"},
                timeout=self.timeout,
            )
            response.raise_for_status()
            session = response.json()
            return Checkout(provider_reference=session["id"], redirect_url=session["url"])
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise GatewayError(f"checkout session not created: {exc}") from exc

    def verify_signature(self, body: bytes, header: str, *, now: float | None = None) -> None:
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts["t"])
        except (KeyError, ValueError) as exc:
            raise SignatureInvalid("no timestamp") from exc
        if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
            raise SignatureInvalid("timestamp outside the tolerance")
        expected = sign_payload(body, secret=self.webhook_secret, timestamp=timestamp)
        if not hmac.compare_digest(expected.split("v1=", 1)[1], parts.get("v1", "")):
            raise SignatureInvalid("signature mismatch")

    def parse_callback(
        self, *, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> CallbackResult | None:
        header = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower()) or ""
        self.verify_signature(body, header)
        event = json.loads(body)
        kind = event.get("type")
        if kind not in SUCCEEDED_EVENTS | FAILED_EVENTS:
            return None
        session = event["data"]["object"]
        return CallbackResult(
            provider_reference=session["id"],
            succeeded=kind in SUCCEEDED_EVENTS and session.get("payment_status") == "paid",
            amount=Decimal(session.get("amount_total", 0)) / 100,
        )
