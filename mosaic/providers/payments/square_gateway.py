"""Square through its HTTP API on httpx: Payment Links, Refunds, signed `payment.updated` webhooks.

A Payment Link (`POST /v2/online-checkout/payment-links`, quick pay) creates an order; its payment
names that order, which is how a webhook finds its charge (the payment note carries the charge id
and reference as a second way). Square links do not expire by themselves: billing refuses nothing
late but records when a payment lands after the checkout's expiry, and the reference's handler
decides (a booking whose hold lapsed is refunded). Webhooks are verified from
`x-square-hmacsha256-signature`: base64 HMAC-SHA256 of the notification URL followed by the raw body
(Square signs no timestamp, so replays are stopped by the inbox's event id instead). Square cannot
transfer to a seller from the platform's account: payouts are manual.

A studio that connected its own Square account (OAuth, `square_oauth.py`) is paid directly:
`for_merchant` gives a gateway with the merchant's access token and location, and the platform's
fee rides on the link as `app_fee_money`. Webhooks of every connected merchant reach the
application's one subscription, signed with the same key, so verification does not change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, replace
from typing import Any

import httpx

from mosaic.core.config import Settings
from mosaic.providers.payments import (
    Checkout,
    CheckoutRequest,
    EventType,
    GatewayError,
    InvalidSignature,
    Merchant,
    PaymentEvent,
    PayoutResult,
    ProviderName,
    Reference,
    RefundResult,
)

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
BASE_URLS = {"sandbox": "https://connect.squareupsandbox.com", "production": "https://connect.squareup.com"}
WEBHOOK_PATH = "/api/v1/payments/webhooks/square"
_NOTE = re.compile(r"ref=(?P<reference>\S+) charge=(?P<charge>\S+)")


def square_signature(key: bytes, notification_url: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key, notification_url.encode() + body, hashlib.sha256).digest()).decode()


def _money(value: Any) -> int | None:
    return int(value["amount"]) if isinstance(value, dict) and "amount" in value else None


@dataclass
class SquareGateway:
    access_token: str
    location_id: str
    signature_key: bytes
    notification_url: str
    base_url: str
    api_version: str
    name: ProviderName = "square"

    @classmethod
    def from_settings(cls, settings: Settings) -> SquareGateway:
        if (
            settings.SQUARE_ACCESS_TOKEN is None
            or settings.SQUARE_WEBHOOK_SIGNATURE_KEY is None
            or not settings.SQUARE_LOCATION_ID
        ):
            raise ValueError(
                "PAYMENT_PROVIDER=square needs SQUARE_ACCESS_TOKEN, SQUARE_LOCATION_ID and "
                "SQUARE_WEBHOOK_SIGNATURE_KEY"
            )
        return cls(
            access_token=settings.SQUARE_ACCESS_TOKEN.get_secret_value(),
            location_id=settings.SQUARE_LOCATION_ID,
            signature_key=settings.SQUARE_WEBHOOK_SIGNATURE_KEY.get_secret_value().encode(),
            notification_url=settings.SQUARE_WEBHOOK_URL or settings.public_base_url + WEBHOOK_PATH,
            base_url=BASE_URLS[settings.SQUARE_ENVIRONMENT],
            api_version=settings.SQUARE_API_VERSION,
        )

    def for_merchant(self, merchant: Merchant) -> SquareGateway:
        """The same gateway acting for a connected seller: their token, their location."""
        return replace(self, access_token=merchant.access_token, location_id=merchant.location_id)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {self.access_token}",
            "Square-Version": self.api_version,
            "Content-Type": "application/json",
        }
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=20) as client:
                response = await client.post(path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise GatewayError(f"Square is unreachable: {type(exc).__name__}") from exc
        try:
            data: dict[str, Any] = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            codes = [error.get("code", "") for error in data.get("errors", []) if isinstance(error, dict)]
            raise GatewayError(f"Square answered {response.status_code} {','.join(codes)}".strip())
        return data

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        body: dict[str, Any] = {
            "idempotency_key": f"checkout-{request.charge_id}",
            "quick_pay": {
                "name": request.description,
                "price_money": {"amount": request.amount_minor, "currency": request.currency},
                "location_id": self.location_id,
            },
            "checkout_options": {"redirect_url": request.success_url},
            "payment_note": f"ref={request.reference} charge={request.charge_id}",
        }
        if request.app_fee_minor:
            body["checkout_options"]["app_fee_money"] = {
                "amount": request.app_fee_minor,
                "currency": request.currency,
            }
        if request.customer_email:
            body["pre_populated_data"] = {"buyer_email": request.customer_email}
        data = await self._post("/v2/online-checkout/payment-links", body)
        link = data.get("payment_link") or {}
        if not link.get("id") or not link.get("url"):
            raise GatewayError("Square answered a payment link without an id or URL")
        return Checkout(session_id=link["id"], url=link["url"], order_id=link.get("order_id"))

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> PaymentEvent:
        given = headers.get(SIGNATURE_HEADER)
        expected = square_signature(self.signature_key, self.notification_url, body)
        if not given or not hmac.compare_digest(expected, given):
            raise InvalidSignature("Square signature does not match")
        try:
            payload: dict[str, Any] = json.loads(body)
            provider_type = str(payload["type"])
            event_id = str(payload["event_id"])
            obj: dict[str, Any] = payload["data"]["object"]
        except (ValueError, KeyError, TypeError):
            raise InvalidSignature("not a Square event") from None
        if provider_type in ("refund.created", "refund.updated"):
            refund = obj.get("refund") or {}
            completed = refund.get("status") == "COMPLETED"
            return PaymentEvent(
                provider=self.name,
                event_id=event_id,
                type=EventType.REFUNDED if completed else EventType.IGNORED,
                provider_type=provider_type,
                payment_id=refund.get("payment_id"),
                order_id=refund.get("order_id"),
                refund_id=refund.get("id"),
                # A refund event carries its own amount, not the payment's total refunded.
                amount_minor=_money(refund.get("amount_money")),
                currency=(refund.get("amount_money") or {}).get("currency"),
                payload=payload,
            )
        payment = obj.get("payment") or {}
        note = _NOTE.search(payment.get("note") or "")
        status = payment.get("status")
        refunded = _money(payment.get("refunded_money"))
        if provider_type != "payment.updated" and provider_type != "payment.created":
            event_type = EventType.IGNORED
        elif refunded:
            event_type = EventType.REFUNDED
        elif status == "COMPLETED":
            event_type = EventType.CHECKOUT_COMPLETED
        elif status in ("FAILED", "CANCELED"):
            event_type = EventType.PAYMENT_FAILED
        else:
            event_type = EventType.IGNORED
        return PaymentEvent(
            provider=self.name,
            event_id=event_id,
            type=event_type,
            provider_type=provider_type,
            charge_id=note.group("charge") if note else None,
            reference=Reference.parse(note.group("reference")) if note else None,
            payment_id=payment.get("id"),
            order_id=payment.get("order_id"),
            amount_minor=_money(payment.get("amount_money")),
            refunded_minor=refunded,
            currency=(payment.get("amount_money") or {}).get("currency"),
            payload=payload,
        )

    async def refund(
        self, *, payment_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        data = await self._post(
            "/v2/refunds",
            {
                "idempotency_key": idempotency_key,
                "payment_id": payment_id,
                "amount_money": {"amount": amount_minor, "currency": currency},
            },
        )
        refund = data.get("refund") or {}
        if not refund.get("id"):
            raise GatewayError("Square answered a refund without an id")
        status = "succeeded" if refund.get("status") == "COMPLETED" else "pending"
        return RefundResult(
            refund_id=refund["id"],
            amount_minor=_money(refund.get("amount_money")) or amount_minor,
            status=status,
        )

    async def payout(
        self, *, amount_minor: int, currency: str, destination: str | None, idempotency_key: str
    ) -> PayoutResult:
        return PayoutResult(status="manual")
