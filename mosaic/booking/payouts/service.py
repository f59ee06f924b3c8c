"""Computing and paying payouts.

Each run (the weekly schedule, or an admin's `POST /payouts/run`) looks at the captured charges of
bookings paid into the platform's account before the period's end that some payout has not fully
counted: a charge never counted adds its amount to gross (and what is refunded so far to
refunds); a charge counted before whose refunded amount has grown since adds only the growth to
refunds. So a charge is counted in exactly one payout and a later refund carries into the next,
reducing it. Per company and currency:

    fee = round_half_even((gross - refunds) * PLATFORM_FEE_PERCENT / 100)   in minor units
    net = gross - refunds - fee

and over any number of payouts `sum(net) + sum(fee) = captured - refunded`, to the cent. A
period whose refunds exceed what it earned creates nothing: its lines stay uncounted and the
next run nets them against new earnings.

Charges paid into a studio's own Square account (`Charge.merchant_id`) are skipped: the studio
already holds that money and the platform's fee was taken there as Square's app fee.

Paying: the platform's gateway transfers the net to the company's Stripe Connect account
(`PaymentGateway.payout`, idempotency key `payout-<id>`); a gateway that cannot (offline, Square)
or a company without an account gives `manual`, which an admin marks paid once transferred.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.service import CAPTURED
from mosaic.booking.bookings.models import Booking
from mosaic.booking.companies.models import Company
from mosaic.booking.payouts.models import Payout, PayoutLine
from mosaic.core.config import Settings
from mosaic.core.database import utcnow
from mosaic.core.errors import Conflict
from mosaic.core.repository import Repository
from mosaic.providers.payments import GatewayError, PaymentGateway

logger = logging.getLogger("mosaic.booking.payouts")

PERIOD = timedelta(days=7)


class PayoutRepository(Repository[Payout]):
    model = Payout
    label = "Payout"
    sortable = frozenset({"created_at", "period_end", "status"})
    default_sort = "-created_at"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of `moment`'s week: the end of the period the weekly run pays."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def platform_fee(amount_minor: int, percent: Decimal) -> int:
    """The fee in minor units, half-even (banker's) rounding: no systematic bias either way."""
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class _Tally:
    gross: int = 0
    refunds: int = 0
    lines: list[tuple[uuid.UUID, int, int]] = field(default_factory=list)


async def _uncounted(session: AsyncSession, until: datetime) -> list[tuple[Charge, int | None, int | None]]:
    counted = (
        select(
            PayoutLine.charge_id.label("charge_id"),
            func.sum(PayoutLine.captured_minor).label("captured"),
            func.sum(PayoutLine.refunded_minor).label("refunded"),
        )
        .group_by(PayoutLine.charge_id)
        .subquery()
    )
    rows = await session.execute(
        select(Charge, counted.c.captured, counted.c.refunded)
        .outerjoin(counted, counted.c.charge_id == Charge.id)
        .where(
            Charge.reference_kind == "booking",
            Charge.status.in_(CAPTURED),
            Charge.merchant_id.is_(None),
            Charge.paid_at < until,
            or_(counted.c.charge_id.is_(None), Charge.refunded_minor > counted.c.refunded),
        )
        .order_by(Charge.paid_at, Charge.id)
    )
    return [(charge, captured, refunded) for charge, captured, refunded in rows.all()]


async def _companies_of(session: AsyncSession, reference_ids: set[str]) -> dict[str, uuid.UUID]:
    """Booking id (as charges reference it) -> company id; read in Python, so both backends agree."""
    ids = []
    for text in reference_ids:
        try:
            ids.append(uuid.UUID(text))
        except ValueError:
            continue
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(Booking.id, Booking.company_id).where(Booking.id.in_(ids[start : start + 500]))
        )
        found.update({str(booking_id): company_id for booking_id, company_id in rows.all()})
    return found


