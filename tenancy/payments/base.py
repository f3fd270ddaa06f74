"""What every payment gateway adapter provides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class GatewayError(Exception):
    """The provider refused or could not be reached; the student may try again."""


class SignatureInvalid(GatewayError):
    """A callback whose signature does not verify: ignored, never trusted."""


@dataclass(frozen=True)
class Checkout:
    provider_reference: str
    redirect_url: str


@dataclass(frozen=True)
class CallbackResult:
    """What a verified callback says about one checkout."""

    provider_reference: str
    succeeded: bool
    amount: Decimal


class PaymentGateway(Protocol):
    name: str
    #: True for a simulator: the pages say so and no money moves.
    is_test: bool

    def create_checkout(
        self,
        *,
        payment_id: int,
        amount: Decimal,
        description: str,
        return_url: str,
        callback_url: str,
    ) -> Checkout: ...

    def parse_callback(
        self, *, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> CallbackResult | None:
        """The verified result, None for an event that settles nothing; raises
        ``SignatureInvalid`` when the signature does not verify."""
        ...
