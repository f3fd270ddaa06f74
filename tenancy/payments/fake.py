"""A FAKE payment gateway: it simulates a provider's checkout page, and no money moves.

The checkout is a page of this application (``tenants_portal:fake_checkout``) with "pay"
and "fail" buttons. Its answer is signed with Django's signing (the site's secret and a
salt of its own) exactly as a provider signs its callbacks: the return URL and the
callback endpoint verify it before anything is recorded. For the embedded default and the
tests only; a production installation configures a real gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

from tenancy.payments.base import CallbackResult, Checkout, SignatureInvalid

SALT = "tenancy.payments.fake"
RESULT_MAX_AGE = 3600  # seconds a signed result stays valid


class FakeGateway:
    name = "fake"
    is_test = True

    def create_checkout(
        self,
        *,
        payment_id: int,
        amount: Decimal,
        description: str,
        return_url: str,
        callback_url: str,
    ) -> Checkout:
        reference = "fake_" + get_random_string(20)
        url = reverse("tenants_portal:fake_checkout", args=[reference])
        return Checkout(provider_reference=reference, redirect_url=url)

    @staticmethod
    def sign_result(*, provider_reference: str, succeeded: bool, amount: Decimal) -> str:
        """What the simulated provider sends back (to the return URL and the callback)."""
        return signing.dumps(
            {"ref": provider_reference, "ok": succeeded, "amount": str(amount)}, salt=SALT
        )

    @staticmethod
    def return_query(token: str) -> str:
        return urlencode({"gateway": "fake", "result": token})

    def parse_callback(
        self, *, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> CallbackResult | None:
        token = query.get("result") or body.decode("utf-8", "replace").strip()
        try:
            data = signing.loads(token, salt=SALT, max_age=RESULT_MAX_AGE)
            return CallbackResult(
                provider_reference=str(data["ref"]),
                succeeded=bool(data["ok"]),
                amount=Decimal(data["amount"]),
            )
        except (signing.BadSignature, KeyError, TypeError, InvalidOperation) as exc:
            raise SignatureInvalid("fake gateway result does not verify") from exc
