"""Billing: checkouts through the configured gateway, verified webhooks through the core inbox,
charges and refunds, and dispatch of payment outcomes to the domain that owns the reference.

Why here: accounts is always mounted and may import providers, while core may not; booking (a
domain) imports accounts, so it reuses `start_checkout`, `refund_charge` and the `Charge` table and
only declares `Domain(payment_handlers={"booking": ...})`.

The flow, the same for every gateway:

1. `start_checkout` stores a `Charge` (pending) and asks the gateway for a checkout URL.
2. The provider (or the offline page) posts a webhook; `receive_webhook` verifies it over the raw
   body (`InvalidSignature` -> 400, nothing stored) and records it in the inbox under the
   provider's event id: a replay is a no-op that still answers 200.
3. After the commit the inbox runs `handle_payment_event` once: the charge's state is moved by
   the event (`apply_event`, order-independent: a refund seen before the payment still ends
   refunded), and the handler of the reference's kind sees the transition.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.billing.models import Charge, ChargeRefund
from mosaic.core.config import Settings
from mosaic.core.database import utcnow
from mosaic.core.domain import PaymentHandler, load_domains
from mosaic.core.errors import AppError, BadRequest, Conflict, ServiceUnavailable
from mosaic.core.inbox import ExternalEvent, InboxRegistry, record_external_event
from mosaic.core.jobs import JobContext, JobQueue
from mosaic.core.money import from_minor_units, to_minor_units
from mosaic.core.repository import Repository
from mosaic.providers.payments import (
    PROVIDERS,
    CheckoutRequest,
    EventType,
    GatewayError,
    InvalidSignature,
    Merchant,
    PaymentEvent,
    PaymentGateway,
    Reference,
    build_payment_gateway,
)
from mosaic.providers.payments.offline import OfflineGateway
from mosaic.providers.payments.square_gateway import SquareGateway

logger = logging.getLogger("mosaic.billing")

# How a checkout ends unpaid, by the event that says so.
LAPSED_STATES = {
    EventType.CHECKOUT_EXPIRED: "expired",
    EventType.CHECKOUT_CANCELLED: "cancelled",
    EventType.PAYMENT_FAILED: "failed",
}
# Statuses a charge can be in; `paid` and the refunded ones mean money was captured.
CAPTURED = frozenset({"paid", "partially_refunded", "refunded"})


class InvalidWebhook(BadRequest):
    code = "INVALID_SIGNATURE"
    default_message = "The webhook signature or body is not valid"


class PaymentGatewayUnavailable(ServiceUnavailable):
    code = "PAYMENT_GATEWAY_UNAVAILABLE"
    default_message = "The payment provider could not be reached; try again shortly"


class ProviderNotConfigured(AppError):
    status_code = 404
    code = "PAYMENT_PROVIDER_NOT_CONFIGURED"
    default_message = "This deployment does not take payments through that provider"


class RefundTooPrecise(AppError):
    status_code = 422
    code = "AMOUNT_TOO_PRECISE"
    default_message = "The amount has more decimals than the charge's currency allows"


class ChargeRepository(Repository[Charge]):
    model = Charge
    label = "Charge"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "status", "amount_minor"})
    default_sort = "-created_at"


@dataclass
class ChargeUpdate:
    """What a domain's payment handler is told: the charge after the event, and what it was before."""

    charge: Charge
    event: PaymentEvent
    previous_status: str
    settings: Settings
    jobs: JobQueue | None

    @property
    def reference(self) -> Reference:
        return Reference(self.charge.reference_kind, self.charge.reference_id)

    @property
    def became_paid(self) -> bool:
        return self.charge.status == "paid" and self.previous_status not in CAPTURED

    @property
    def became_refunded(self) -> bool:
        return self.charge.status == "refunded" and self.previous_status != "refunded"

    @property
    def lapsed(self) -> bool:
        """The checkout ended unpaid (expired, cancelled, failed) with this event."""
        return self.charge.status in ("expired", "cancelled", "failed") and self.previous_status == "pending"

    def gateway(self) -> PaymentGateway:
        return build_payment_gateway(self.settings, gateway_name(self.charge.gateway))


def gateway_name(name: str) -> Literal["offline", "stripe", "square"]:
    for provider in PROVIDERS:
        if provider == name:
            return provider
    raise ProviderNotConfigured()


def status_of(charge: Charge) -> str:
    """The charge's status from its facts; any order of events gives the same answer."""
    if charge.refunded_minor >= charge.amount_minor > 0:
        return "refunded"
    if charge.refunded_minor > 0:
        return "partially_refunded"
    if charge.paid_at is not None:
        return "paid"
    return "pending" if charge.checkout_state == "open" else charge.checkout_state


def amount_of(charge: Charge, minor: int | None = None) -> Decimal:
    return from_minor_units(charge.amount_minor if minor is None else minor, charge.currency)


