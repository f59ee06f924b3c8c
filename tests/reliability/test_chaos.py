"""Chaos under a bounded load (issue 17 "keep it closed"): a Redis of our own killed and restarted,
and a Celery broker that is not there. No 500, 503 only where the request needs the missing
service, recovery without a restart, and every acknowledged write is there afterwards.

The load is a fixed number of concurrent clients, each doing reads and writes in a loop while
the fault is injected; the figures (requests, statuses) are asserted, not timed.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mosaic.main import create_app
from tests.accounts.conftest import Account, new_account
from tests.conftest import running
from tests.reliability.pg import OwnDatabase, breakable_settings
from tests.reliability.serve import free_port

CLIENTS = 4
ROUNDS = 15


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A redis-server on a port of its own, which the test may kill and restart."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    state: dict[str, Any] = {"port": port, "process": None}

    def start() -> None:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
            ).stdout.strip()
            != "PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        state["process"] = process

    def kill() -> None:
        process: subprocess.Popen[bytes] = state["process"]
        process.kill()
        process.wait()

    state["start"], state["kill"] = start, kill
    start()
    try:
        yield state
    finally:
        if state["process"].poll() is None:
            kill()


async def _load(
    client: httpx.AsyncClient, account: Account, statuses: Counter[int], written: list[str]
) -> None:
    for round_number in range(ROUNDS):
        read = await client.get("/api/v1/users/me", headers=account.headers)
        statuses[read.status_code] += 1
        body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": f"{100 + round_number}", "quantity": "1"}
        write = await client.post("/api/v1/trades", json=body, headers=account.headers)
        statuses[write.status_code] += 1
        if write.status_code == 201:
            written.append(write.json()["data"]["id"])
        plans = await client.get("/api/v1/plans")
        statuses[plans.status_code] += 1
        await asyncio.sleep(0.01)


async def test_redis_killed_and_restarted_under_load(make_client: Any, own_redis: dict[str, Any]):
    _, client = await make_client(
        REDIS_URL=f"redis://127.0.0.1:{own_redis['port']}/0", RATE_LIMIT_PER_MINUTE=1_000_000
    )
    accounts = [await new_account(client) for _ in range(CLIENTS)]
    statuses: Counter[int] = Counter()
    written: list[str] = []

    async def chaos() -> None:
        await asyncio.sleep(0.1)
        own_redis["kill"]()
        await asyncio.sleep(0.5)
        own_redis["start"]()

    await asyncio.gather(chaos(), *(_load(client, account, statuses, written) for account in accounts))
    # Redis is a cache and a limiter here: nothing needs it, so nothing may fail at all.
    assert set(statuses) <= {200, 201}, statuses
    assert sum(statuses.values()) == CLIENTS * ROUNDS * 3
    # Every acknowledged write is there, and reads work again with Redis back.
    for account in accounts:
        listed = await client.get("/api/v1/trades", params={"limit": 100}, headers=account.headers)
        assert listed.status_code == 200
    seen = set()
    for account in accounts:
        page = (await client.get("/api/v1/trades", params={"limit": 100}, headers=account.headers)).json()
        seen |= {item["id"] for item in page["data"]["items"]}
    assert set(written) <= seen and len(written) == CLIENTS * ROUNDS
    ready = (await client.get("/health/ready")).json()["data"]
    assert ready["status"] == "ok", ready


async def test_an_unreachable_broker_is_not_an_error(make_client: Any):
    """A Celery-configured app whose broker is a closed port: jobs fall back to in-process."""
    port = free_port()
    _, client = await make_client(CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{port}//")
    statuses: Counter[int] = Counter()
    accounts = []
    for _ in range(3):  # registration queues the welcome and verification emails
        account = await new_account(client)
        accounts.append(account)
        forgot = await client.post("/api/v1/auth/forgot-password", json={"email": account.email})
        statuses[forgot.status_code] += 1
        statuses[(await client.get("/api/v1/users/me", headers=account.headers)).status_code] += 1
    assert set(statuses) <= {200, 202}, statuses
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["data"]["degraded"] == ["broker"]


@pytest.mark.postgres
async def test_postgres_refusing_connections_then_pool_exhausted_under_load(
    own_database: tuple[OwnDatabase, str], tmp_path: Path
):
    """The database stops accepting connections, comes back, then the pool is held empty, all
    while clients read and write: only 2xx or 503, and every acknowledged trade is stored."""
    database, url = own_database
    settings = breakable_settings(url, tmp_path, pool_size=3)
    app = create_app(settings)
    async with running(app) as client:
        accounts = [await new_account(client) for _ in range(CLIENTS)]
        statuses: Counter[int] = Counter()
        written: list[str] = []

        async def chaos() -> None:
            await asyncio.sleep(0.05)
            await database.execute('ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            await database.terminate()
            await asyncio.sleep(0.3)
            await database.execute('ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
            await asyncio.sleep(0.1)
            held = [await app.state.database.engine.connect() for _ in range(3)]
            await asyncio.sleep(0.5)
            for connection in held:
                await connection.close()

        await asyncio.gather(chaos(), *(_load(client, account, statuses, written) for account in accounts))
        assert set(statuses) <= {200, 201, 503}, statuses
        assert statuses[503] > 0, statuses  # the faults were felt ...
        assert statuses[200] + statuses[201] > 0
        seen: set[str] = set()
        for account in accounts:  # ... and recovery needed no restart
            page = await client.get("/api/v1/trades", params={"limit": 100}, headers=account.headers)
            assert page.status_code == 200, page.text
            seen |= {item["id"] for item in page.json()["data"]["items"]}
        assert set(written) <= seen
