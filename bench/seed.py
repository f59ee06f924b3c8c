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