async def start_checkout(
    session: AsyncSession,
    gateway: PaymentGateway,
    *,
    reference: Reference,
    purpose: str,
    description: str,
    amount: Decimal,
    currency: str,
    user_id: uuid.UUID | None,
    customer_email: str | None,
    success_url: str,
    cancel_url: str,
    expires_at: datetime,
    merchant: Merchant | None = None,
    app_fee: Decimal | None = None,
) -> Charge:
    """A pending charge with the gateway's checkout URL (503 when the gateway cannot be reached).

    With a `merchant` of the gateway's provider (a studio's connected Square account) the checkout
    is created with the merchant's token and location, so the money lands in their account, and
    `app_fee` is the platform's share taken there; otherwise the platform's account takes it all.
    """
    acting = merchant_gateway(gateway, merchant)
    bound = merchant if acting is not gateway else None
    gateway = acting
    charge = await ChargeRepository(session).create(
        gateway=gateway.name,
        merchant_id=bound.merchant_id if bound else None,
        status="pending",
        checkout_state="open",
        reference_kind=reference.kind,
        reference_id=reference.id,
        purpose=purpose,
        description=description[:200],
        user_id=user_id,
        amount_minor=to_minor_units(amount, currency),
        refunded_minor=0,
        currency=currency,
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=expires_at,
    )
    try:
        checkout = await gateway.create_checkout(
            CheckoutRequest(
                charge_id=str(charge.id),
                amount_minor=charge.amount_minor,
                currency=currency,
                reference=reference,
                description=charge.description,
                success_url=success_url,
                cancel_url=cancel_url,
                expires_at=expires_at,
                customer_email=customer_email,
                app_fee_minor=to_minor_units(app_fee, currency) if bound and app_fee else None,
            )
        )
    except GatewayError as exc:
        logger.warning("checkout at %s failed: %s", gateway.name, exc)
        raise PaymentGatewayUnavailable() from exc
    charge.session_id = checkout.session_id
    charge.checkout_url = checkout.url
    charge.order_id = checkout.order_id
    await session.flush()
    return charge


def merchant_gateway(gateway: PaymentGateway, merchant: Merchant | None) -> PaymentGateway:
    """`gateway` acting for `merchant` when it can (Square), else the platform's own gateway."""
    if merchant is not None and merchant.provider == gateway.name and isinstance(gateway, SquareGateway):
        return gateway.for_merchant(merchant)
    return gateway


async def receive_webhook(
    session: AsyncSession,
    jobs: JobQueue,
    inbox: InboxRegistry,
    gateway: PaymentGateway,
    body: bytes,
    headers: dict[str, str],
) -> tuple[PaymentEvent, Literal["new", "duplicate"]]:
    """Verify, then store once in the inbox; the one path of real and offline deliveries."""
    try:
        event = gateway.parse_webhook(body, {key.lower(): value for key, value in headers.items()})
    except InvalidSignature as exc:
        logger.warning("rejected a %s webhook: %s", gateway.name, exc)
        raise InvalidWebhook() from None
    outcome = await record_external_event(
        session,
        jobs,
        provider=gateway.name,
        event_id=event.event_id,
        payload=event.as_record(),
        event_type=event.type.value,
        inbox=inbox,
    )
    return event, outcome


async def deliver_offline_event(
    session: AsyncSession,
    jobs: JobQueue,
    inbox: InboxRegistry,
    gateway: OfflineGateway,
    charge: Charge,
    event_type: str,
) -> None:
    """What a real gateway does on its side: post a signed event to our webhook code path."""
    body, headers = gateway.sign_event(
        event_type,
        charge_id=str(charge.id),
        session_id=charge.session_id or "",
        reference=f"{charge.reference_kind}:{charge.reference_id}",
        amount_minor=charge.amount_minor,
        currency=charge.currency,
        refunded_minor=charge.refunded_minor,
    )
    await receive_webhook(session, jobs, inbox, gateway, body, headers)


