"""Payment port: one `PaymentGateway` protocol, three gateways chosen by `PAYMENT_PROVIDER`.

- `offline` (the default): Mosaic's own hosted checkout page (`/pay/{session}`, served by
  `accounts.billing`); paying or cancelling there delivers a webhook signed with
  `PAYMENT_WEBHOOK_SECRET` through the very verification path the real gateways use.
- `stripe`: the official SDK's async client over httpx (`stripe.HTTPXClient`): Checkout Sessions in
  payment mode with `expires_at`, `Stripe-Signature` webhooks (300 s tolerance), Refunds, Connect
  transfers.
- `square`: Square's HTTP API over httpx (Payment Links, Refunds, `x-square-hmacsha256-signature`
  webhooks). The `squareup` SDK was not adopted: the three calls are small JSON bodies, and one HTTP
  stack (httpx, mocked by respx in the tests) serves every provider.

Amounts cross this port in minor units (`core.money.to_minor_units`), and every gateway turns its
provider's webhook into the same `PaymentEvent`, so the billing code never branches on a provider.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from mosaic.core.config import Settings

ProviderName = Literal["offline", "stripe", "square"]
PROVIDERS: tuple[ProviderName, ...] = ("offline", "stripe", "square")

# How long a webhook's timestamp may lag behind our clock (Stripe's default tolerance).
SIGNATURE_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The webhook is not from the provider (bad or missing signature, stale timestamp, bad body)."""


class GatewayError(Exception):
    """The provider refused the call or could not be reached (the caller answers 502/503)."""


class EventType(enum.StrEnum):
    CHECKOUT_COMPLETED = "checkout_completed"
    CHECKOUT_EXPIRED = "checkout_expired"
    CHECKOUT_CANCELLED = "checkout_cancelled"
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"
    # Verified, but nothing billing acts on (Square's APPROVED/PENDING updates, other Stripe types).
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Reference:
    """What a payment is for: `plan_subscription:<uuid>`, `booking:<uuid>`."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Reference | None:
        if not text or ":" not in text:
            return None
        kind, _, ident = text.partition(":")
        return cls(kind, ident) if kind and ident else None


@dataclass(frozen=True, slots=True)
class Merchant:
    """A seller's own account at a gateway (a studio's Square account connected by OAuth).

    A checkout created for a merchant is paid into the merchant's account, not the platform's;
    the platform's share is taken at the gateway (`app_fee_minor`, Square's `app_fee_money`).
    """

    provider: ProviderName
    merchant_id: str
    access_token: str = field(repr=False)
    location_id: str


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    charge_id: str  # billing's own id for this payment, echoed back in every webhook
    amount_minor: int
    currency: str
    reference: Reference
    description: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    customer_email: str | None = None
    # The platform's fee when a merchant is paid directly (ignored by the platform's own account).
    app_fee_minor: int | None = None


@dataclass(frozen=True, slots=True)
class Checkout:
    session_id: str  # the provider's checkout id (Stripe session, Square payment link, offline session)
    url: str  # where the payer goes
    order_id: str | None = None  # Square's order behind the link (its payments name it)


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A verified webhook, the same shape from every provider."""

    provider: str
    event_id: str
    type: EventType
    provider_type: str  # the provider's own name, e.g. "checkout.session.completed"
    charge_id: str | None = None
    reference: Reference | None = None
    session_id: str | None = None
    payment_id: str | None = None
    order_id: str | None = None
    amount_minor: int | None = None
    # Cumulative refunded amount on the payment (Stripe `amount_refunded`, Square `refunded_money`).
    refunded_minor: int | None = None
    refund_id: str | None = None
    currency: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """What the inbox stores: the normalised fields plus the provider's body."""
        return {
            "type": self.type.value,
            "provider_type": self.provider_type,
            "charge_id": self.charge_id,
            "reference": str(self.reference) if self.reference else None,
            "session_id": self.session_id,
            "payment_id": self.payment_id,
            "order_id": self.order_id,
            "amount_minor": self.amount_minor,
            "refunded_minor": self.refunded_minor,
            "refund_id": self.refund_id,
            "currency": self.currency,
            "payload": self.payload,
        }

    @classmethod
    def from_record(cls, provider: str, event_id: str, record: dict[str, Any]) -> PaymentEvent:
        return cls(
            provider=provider,
            event_id=event_id,
            type=EventType(record["type"]),
            provider_type=record.get("provider_type", ""),
            charge_id=record.get("charge_id"),
            reference=Reference.parse(record.get("reference")),
            session_id=record.get("session_id"),
            payment_id=record.get("payment_id"),
            order_id=record.get("order_id"),
            amount_minor=record.get("amount_minor"),
            refunded_minor=record.get("refunded_minor"),
            refund_id=record.get("refund_id"),
            currency=record.get("currency"),
            payload=record.get("payload") or {},
        )


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    amount_minor: int
    status: str  # "succeeded" | "pending" (the provider's refund webhook confirms)


@dataclass(frozen=True, slots=True)
class PayoutResult:
    """`manual` when the gateway cannot transfer (offline, Square): an operator pays by hand."""

    status: Literal["paid", "pending", "manual"]
    transfer_id: str | None = None


class PaymentGateway(Protocol):
    name: ProviderName

    async def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> PaymentEvent:
        """Verify the signature over the raw body, then normalise; `InvalidSignature` otherwise."""
        ...

    async def refund(
        self, *, payment_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult: ...

    async def payout(
        self, *, amount_minor: int, currency: str, destination: str | None, idempotency_key: str
    ) -> PayoutResult: ...


def configured_providers(settings: Settings) -> list[ProviderName]:
    """Providers whose webhooks this deployment accepts: the active one (offline always verifies)."""
    return [settings.PAYMENT_PROVIDER]


def build_payment_gateway(settings: Settings, name: ProviderName | None = None) -> PaymentGateway:
    """The gateway `name` (default: `PAYMENT_PROVIDER`); a real one without its keys is a ValueError."""
    chosen = name or settings.PAYMENT_PROVIDER
    if chosen == "stripe":
        from mosaic.providers.payments.stripe_gateway import StripeGateway

        return StripeGateway.from_settings(settings)
    if chosen == "square":
        from mosaic.providers.payments.square_gateway import SquareGateway

        return SquareGateway.from_settings(settings)
    from mosaic.providers.payments.offline import OfflineGateway

    return OfflineGateway.from_settings(settings)