async def compute_payouts(session: AsyncSession, settings: Settings, until: datetime) -> list[Payout]:
    """Create the payouts for the period ending `until` (pending; `pay_pending` sends them)."""
    until = until.astimezone(UTC)
    uncounted = await _uncounted(session, until)
    companies = await _companies_of(session, {charge.reference_id for charge, _, _ in uncounted})
    tallies: dict[tuple[uuid.UUID, str], _Tally] = defaultdict(_Tally)
    for charge, captured, refunded in uncounted:
        company_id = companies.get(charge.reference_id)
        if company_id is None:
            logger.warning("charge %s references no booking: left out of payouts", charge.id)
            continue
        tally = tallies[(company_id, charge.currency)]
        if captured is None:  # never counted: its capture and what is refunded of it so far
            tally.gross += charge.amount_minor
            tally.refunds += charge.refunded_minor
            tally.lines.append((charge.id, charge.amount_minor, charge.refunded_minor))
        else:  # counted before: only the refund since
            delta = charge.refunded_minor - int(refunded or 0)
            tally.refunds += delta
            tally.lines.append((charge.id, 0, delta))
    gateway_name = settings.PAYMENT_PROVIDER
    percent = settings.PLATFORM_FEE_PERCENT
    created: list[Payout] = []
    for (company_id, currency), tally in sorted(
        tallies.items(), key=lambda item: (str(item[0][0]), item[0][1])
    ):
        earned = tally.gross - tally.refunds
        if earned < 0:
            logger.info(
                "company %s owes %d %s in refunds: carried to the next payout", company_id, -earned, currency
            )
            continue
        existing = await session.scalar(
            select(Payout.id).where(
                Payout.company_id == company_id, Payout.currency == currency, Payout.period_end == until
            )
        )
        if existing is not None:  # this period was already paid out (a re-run): nothing twice
            continue
        company = await session.get(Company, company_id)
        fee = platform_fee(earned, percent)
        payout = Payout(
            id=uuid.uuid4(),
            company_id=company_id,
            currency=currency,
            period_start=until - PERIOD,
            period_end=until,
            gross_minor=tally.gross,
            refunds_minor=tally.refunds,
            fee_minor=fee,
            net_minor=earned - fee,
            fee_percent=percent,
            status="pending" if earned - fee > 0 else "paid",
            gateway=gateway_name,
            destination=company.stripe_account_id if company else None,
            paid_at=None if earned - fee > 0 else utcnow(),
            note="" if earned - fee > 0 else "Nothing to transfer",
        )
        session.add(payout)
        await session.flush()
        session.add_all(
            PayoutLine(payout_id=payout.id, charge_id=charge_id, captured_minor=cap, refunded_minor=ref)
            for charge_id, cap, ref in tally.lines
        )
        created.append(payout)
    await session.flush()
    logger.info("payouts computed until %s: %d", until.isoformat(), len(created))
    return created


async def pay(session: AsyncSession, gateway: PaymentGateway, payout: Payout) -> Payout:
    """Send one pending payout through the gateway (idempotent per payout)."""
    try:
        result = await gateway.payout(
            amount_minor=payout.net_minor,
            currency=payout.currency,
            destination=payout.destination,
            idempotency_key=f"payout-{payout.id}",
        )
    except GatewayError as exc:
        payout.status = "failed"
        payout.failure = str(exc)[:200]
        logger.warning("payout %s failed: %s", payout.id, exc)
    else:
        payout.status = result.status
        payout.transfer_id = result.transfer_id
        payout.failure = None
        payout.gateway = gateway.name
        if result.status == "paid":
            payout.paid_at = utcnow()
    await session.flush()
    return payout


async def payable(session: AsyncSession) -> list[Payout]:
    """Payouts not yet sent (or whose transfer failed), oldest first."""
    return list(
        (
            await session.scalars(
                select(Payout)
                .where(Payout.status.in_(("pending", "failed")), Payout.transfer_id.is_(None))
                .order_by(Payout.created_at)
            )
        ).all()
    )


async def mark_paid(
    session: AsyncSession, payout: Payout, user_id: uuid.UUID, note: str, reference: str | None
) -> Payout:
    if payout.status == "paid":
        raise Conflict("This payout is already paid", code="PAYOUT_ALREADY_PAID")
    payout.status = "paid"
    payout.paid_at = utcnow()
    payout.marked_paid_by = user_id
    payout.note = note[:200]
    if reference:
        payout.transfer_id = reference
    await session.flush()
    return payout
