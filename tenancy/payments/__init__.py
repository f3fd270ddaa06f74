"""Payment gateways for rent, behind one small interface (``base.PaymentGateway``).

``fake`` simulates a provider's checkout inside the application (the embedded default and
the tests: no money moves); ``stripe_like`` is the adapter of a real card provider, selected
with ``RENT_PAYMENT_GATEWAY=stripe_like`` and its keys (docs/tenant-space.md).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from tenancy.payments.base import PaymentGateway

GATEWAYS = {
    "fake": "tenancy.payments.fake.FakeGateway",
    "stripe_like": "tenancy.payments.stripe_like.StripeLikeGateway",
}


def get_gateway(name: str | None = None) -> PaymentGateway:
    """The gateway named ``name``, or the configured one (``RENT_PAYMENT_GATEWAY``)."""
    name = name or settings.RENT_PAYMENT_GATEWAY
    if name not in GATEWAYS:
        raise LookupError(f"Unknown payment gateway {name!r}: one of {sorted(GATEWAYS)}")
    gateway: PaymentGateway = import_string(GATEWAYS[name])()
    return gateway
