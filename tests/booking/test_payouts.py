"""Payouts: a month of bookings, charges and refunds reconciles to the cent; each charge is counted
once; refunds after a payout carry into the next; owners see theirs, admins all; Stripe Connect.

Bookings and their charges are written to the database directly (the booking flow is tested in
its own module; here the inputs are the facts a payout reads: captured charges of bookings and
what is refunded of them), then every run and read goes through the HTTP API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx
from sqlalchemy import func, select

from mosaic.accounts.billing.models import Charge
from mosaic.booking.bookings.models import Booking
from mosaic.booking.payouts.models import PayoutLine
from mosaic.booking.payouts.service import platform_fee
from mosaic.core.money import to_minor_units
from tests.accounts.conftest import Account, new_account, set_role
from tests.booking.conftest import create_city, create_company, create_room, create_studio, data, new_owner

API = "/api/v1"
OCTOBER = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
MONDAYS = [datetime(2026, 10, 5, tzinfo=UTC) + timedelta(weeks=n) for n in range(6)]


@dataclass
class Place:
    owner: Account
    company_id: str
    studio_id: str
    room_id: str


async def place(client: httpx.AsyncClient, admin: Account) -> Place:
    owner = await new_owner(client)
    company = await create_company(client, owner)
    city = await create_city(client, admin)
    studio = await create_studio(client, owner, company["id"], city["id"])
    room = await create_room(client, owner, studio["id"])
    return Place(owner, company["id"], studio["id"], room["id"])


async def paid_booking(
    app: Any, where: Place, price: str, paid_at: datetime, refunded: str = "0", status: str = "paid"
) -> uuid.UUID:
    """A booking and its charge, captured at `paid_at` (or never, with another status)."""
    async with app.state.database.transaction() as session:
        booking = Booking(
            id=uuid.uuid4(),
            room_id=uuid.UUID(where.room_id),
            studio_id=uuid.UUID(where.studio_id),
            company_id=uuid.UUID(where.company_id),
            customer_id=uuid.UUID(where.owner.id),
            start_at=paid_at + timedelta(days=2),
            end_at=paid_at + timedelta(days=2, hours=2),
            blocked_until=paid_at + timedelta(days=2, hours=2),
            hours=2,
            status="confirmed",
            price=Decimal(price),
            currency="EUR",
        )
        session.add(booking)
        await session.flush()
        charge = Charge(
            gateway="offline",
            status=status,
            checkout_state="open" if status == "paid" else status,
            reference_kind="booking",
            reference_id=str(booking.id),
            purpose="booking",
            description="Room, 2 hours",
            amount_minor=to_minor_units(Decimal(price), "EUR"),
            refunded_minor=to_minor_units(Decimal(refunded), "EUR"),
            currency="EUR",
            session_id=f"ps_{uuid.uuid4().hex}",
            success_url="http://frontend.test/ok",
            cancel_url="http://frontend.test/no",
            expires_at=paid_at + timedelta(minutes=30),
            paid_at=paid_at if status == "paid" else None,
        )
        session.add(charge)
        await session.flush()
        booking.charge_id = charge.id
        return charge.id


async def refund(app: Any, charge_id: uuid.UUID, total_refunded: str) -> None:
    async with app.state.database.transaction() as session:
        charge = await session.get(Charge, charge_id)
        assert charge is not None
        charge.refunded_minor = to_minor_units(Decimal(total_refunded), "EUR")
        charge.status = "refunded" if charge.refunded_minor == charge.amount_minor else "partially_refunded"


async def run(client: httpx.AsyncClient, admin: Account, until: datetime) -> dict[str, Any]:
    result: dict[str, Any] = data(
        await client.post(f"{API}/payouts/run", params={"until": until.isoformat()}, headers=admin.headers)
    )
    return result


async def payouts_of(client: httpx.AsyncClient, where: Place) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = data(
        await client.get(
            f"{API}/companies/{where.company_id}/payouts", params={"limit": 100}, headers=where.owner.headers
        )
    )["items"]
    return sorted(items, key=lambda p: p["period_end"])


async def admin_of(app: Any, client: httpx.AsyncClient) -> Account:
    admin = await new_account(client, first_name="Ada")
    await set_role(app, admin.id, "admin")
    return admin


async def test_a_month_of_bookings_and_refunds_reconciles_to_the_cent(app, client):
    admin = await admin_of(app, client)
    studio = await place(client, admin)
    # Prices with awkward cents; the fee rounds half-even per payout.
    prices = ["33.33", "17.77", "0.05", "120.00", "45.55", "9.99", "64.15", "0.25", "80.80", "12.34"]
    charges = []
    for day in range(30):
        price = prices[day % len(prices)]
        charges.append(await paid_booking(app, studio, price, OCTOBER + timedelta(days=day, hours=day % 7)))
    # Never paid: not counted anywhere.
    await paid_booking(app, studio, "99.99", OCTOBER + timedelta(days=3), status="expired")
    # Refunded before its first payout (counted net in that payout).
    await refund(app, charges[1], "17.77")
    await refund(app, charges[2], "0.02")
    for monday in MONDAYS[:2]:
        await run(client, admin, monday)
    # Refunds after the charge's payout: they carry into a later payout.
    await refund(app, charges[0], "10.00")
    await refund(app, charges[3], "120.00")
    await refund(app, charges[0], "33.33")
    for monday in MONDAYS[2:]:
        await run(client, admin, monday)
    # A re-run of a period already paid does nothing twice.
    before = await payouts_of(client, studio)
    await run(client, admin, MONDAYS[-1])
    payouts = await payouts_of(client, studio)
    assert [p["id"] for p in payouts] == [p["id"] for p in before]

    async with app.state.database.transaction() as session:
        rows = (await session.scalars(select(Charge).where(Charge.id.in_(charges)))).all()
        captured = sum(c.amount_minor for c in rows)
        refunded = sum(c.refunded_minor for c in rows)
        captures = (
            await session.execute(
                select(PayoutLine.charge_id, func.count())
                .where(PayoutLine.charge_id.in_(charges), PayoutLine.captured_minor > 0)
                .group_by(PayoutLine.charge_id)
            )
        ).all()
    assert sorted(str(c) for c, n in captures if n == 1) == sorted(str(c) for c in charges)

    def cents(value: str) -> int:
        return to_minor_units(Decimal(value), "EUR")

    nets = sum(cents(p["net"]) for p in payouts)
    fees = sum(cents(p["fee"]) for p in payouts)
    assert nets + fees == captured - refunded
    assert sum(cents(p["gross"]) for p in payouts) == captured
    assert sum(cents(p["refunds"]) for p in payouts) == refunded
    for p in payouts:
        earned = cents(p["gross"]) - cents(p["refunds"])
        expected = int((Decimal(earned) / 10).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        assert cents(p["fee"]) == expected and cents(p["net"]) == earned - expected
        assert p["status"] in ("manual", "paid") and p["currency"] == "EUR"  # offline: manual
    # The refunds after payout show up as refunds of a later week.
    later = [p for p in payouts if p["period_end"].startswith("2026-10-19")]
    assert later and cents(later[0]["refunds"]) >= cents("153.33")


def test_the_fee_rounds_half_even_in_minor_units():
    percent = Decimal("10")
    assert [platform_fee(n, percent) for n in (15, 25, 5, 35, 0, -15)] == [2, 2, 0, 4, 0, -2]
    assert platform_fee(1, Decimal("50")) == 0 and platform_fee(3, Decimal("50")) == 2


async def test_refunds_beyond_a_week_s_earnings_carry_forward(app, client):
    admin = await admin_of(app, client)
    studio = await place(client, admin)
    first = await paid_booking(app, studio, "50.00", OCTOBER + timedelta(days=1))
    await run(client, admin, MONDAYS[0])
    await refund(app, first, "50.00")
    await run(client, admin, MONDAYS[1])  # only a refund: nothing to pay, nothing recorded
    assert len(await payouts_of(client, studio)) == 1
    await paid_booking(app, studio, "80.00", MONDAYS[1] + timedelta(days=2))
    await run(client, admin, MONDAYS[2])
    payouts = await payouts_of(client, studio)
    assert [(p["gross"], p["refunds"], p["fee"], p["net"]) for p in payouts] == [
        ("50.00", "0.00", "5.00", "45.00"),
        ("80.00", "50.00", "3.00", "27.00"),
    ]


async def test_owners_see_theirs_admins_see_all_and_mark_manual_payouts_paid(app, client):
    admin = await admin_of(app, client)
    studio = await place(client, admin)
    await paid_booking(app, studio, "20.00", OCTOBER + timedelta(days=8))
    await run(client, admin, MONDAYS[1])
    (payout,) = await payouts_of(client, studio)
    assert payout["status"] == "manual" and payout["transfer_id"] is None
    stranger = await new_owner(client)
    listed = await client.get(f"{API}/companies/{studio.company_id}/payouts", headers=stranger.headers)
    assert listed.status_code == 404
    assert (await client.get(f"{API}/payouts", headers=studio.owner.headers)).status_code == 403
    assert (await client.post(f"{API}/payouts/run", headers=studio.owner.headers)).status_code == 403
    every = data(
        await client.get(
            f"{API}/payouts",
            params={"company_id": studio.company_id, "status": "manual"},
            headers=admin.headers,
        )
    )
    assert [p["id"] for p in every["items"]] == [payout["id"]]
    mark = f"{API}/payouts/{payout['id']}/mark-paid"
    assert (await client.post(mark, json={}, headers=studio.owner.headers)).status_code == 403
    paid = data(await client.post(mark, json={"note": "SEPA", "reference": "SEPA-42"}, headers=admin.headers))
    assert paid["status"] == "paid" and paid["transfer_id"] == "SEPA-42" and paid["paid_at"]
    again = await client.post(mark, json={}, headers=admin.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "PAYOUT_ALREADY_PAID"
    missing = await client.post(f"{API}/payouts/{uuid.uuid4()}/mark-paid", json={}, headers=admin.headers)
    assert missing.status_code == 404


async def test_a_company_with_a_stripe_account_is_paid_by_connect_transfer(make_client):
    app, client = await make_client(
        PAYMENT_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_51Example", STRIPE_WEBHOOK_SECRET="whsec_test"
    )
    admin = await admin_of(app, client)
    studio = await place(client, admin)
    data(
        await client.put(
            f"{API}/companies/{studio.company_id}/stripe-account",
            json={"stripe_account_id": "acct_1MTfjCQ9PRzxEwkZ"},
            headers=admin.headers,
        )
    )
    await paid_booking(app, studio, "40.00", OCTOBER + timedelta(days=15))
    with respx.mock() as mock:
        refused = mock.post("https://api.stripe.com/v1/transfers").mock(
            return_value=httpx.Response(
                400,
                json={
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Insufficient funds",
                        "code": "balance_insufficient",
                    }
                },
            )
        )
        await run(client, admin, MONDAYS[2])
        (failed,) = await payouts_of(client, studio)
        assert failed["status"] == "failed" and failed["failure"]
        refused.mock(
            return_value=httpx.Response(
                200,
                json={
                    "id": "tr_1MiN3gLkdIwHu7ixNCZvFdgA",
                    "object": "transfer",
                    "amount": 3600,
                    "currency": "eur",
                    "destination": "acct_1MTfjCQ9PRzxEwkZ",
                },
            )
        )
        await run(client, admin, MONDAYS[3])  # the next run retries the failed transfer
    (paid,) = await payouts_of(client, studio)
    assert (paid["status"], paid["transfer_id"], paid["net"]) == (
        "paid",
        "tr_1MiN3gLkdIwHu7ixNCZvFdgA",
        "36.00",
    )
    request = refused.calls.last.request
    assert parse_qs(request.content.decode()) == {
        "amount": ["3600"],
        "currency": ["eur"],
        "destination": ["acct_1MTfjCQ9PRzxEwkZ"],
    }
    assert request.headers["Idempotency-Key"] == f"payout-{paid['id']}" and refused.call_count == 2