async def find_charge(session: AsyncSession, gateway: str, event: PaymentEvent) -> Charge | None:
    """The charge an event is about: by our id, else by the provider's session/order/payment id."""
    if event.charge_id:
        try:
            charge_id = uuid.UUID(event.charge_id)
        except ValueError:
            charge_id = None
        if charge_id is not None:
            found = await session.get(Charge, charge_id, with_for_update=True)
            if found is not None and found.gateway == gateway:
                return found
    # Most specific first: a session or order names one checkout, a payment id only once captured.
    for column, value in (
        (Charge.session_id, event.session_id),
        (Charge.order_id, event.order_id),
        (Charge.payment_id, event.payment_id),
    ):
        if value:
            found = (
                await session.execute(
                    select(Charge)
                    .where(Charge.gateway == gateway, column == value)
                    .limit(1)
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if found is not None:
                return found
    return None


async def _record_refund(
    session: AsyncSession, charge: Charge, refund_id: str, amount_minor: int, status: str, reason: str = ""
) -> None:
    existing = await session.scalar(
        select(ChargeRefund).where(
            ChargeRefund.charge_id == charge.id, ChargeRefund.provider_refund_id == refund_id
        )
    )
    if existing is None:
        session.add(
            ChargeRefund(
                charge_id=charge.id,
                provider_refund_id=refund_id,
                amount_minor=amount_minor,
                status=status,
                reason=reason,
            )
        )
    else:
        existing.status = "succeeded" if status == "succeeded" else existing.status
    await session.flush()
    succeeded = await session.scalars(
        select(ChargeRefund.amount_minor).where(
            ChargeRefund.charge_id == charge.id, ChargeRefund.status == "succeeded"
        )
    )
    charge.refunded_minor = min(charge.amount_minor, max(charge.refunded_minor, sum(succeeded)))


async def apply_event(session: AsyncSession, charge: Charge, event: PaymentEvent) -> None:
    """Move the charge's facts by one event; facts only grow, so order does not matter."""
    now = utcnow()
    if event.payment_id and not charge.payment_id:
        charge.payment_id = event.payment_id
    if event.type is EventType.CHECKOUT_COMPLETED:
        if charge.paid_at is None:
            charge.paid_at = now
            charge.paid_late = now > charge.expires_at
    elif event.type is EventType.REFUNDED:
        # A refund proves a capture even when the payment's own event is still on its way.
        charge.paid_at = charge.paid_at or now
        if event.refund_id:
            await _record_refund(session, charge, event.refund_id, event.amount_minor or 0, "succeeded")
        if event.refunded_minor is not None:
            charge.refunded_minor = min(charge.amount_minor, max(charge.refunded_minor, event.refunded_minor))
    elif event.type in LAPSED_STATES and charge.checkout_state == "open":
        charge.checkout_state = LAPSED_STATES[event.type]
    charge.status = status_of(charge)
    await session.flush()


def payment_handlers(settings: Settings) -> dict[str, PaymentHandler]:
    """Reference kind -> handler, from the enabled domains (the API and the worker alike)."""
    handlers: dict[str, PaymentHandler] = {}
    for domain in load_domains(settings.MOSAIC_DOMAINS):
        for kind, handler in domain.payment_handlers.items():
            if kind in handlers:
                raise ValueError(f"payment reference kind {kind!r} is claimed by two domains")
            handlers[kind] = handler
    return handlers


async def handle_payment_event(ctx: JobContext, session: AsyncSession, stored: ExternalEvent) -> None:
    """The inbox handler of every payment provider: apply the event, then tell the reference's owner."""
    event = PaymentEvent.from_record(stored.provider, stored.event_id, stored.payload)
    if event.type is EventType.IGNORED:
        return
    charge = await find_charge(session, stored.provider, event)
    if charge is None:
        logger.warning("%s event %s matches no charge: ignored", stored.provider, stored.event_id)
        return
    previous = charge.status
    await apply_event(session, charge, event)
    handler = payment_handlers(ctx.settings).get(charge.reference_kind)
    if handler is None:
        logger.warning("no payment handler for reference kind %r", charge.reference_kind)
        return
    await handler(session, ChargeUpdate(charge, event, previous, ctx.settings, ctx.jobs))


async def refund_charge(
    session: AsyncSession,
    gateway: PaymentGateway,
    charge: Charge,
    amount_minor: int | None = None,
    reason: str = "",
) -> ChargeRefund:
    """Refund all that is left (or `amount_minor`) of a captured charge, recorded at once."""
    if charge.status not in CAPTURED or charge.payment_id is None:
        raise Conflict("Only a paid charge can be refunded", code="CHARGE_NOT_REFUNDABLE")
    remaining = charge.amount_minor - charge.refunded_minor
    amount = remaining if amount_minor is None else amount_minor
    if amount <= 0 or amount > remaining:
        raise Conflict(
            f"Refund must be between 1 and {remaining} minor units",
            code="REFUND_EXCEEDS_CHARGE",
            details={"remaining": str(amount_of(charge, remaining))},
        )
    refunded_before = await session.scalar(
        select(ChargeRefund.id).where(ChargeRefund.charge_id == charge.id).limit(1)
    )
    key = f"refund-{uuid.uuid5(charge.id, f'{charge.refunded_minor}-{amount}-{bool(refunded_before)}')}"
    try:
        result = await gateway.refund(
            payment_id=charge.payment_id,
            amount_minor=amount,
            currency=charge.currency,
            idempotency_key=key[:45],
        )
    except GatewayError as exc:
        logger.warning("refund at %s failed: %s", gateway.name, exc)
        raise PaymentGatewayUnavailable() from exc
    await _record_refund(session, charge, result.refund_id, result.amount_minor, result.status, reason)
    charge.status = status_of(charge)
    await session.flush()
    refund = await session.scalar(
        select(ChargeRefund).where(
            ChargeRefund.charge_id == charge.id, ChargeRefund.provider_refund_id == result.refund_id
        )
    )
    assert refund is not None
    return refund
