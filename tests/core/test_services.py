"""One `build_services` for the API and the worker: a worker's commit invalidates the API's cache."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from mosaic.accounts.plans.jobs import EXPIRE_SUBSCRIPTIONS
from mosaic.accounts.plans.models import UserPlan
from mosaic.core.database import utcnow
from mosaic.services import build_services
from tests.accounts.conftest import new_account
from tests.conftest import TEST_CELERY_BROKER_URL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
MY_PLANS = "/api/v1/users/me/plans"


async def test_the_services_database_invalidates_the_services_cache(settings):
    services = build_services(settings)
    try:
        await services.cache.set("plans:list:probe", [1], tags=["plans"])
        async with services.database.transaction() as session:
            await session.execute(
                update(UserPlan).where(UserPlan.id == uuid.uuid4()).values(status="expired")
            )
        assert await services.cache.get("plans:list:probe") == [1]  # another table: kept
        await services.cache.set("plans:mine:probe", [1], tags=["user_plans:*"])
        async with services.database.transaction() as session:
            await session.execute(
                update(UserPlan).where(UserPlan.id == uuid.uuid4()).values(status="expired")
            )
        assert await services.cache.get("plans:mine:probe") is None
        assert set(services.job_context(None).services) == {"email", "storage", "ai", "inbox"}
    finally:
        await services.close()


@contextmanager
def celery_worker(env: dict[str, str], queue: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker with its own node name: two workers named alike on one host and broker fight
    over their remote-control queue (RESOURCE_LOCKED) and one of them dies."""
    sink = log.open("wb")  # for a failing run's post-mortem
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mosaic.cli",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--queue",
            queue,
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=sink,
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        worker.terminate()  # SIGTERM: Celery's warm shutdown
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
        sink.close()


@pytest.mark.redis
@pytest.mark.rabbitmq
async def test_a_celery_workers_write_invalidates_the_apis_cached_read(make_client, settings, tmp_path):
    queue = f"mosaic-test-{uuid.uuid4().hex[:12]}"
    prefix = f"t{uuid.uuid4().hex[:12]}"
    app, client = await make_client(
        REDIS_URL=TEST_REDIS_URL,
        REDIS_KEY_PREFIX=prefix,
        CELERY_BROKER_URL=TEST_CELERY_BROKER_URL,
        CELERY_QUEUE=queue,
    )
    account = await new_account(client)
    free = (await client.get("/api/v1/plans")).json()["data"]["items"][0]
    assert (
        await client.post(MY_PLANS, json={"plan_id": free["id"]}, headers=account.headers)
    ).status_code == 201
    async with app.state.database.transaction() as session:  # the subscription ran out a minute ago
        await session.execute(
            update(UserPlan)
            .where(UserPlan.user_id == uuid.UUID(account.id))
            .values(end_date=utcnow() - timedelta(minutes=1))
        )
    for _ in range(2):
        mine = (await client.get(MY_PLANS, headers=account.headers)).json()["data"]["items"]
        assert "active" in [item["status"] for item in mine]
    redis = app.state.cache.redis
    assert [key async for key in redis.scan_iter(match=f"{prefix}:plans:mine:{account.id}:*")]  # cached

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_", "EMAIL_"))}
    env.update(
        ENVIRONMENT="test",
        DATABASE_URL=settings.DATABASE_URL,
        CELERY_BROKER_URL=TEST_CELERY_BROKER_URL or "",
        CELERY_QUEUE=queue,
        REDIS_URL=TEST_REDIS_URL or "",
        REDIS_KEY_PREFIX=prefix,
        EMAIL_PROVIDER="console",
        EMAIL_OUTBOX_DIR=settings.EMAIL_OUTBOX_DIR,
        JWT_SECRET_KEY=settings.JWT_SECRET_KEY.get_secret_value(),
        MOSAIC_DOMAINS="accounts",
        LOG_FILE_PATH="",
    )
    log = tmp_path / "worker.log"
    with celery_worker(env, queue, log):
        for _ in range(480):  # bounded (120 s): a cold worker starts in seconds, slower under load
            if b"ready." in log.read_bytes():
                break
            await asyncio.sleep(0.25)
        await app.state.jobs.enqueue(EXPIRE_SUBSCRIPTIONS)
        deadline = time.monotonic() + 60
        statuses: list[str] = []
        while time.monotonic() < deadline:
            mine = (await client.get(MY_PLANS, headers=account.headers)).json()["data"]["items"]
            statuses = [item["status"] for item in mine]
            if "active" not in statuses:
                break
            await asyncio.sleep(0.25)
    assert "expired" in statuses and "active" not in statuses, (
        f"the worker's commit did not invalidate the API's cached read; its log:\n{log.read_text()[-3000:]}"
    )
