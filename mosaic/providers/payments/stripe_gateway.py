"""Stripe through the official SDK's async client on httpx (`stripe.HTTPXClient`).

Checkout Sessions in payment mode, one per payment (plans renew with a new payment each period,
so the three gateways share one flow; Stripe's own subscriptions would need card-on-file and a
second lifecycle). Webhooks are verified by `stripe.Webhook.construct_event` (`Stripe-Signature`:
`t=..,v1=..`, HMAC-SHA256 of `t.payload`, 300 s tolerance). Every call carries an idempotency key,
so a retried request never charges, refunds or transfers twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe

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

SIGNATURE_HEADER = "stripe-signature"


def _event_type(provider_type: str, obj: dict[str, Any]) -> EventType:
    if provider_type == "checkout.session.completed":
        # Delayed methods (bank debits) complete the session unpaid; the async_payment_* events follow.
        return EventType.CHECKOUT_COMPLETED if obj.get("payment_status") == "paid" else EventType.IGNORED
    return {
        "checkout.session.async_payment_succeeded": EventType.CHECKOUT_COMPLETED,
        "checkout.session.async_payment_failed": EventType.PAYMENT_FAILED,
        "checkout.session.expired": EventType.CHECKOUT_EXPIRED,
        "payment_intent.payment_failed": EventType.PAYMENT_FAILED,
        "charge.refunded": EventType.REFUNDED,
    }.get(provider_type, EventType.IGNORED)


# Stripe refuses a Checkout Session expiring sooner than 30 minutes after its creation; a booking's
# 30-minute hold reaches Stripe a moment later, so the session gets a minute more. A payment in that
# minute lands after the hold: the booking's handler confirms it if the booking is still pending and
# refunds it otherwise.
STRIPE_MIN_EXPIRY = timedelta(minutes=31)


def earliest_expiry() -> datetime:
    return datetime.now(UTC) + STRIPE_MIN_EXPIRY


@dataclass
class StripeGateway:
    client: stripe.StripeClient
    webhook_secret: str
    http: stripe.HTTPXClient | None = None
    name: ProviderName = "stripe"

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeGateway:
        if settings.STRIPE_SECRET_KEY is None or settings.STRIPE_WEBHOOK_SECRET is None:
            raise ValueError("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
        http = stripe.HTTPXClient(timeout=20)
        client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY.get_secret_value(), http_client=http, max_network_retries=2
        )
        return cls(client=client, webhook_secret=settings.STRIPE_WEBHOOK_SECRET.get_secret_value(), http=http)

    async def close(self) -> None:
        """Release the pooled connections (the app's shutdown)."""
        if self.http is not None:
            await self.http.close_async()  # type: ignore[no-untyped-call]

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        metadata = {"charge_id": request.charge_id, "reference": str(request.reference)}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(max(request.expires_at, earliest_expiry()).timestamp()),
            "client_reference_id": request.charge_id,
            "metadata": metadata,
            # Copied onto the PaymentIntent, so its charge's refund events name the charge too.
            "payment_intent_data": {"metadata": metadata},
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        try:
            session = await self.client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"checkout-{request.charge_id}"},
            )
        except stripe.StripeError as exc:
            raise GatewayError(
                f"Stripe refused the checkout: {exc.user_message or type(exc).__name__}"
            ) from exc
        if not session.url:
            raise GatewayError("Stripe answered a checkout session without a URL")
        return Checkout(session_id=session.id, url=session.url)

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> PaymentEvent:
        try:
            stripe.Webhook.construct_event(
                body,
                headers.get(SIGNATURE_HEADER),
                self.webhook_secret,
                tolerance=SIGNATURE_TOLERANCE_SECONDS,
            )
            payload: dict[str, Any] = json.loads(body)
            obj: dict[str, Any] = payload["data"]["object"]
            provider_type = str(payload["type"])
            event_id = str(payload["id"])
        except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError):
            raise InvalidSignature("Stripe signature or payload invalid") from None
        metadata = obj.get("metadata") or {}
        is_session = obj.get("object") == "checkout.session"
        is_charge = obj.get("object") == "charge"
        payment_id = obj.get("payment_intent") if (is_session or is_charge) else obj.get("id")
        currency = obj.get("currency")
        return PaymentEvent(
            provider=self.name,
            event_id=event_id,
            type=_event_type(provider_type, obj),
            provider_type=provider_type,
            charge_id=metadata.get("charge_id") or (obj.get("client_reference_id") if is_session else None),
            reference=Reference.parse(metadata.get("reference")),
            session_id=obj.get("id") if is_session else None,
            payment_id=payment_id if isinstance(payment_id, str) else None,
            amount_minor=obj.get("amount_total") if is_session else obj.get("amount"),
            refunded_minor=obj.get("amount_refunded") if is_charge else None,
            currency=currency.upper() if isinstance(currency, str) else None,
            payload=payload,
        )

    async def refund(
        self, *, payment_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        try:
            refund = await self.client.v1.refunds.create_async(
                {"payment_intent": payment_id, "amount": amount_minor},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(
                f"Stripe refused the refund: {exc.user_message or type(exc).__name__}"
            ) from exc
        status = "succeeded" if refund.status == "succeeded" else "pending"
        return RefundResult(refund_id=refund.id, amount_minor=int(refund.amount), status=status)

    async def payout(
        self, *, amount_minor: int, currency: str, destination: str | None, idempotency_key: str
    ) -> PayoutResult:
        """A Connect transfer to `destination` (an `acct_...`); without one, a manual payout."""
        if not destination:
            return PayoutResult(status="manual")
        try:
            transfer = await self.client.v1.transfers.create_async(
                {"amount": amount_minor, "currency": currency.lower(), "destination": destination},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(
                f"Stripe refused the transfer: {exc.user_message or type(exc).__name__}"
            ) from exc
        return PayoutResult(status="paid", transfer_id=transfer.id)
