"""The data set: 1,000 users and notifications by SQL, then a plan, trades and flows through the API.

Users share one precomputed argon2 hash (hashing 1,000 passwords would take longer than the
benchmark); everything a user does is created through the API as the user would.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.environment import SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD

USERS = 1000  # including the benchmark user
NOTIFICATIONS = 20  # for the benchmark user
TRADES = 50
FLOWS = 5
BENCH_EMAIL = "bench-user-0000@bench.example.com"
# Writes (POST /trades) go to a second user so the reads keep seeing the seeded data set.
WRITER_EMAIL = "bench-user-0001@bench.example.com"
BENCH_PASSWORD = "bench-Passw0rd-7319"  # throwaway accounts in a throwaway database
API = "/api/v1"
TRADE_BODY: dict[str, Any] = {
    "symbol": "BTC/USDT",
    "side": "buy",
    "trade_type": "crypto",
    "entry_price": "65000.50",
    "quantity": "0.25",
    "leverage": 2,
}
# The Free plan allows 50 trades a day: the benchmark user is on a plan that does not cap a load test.
BENCH_PLAN: dict[str, Any] = {
    "name": "Bench Pro",
    "description": "Benchmark plan",
    "price": "29.00",
    "features": [{"resource": "trades", "title": "Trade journal"}],
    "limits": [
        {"resource": "trades_per_day", "title": "Trades per day", "value": 1_000_000_000},
        {"resource": "flows", "title": "Flows", "value": 1000},
        {"resource": "agents", "title": "Agents", "value": 1000},
        {"resource": "wallets", "title": "Wallets", "value": 1000},
    ],
    "duration_days": 30,
}


@dataclass
class Seeded:
    user_id: uuid.UUID
    token: str = ""
    writer_token: str = ""
    notes: list[str] = field(default_factory=list)


def seed_users(database_url: str) -> Seeded:
    """1,000 users in one transaction sharing one precomputed argon2 hash; the benchmark user's id."""
    return Seeded(asyncio.run(_seed_users(database_url)))


