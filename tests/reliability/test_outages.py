"""Backing-service outages answer 503 + Retry-After at every layer, and are logged once per interval.

Issue 17 item 3: a database that refuses connections, does not accept them, has too many clients,
drops them, or a pool that is exhausted used to give 500s with a traceback each, partly from the
rate limiter's admin lookup that runs in the middleware before routing. The PostgreSQL cases run
on a database of their own (never the shared one), which they close and reopen.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mosaic.core.errors import OutageLog
from mosaic.core.jobs.schedule import SCHEDULED_TICK, domain_schedule
from mosaic.core.security import TokenPurpose, issue_token
from mosaic.main import create_app
from tests.conftest import make_settings, running
from tests.reliability.pg import OwnDatabase, breakable_settings

CLOSED_PORT_URL = "postgresql+asyncpg://mosaic@127.0.0.1:1/none"


def token_for(settings: Any, user_id: uuid.UUID | None = None) -> str:
    """A correctly signed access token: the limiter's identity lookup needs the database for it."""
    token, _ = issue_token(
        settings, TokenPurpose.ACCESS, str(user_id or uuid.uuid4()), timedelta(minutes=5), extra={"ver": 0}
    )
    return token


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.status_code, response.text)
    body = response.json()
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["retry-after"].isdigit()
    assert "Traceback" not in response.text and "asyncpg" not in response.text


async def requests_needing_the_database(client: httpx.AsyncClient, token: str) -> list[httpx.Response]:
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        await client.get("/api/v1/plans"),  # anonymous, public
        await client.get("/api/v1/users/me", headers=bearer),  # identity lookup, then the principal
        await client.get("/api/v1/users", headers=bearer),
        await client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 12}),
    ]


def outage_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("mosaic")]


async def test_refused_connections_answer_503_at_every_layer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    settings = make_settings(
        DATABASE_URL=CLOSED_PORT_URL,
        SEED_ON_STARTUP=False,
        AUTH_CACHE_TTL_SECONDS=0,
        EMAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    caplog.set_level(logging.INFO)
    async with running(create_app(settings)) as client:
        responses = []
        for _ in range(5):
            responses += await requests_needing_the_database(client, token_for(settings))
        for response in responses:
            assert_unavailable(response)
        assert (await client.get("/health/live")).status_code == 200
    records = outage_records(caplog)
    # Twenty failing requests of a few kinds: a line per kind, none with a traceback.
    assert records and len(records) < len(responses) // 2
    assert all(r.exc_info is None for r in records)
    assert all("unavailable" in r.getMessage() for r in records)


async def test_schedule_ticks_in_an_outage_log_folded_lines_not_tracebacks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """Booking expires holds every minute: in a database outage each tick must not log a traceback
    (nor a retry warning with one), only the folded outage line the requests use."""
    settings = make_settings(
        DATABASE_URL=CLOSED_PORT_URL, SEED_ON_STARTUP=False, EMAIL_OUTBOX_DIR=str(tmp_path / "outbox")
    )
    caplog.set_level(logging.INFO)
    app = create_app(settings)
    async with running(app):
        names = [item.name for item in domain_schedule(app.state.domains)][:4]
        assert names
        for name in names:
            await app.state.jobs.enqueue(SCHEDULED_TICK, name, "2027-01-18T10:00:00+00:00")
        await app.state.jobs.drain()
    noisy = [r for r in caplog.records if r.name.startswith("mosaic") and r.levelno >= logging.WARNING]
    assert all(r.exc_info is None for r in noisy), [r.getMessage() for r in noisy if r.exc_info]
    assert all("unavailable" in r.getMessage() for r in noisy), [r.getMessage() for r in noisy]


def test_outage_log_folds_repeats_into_a_count(caplog: pytest.LogCaptureFixture):
    log = OutageLog(logging.getLogger("mosaic.test.outage"), interval=3600)
    caplog.set_level(logging.ERROR, logger="mosaic.test.outage")
    for _ in range(50):
        log.report(ConnectionRefusedError(111, "refused"), "GET /x")
    log.report(TimeoutError(), "GET /y")
    assert [r.getMessage() for r in caplog.records] == [
        "database unavailable (ConnectionRefusedError) on GET /x",
        "database unavailable (TimeoutError) on GET /y",
    ]
    log.interval = 0  # the interval is over: the next report says how many were folded in
    log.report(ConnectionRefusedError(111, "refused"), "GET /x")
    assert caplog.records[-1].getMessage().endswith("49 more since the last report")


@pytest.mark.postgres
async def test_postgres_outages_answer_503_and_recover(
    own_database: tuple[OwnDatabase, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    database, url = own_database
    settings = breakable_settings(url, tmp_path, pool_size=2)
    caplog.set_level(logging.INFO)
    app = create_app(settings)
    async with running(app) as client:
        login = await client.post(
            "/api/v1/auth/login",
            json={
                "email": settings.SUPERADMIN_EMAIL,
                "password": settings.SUPERADMIN_PASSWORD.get_secret_value(),
            },
        )
        token = login.json()["data"]["access_token"]
        assert (
            await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        ).status_code == 200
        faults = {
            "not accepting connections": ('ALTER DATABASE "{db}" ALLOW_CONNECTIONS false',),
            "too many clients": ('ALTER ROLE "{role}" CONNECTION LIMIT 0',),
        }
        undo = {
            "not accepting connections": ('ALTER DATABASE "{db}" ALLOW_CONNECTIONS true',),
            "too many clients": ('ALTER ROLE "{role}" CONNECTION LIMIT -1',),
        }
        for fault, statements in faults.items():
            await database.execute(*statements)
            await database.terminate()  # the pooled connections die with their backends
            await app.state.cache.invalidate("users")  # the limiter's admin flag must be looked up
            for response in await requests_needing_the_database(client, token):
                assert_unavailable(response)
            await database.execute(*undo[fault])
            # Recovery without a restart: the next requests get fresh connections.
            me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, (fault, me.text)

        # The pool exhausted: every connection checked out elsewhere, requests time out waiting.
        held = [await app.state.database.engine.connect() for _ in range(2)]
        try:
            await app.state.cache.invalidate("users")
            for response in await requests_needing_the_database(client, token):
                assert_unavailable(response)
        finally:
            for connection in held:
                await connection.close()
        assert (await client.get("/api/v1/plans")).status_code == 200
    assert all(r.exc_info is None for r in outage_records(caplog))
