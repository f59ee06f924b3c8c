"""The offline gateway: Mosaic's own checkout page and Stripe-style signed webhooks.

Its checkout sessions are billing's charge rows (the page `/pay/{session}` reads them), so this
class keeps no state. Paying or cancelling on the page builds an event with `sign_event` and hands
the raw body and headers to the same webhook code path a real provider's delivery takes; the
signature (`Mosaic-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`) is checked the same way,
so the offline flow exercises verification, the inbox and the handlers exactly as production does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from mosaic.core.config import Settings
from mosaic.providers.payments import (
    SIGNATURE_TOLERANCE_SECONDS,
    Checkout,
    CheckoutRequest,
    EventType,
    GatewayError,
    InvalidSignature,
    PaymentEvent,
    PayoutResult,
    ProviderName,
    Reference,
    RefundResult,
)

SIGNATURE_HEADER = "mosaic-signature"
PAY_PATH = "/api/v1/pay"

# Offline event type names (the wire format) -> the normalised type.
_TYPES = {
    "checkout.completed": EventType.CHECKOUT_COMPLETED,
    "checkout.cancelled": EventType.CHECKOUT_CANCELLED,
    "checkout.expired": EventType.CHECKOUT_EXPIRED,
    "payment.refunded": EventType.REFUNDED,
}


def offline_webhook_secret(settings: Settings) -> bytes:
    if settings.PAYMENT_WEBHOOK_SECRET is not None:
        return settings.PAYMENT_WEBHOOK_SECRET.get_secret_value().encode()
    # Derived, not the JWT key itself: a leaked webhook key must not sign tokens.
    return hmac.new(
        settings.JWT_SECRET_KEY.get_secret_value().encode(), b"mosaic-offline-payments", hashlib.sha256
    ).digest()


def signature_header(secret: bytes, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_timestamped_signature(
    secret: bytes, body: bytes, header: str | None, now: float | None = None
) -> None:
    """`t=..,v1=..` HMAC-SHA256 of `t.body`, constant-time compare, 300 s tolerance."""
    if not header:
        raise InvalidSignature("missing signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise InvalidSignature("signature header has no timestamp") from None
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise InvalidSignature("signature does not match")
    if abs((now if now is not None else time.time()) - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance")


@dataclass
class OfflineGateway:
    secret: bytes
    base_url: str
    # Off in production: a page where anyone "pays" by clicking would hand out paid plans for free.
    enabled: bool = True
    name: ProviderName = "offline"

    @classmethod
    def from_settings(cls, settings: Settings) -> OfflineGateway:
        return cls(
            secret=offline_webhook_secret(settings),
            base_url=settings.public_base_url,
            enabled=settings.ENVIRONMENT != "production",
        )

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        if not self.enabled:
            raise GatewayError("the offline gateway takes no payments in production; set PAYMENT_PROVIDER")
        session_id = "ps_" + secrets.token_urlsafe(24)
        return Checkout(session_id=session_id, url=f"{self.base_url}{PAY_PATH}/{session_id}")

    def sign_event(
        self,
        event_type: str,
        *,
        charge_id: str,
        session_id: str,
        reference: str,
        amount_minor: int,
        currency: str,
        refunded_minor: int = 0,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers the offline checkout delivers to the webhook endpoint."""
        body = json.dumps(
            {
                "id": "evt_" + secrets.token_hex(12),
                "type": event_type,
                "created": int(time.time()),
                "data": {
                    "charge_id": charge_id,
                    "session_id": session_id,
                    # The offline payment's id is its session's: there is no separate capture.
                    "payment_id": session_id,
                    "reference": reference,
                    "amount": amount_minor,
                    "amount_refunded": refunded_minor,
                    "currency": currency,
                },
            },
            separators=(",", ":"),
        ).encode()
        return body, {SIGNATURE_HEADER: signature_header(self.secret, body, int(time.time()))}

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> PaymentEvent:
        verify_timestamped_signature(self.secret, body, headers.get(SIGNATURE_HEADER))
        try:
            payload: dict[str, Any] = json.loads(body)
            data = payload["data"]
            event_type = _TYPES[payload["type"]]
            event_id = str(payload["id"])
        except (ValueError, KeyError, TypeError):
            raise InvalidSignature("not an offline payment event") from None
        return PaymentEvent(
            provider=self.name,
            event_id=event_id,
            type=event_type,
            provider_type=payload["type"],
            charge_id=data.get("charge_id"),
            reference=Reference.parse(data.get("reference")),
            session_id=data.get("session_id"),
            payment_id=data.get("payment_id"),
            amount_minor=data.get("amount"),
            refunded_minor=data.get("amount_refunded"),
            currency=data.get("currency"),
            payload=payload,
        )

    async def refund(
        self, *, payment_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Nothing to move: the refund succeeds at once (billing records it)."""
        return RefundResult(
            refund_id="re_" + secrets.token_hex(12), amount_minor=amount_minor, status="succeeded"
        )

    async def payout(
        self, *, amount_minor: int, currency: str, destination: str | None, idempotency_key: str
    ) -> PayoutResult:
        return PayoutResult(status="manual")