async def _seed_users(database_url: str) -> uuid.UUID:
    from sqlalchemy import insert, select

    from mosaic.accounts.notifications.models import Notification
    from mosaic.accounts.rbac.models import Role
    from mosaic.accounts.users.models import User
    from mosaic.core.config import Settings
    from mosaic.core.database import Database
    from mosaic.core.security import hash_password
    from mosaic.main import import_all_models

    import_all_models()
    password_hash = await hash_password(BENCH_PASSWORD)
    database = Database(Settings(_env_file=None, DATABASE_URL=database_url))  # type: ignore[call-arg]
    now = datetime.now(UTC)
    bench_id = uuid.uuid4()
    try:
        async with database.transaction() as session:
            role_id = (await session.execute(select(Role.id).where(Role.name == "user"))).scalar_one()
            users = [
                {
                    "id": bench_id if i == 0 else uuid.uuid4(),
                    "email": f"bench-user-{i:04d}@bench.example.com",
                    "password_hash": password_hash,
                    "is_active": True,
                    "is_verified": True,
                    "first_name": f"Bench{i}",
                    "last_name": "User",
                    "role_id": role_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(USERS)
            ]
            await session.execute(insert(User), users)
            notifications = [
                {
                    "user_id": bench_id,
                    "title": f"Notification {i}",
                    "description": "Seeded by the benchmark.",
                    "is_viewed": i % 3 == 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(NOTIFICATIONS)
            ]
            await session.execute(insert(Notification), notifications)
    finally:
        await database.dispose()
    return bench_id


MARKETPLACE_STUDIOS = 10_000
MARKETPLACE_ROOMS_PER_STUDIO = 3  # 30,000 rooms


def seed_marketplace(database_url: str, studios: int = MARKETPLACE_STUDIOS) -> str:
    """The booking search data set, by the demo generator at scale (SQL bulk inserts)."""
    return asyncio.run(_seed_marketplace(database_url, studios))


async def _seed_marketplace(database_url: str, studios: int) -> str:
    from sqlalchemy import select

    from mosaic.accounts.users.models import User
    from mosaic.booking.demo import generate
    from mosaic.booking.geography.service import seed_countries
    from mosaic.core.config import Settings
    from mosaic.core.database import Database
    from mosaic.main import import_all_models

    import_all_models()
    database = Database(Settings(_env_file=None, DATABASE_URL=database_url))  # type: ignore[call-arg]
    try:
        async with database.transaction() as session:
            await seed_countries(session)
            owners = list((await session.execute(select(User.id).limit(50))).scalars())
            made = await generate(
                session,
                owners,
                studios=studios,
                rooms_per_studio=MARKETPLACE_ROOMS_PER_STUDIO,
                studios_per_company=10,
            )
    finally:
        await database.dispose()
    return f"marketplace: {made.studios} studios, {made.rooms} rooms in {made.companies} companies"


def _login(client: httpx.Client, email: str, password: str) -> str:
    response = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return str(response.json()["data"]["access_token"])


def seed_through_api(base_url: str, seeded: Seeded) -> None:
    """Log in, move the benchmark user to an uncapped plan, create its trades and flows."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        admin = {"Authorization": f"Bearer {_login(client, SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD)}"}
        plan = client.post(f"{API}/plans", json=BENCH_PLAN, headers=admin)
        plan.raise_for_status()
        seeded.token = _login(client, BENCH_EMAIL, BENCH_PASSWORD)
        seeded.writer_token = _login(client, WRITER_EMAIL, BENCH_PASSWORD)
        for token in (seeded.token, seeded.writer_token):
            client.post(
                f"{API}/users/me/plans",
                json={"plan_id": plan.json()["data"]["id"]},
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
        user = {"Authorization": f"Bearer {seeded.token}"}
        seeded.notes.append(_create_many(client, "trades", TRADES, lambda _: TRADE_BODY, user))
        # A flow's steps reference a catalogue prompt and agent: use the seeded public ones.
        prompts = client.get(f"{API}/prompts", headers=user).json().get("data") or {"items": []}
        agents = client.get(f"{API}/agents", headers=user).json().get("data") or {"items": []}
        if prompts["items"] and agents["items"]:
            step = {"step": 0, "prompt_id": prompts["items"][0]["id"], "agent_id": agents["items"][0]["id"]}

            def flow(i: int) -> dict[str, Any]:
                return {"title": f"Bench flow {i}", "description": "Seeded by the benchmark", "steps": [step]}

            seeded.notes.append(_create_many(client, "flows", FLOWS, flow, user))
        else:
            seeded.notes.append("flows: no public prompt or agent in the catalogue, not seeded")


def _create_many(client: httpx.Client, resource: str, count: int, body: Any, headers: dict[str, str]) -> str:
    created = 0
    for i in range(count):
        response = client.post(f"{API}/{resource}", json=body(i), headers=headers)
        if response.status_code == 404 and created == 0:
            return f"{resource}: endpoint not available, not seeded"
        if response.status_code >= 300:
            answer = f"{response.status_code} {response.text[:200]}"
            return f"{resource}: {created} of {count} seeded; POST answered {answer}"
        created += 1
    return f"{resource}: {created} seeded through the API"


# -- bookings: one room with a month of bookings, for availability and contended creation -------
BOOKING_STUDIO_ID = uuid.UUID("5b0c1a7e-0000-4000-8000-00000000b001")
BOOKING_ROOM_ID = uuid.UUID("5b0c1a7e-0000-4000-8000-00000000b002")
AVAILABILITY_DAYS = 30
BOOKINGS_PER_DAY = 3


def booking_day(offset_days: int) -> str:
    """A local day `offset_days` from today (UTC), as availability's `from`/`to` take it."""
    from datetime import timedelta

    return (datetime.now(UTC).date() + timedelta(days=offset_days)).isoformat()


def contended_start() -> str:
    """The one slot every connection of the contention scenario tries to book (a week ahead, 10:00Z)."""
    return f"{booking_day(7)}T10:00:00Z"


def seed_booking_room(database_url: str) -> str:
    return asyncio.run(_seed_booking_room(database_url))


async def _seed_booking_room(database_url: str) -> str:
    """A published studio (New York, 08:00-22:00 every day, 30-minute grid, 15-minute buffer) with
    one room and `BOOKINGS_PER_DAY` confirmed bookings a day over the availability range."""
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from mosaic.accounts.users.models import User
    from mosaic.booking.bookings.models import Booking
    from mosaic.booking.companies.models import Company, CompanyMember
    from mosaic.booking.geography.models import City
    from mosaic.booking.geography.service import seed_countries
    from mosaic.booking.rooms.models import Room, RoomPrice
    from mosaic.booking.studios.models import Studio, StudioHours
    from mosaic.core.config import Settings
    from mosaic.core.database import Database
    from mosaic.main import import_all_models

    import_all_models()
    database = Database(Settings(_env_file=None, DATABASE_URL=database_url))  # type: ignore[call-arg]
    try:
        async with database.transaction() as session:
            await seed_countries(session)
            owner, customer = list(
                (await session.execute(select(User.id).order_by(User.email).limit(2))).scalars()
            )
            city = City(
                name="Bench City", country_code="US", timezone="America/New_York", lat=40.7, lng=-74.0
            )
            company = Company(name="Bench Studios", slug="bench-studios", created_by=owner)
            session.add_all([city, company])
            await session.flush()
            session.add(CompanyMember(company_id=company.id, user_id=owner, role="owner"))
            studio = Studio(
                id=BOOKING_STUDIO_ID,
                company_id=company.id,
                name="Bench Booking Studio",
                slug="bench-booking-studio",
                street="1 Bench St",
                city_id=city.id,
                country_code="US",
                lat=40.7,
                lng=-74.0,
                timezone="America/New_York",
                currency="USD",
                is_published=True,
                min_notice_minutes=0,
                max_advance_days=365,
            )
            session.add(studio)
            await session.flush()
            interval = [{"open": "08:00", "close": "22:00"}]
            session.add_all(
                StudioHours(studio_id=studio.id, weekday=day, mode="open", intervals=interval)
                for day in range(7)
            )
            room = Room(
                id=BOOKING_ROOM_ID,
                studio_id=studio.id,
                name="Bench Room",
                capacity=4,
                min_hours=1,
                max_hours=8,
                buffer_minutes=15,
                slot_step_minutes=30,
            )
            session.add(room)
            await session.flush()
            session.add_all(
                [
                    RoomPrice(room_id=room.id, hours=1, price=Decimal("40.00")),
                    RoomPrice(room_id=room.id, hours=3, price=Decimal("100.00")),
                ]
            )
            today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            made = 0
            for day in range(1, AVAILABILITY_DAYS + 1):
                if day == 7:
                    continue  # the contention scenario's day stays free
                for index in range(BOOKINGS_PER_DAY):
                    start = today + timedelta(days=day, hours=14 + 3 * index)  # 09:00, 12:00, 15:00 EST
                    end = start + timedelta(hours=2)
                    session.add(
                        Booking(
                            room_id=room.id,
                            studio_id=studio.id,
                            company_id=company.id,
                            customer_id=customer,
                            start_at=start,
                            end_at=end,
                            blocked_until=end + timedelta(minutes=15),
                            hours=2,
                            status="confirmed",
                            price=Decimal("80.00"),
                            currency="USD",
                            refunded_amount=Decimal(0),
                        )
                    )
                    made += 1
    finally:
        await database.dispose()
    return (
        f"booking room: 08:00-22:00 every day, 30-minute grid, {made} confirmed bookings"
        f" over {AVAILABILITY_DAYS} days"
    )
