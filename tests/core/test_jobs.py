"""Jobs: the registry, in-process runs after the response or commit, retries, shutdown, Celery."""

from __future__ import annotations

import asyncio
import email
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Request

from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import Conflict
from mosaic.core.jobs import JobContext, enqueue_after_commit, get_jobs, job
from mosaic.core.jobs.local import InProcessJobs
from tests.accounts.conftest import PASSWORD
from tests.conftest import TEST_CELERY_BROKER_URL, unique_email

ROOT = Path(__file__).resolve().parents[2]
RECORDED: Counter[str] = Counter()
ATTEMPTS: Counter[str] = Counter()


@job("tests.record", max_retries=0)
async def record(ctx: JobContext, marker: str) -> None:
    RECORDED[marker] += 1


@job("tests.flaky", max_retries=3, retry_backoff=0)
async def flaky(ctx: JobContext, marker: str, failures: int) -> None:
    ATTEMPTS[marker] += 1
    if ATTEMPTS[marker] <= failures:
        raise RuntimeError("transient")
    RECORDED[marker] += 1


@job("tests.slow", max_retries=0)
async def slow(ctx: JobContext, marker: str) -> None:
    await asyncio.sleep(0.2)
    RECORDED[marker] += 1


TEST_JOBS = (record, flaky, slow)


@pytest.fixture(autouse=True)
def _test_jobs(app):
    """The test jobs join the shared app's registry, the way a Domain's `jobs` would."""
    for spec in TEST_JOBS:
        app.state.tasks.register(spec)


router = APIRouter(prefix="/test-jobs", tags=["test-jobs"])


@router.post("/{marker}", response_model=Envelope[None])
async def enqueue_marker(
    marker: str, session: SessionDep, request: Request, fail: bool = False
) -> Envelope[None]:
    enqueue_after_commit(session, get_jobs(request), "tests.record", marker)
    if fail:
        raise Conflict("refused after queueing")
    return ok(None)


def mount(app: FastAPI) -> None:
    if not any(getattr(r, "path", "").startswith("/api/v1/test-jobs") for r in app.routes):
        app.include_router(router, prefix="/api/v1")


def marker() -> str:
    return uuid.uuid4().hex


async def test_unknown_jobs_and_non_json_arguments_fail_at_enqueue(app):
    with pytest.raises(LookupError):
        await app.state.jobs.enqueue("tests.no-such-job")
    with pytest.raises(TypeError):
        await app.state.jobs.enqueue("tests.record", object())


async def test_a_job_queued_by_a_request_runs_after_its_response(app, client):
    mount(app)
    name = marker()
    response = await client.post(f"/api/v1/test-jobs/{name}")
    assert response.status_code == 200
    assert RECORDED[name] == 1


async def test_a_failed_request_queues_nothing(app, client):
    mount(app)
    name = marker()
    response = await client.post(f"/api/v1/test-jobs/{name}", params={"fail": True})
    assert response.status_code == 409
    assert RECORDED[name] == 0


async def test_after_commit_outside_a_request(app):
    jobs = app.state.jobs
    committed, rolled_back = marker(), marker()

    async def rolled() -> None:
        async with app.state.database.transaction() as session:
            enqueue_after_commit(session, jobs, "tests.record", rolled_back)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        await rolled()
    async with app.state.database.transaction() as session:
        enqueue_after_commit(session, jobs, "tests.record", committed)
    await jobs.drain()
    assert RECORDED[committed] == 1 and RECORDED[rolled_back] == 0


async def test_transient_failures_are_retried(app):
    name = marker()
    await app.state.jobs.enqueue("tests.flaky", name, 2)
    await app.state.jobs.drain()
    assert ATTEMPTS[name] == 3 and RECORDED[name] == 1


async def test_a_job_that_keeps_failing_stops_after_its_retries_and_is_logged(app, caplog):
    name = marker()
    with caplog.at_level(logging.INFO, logger="mosaic.jobs"):
        await app.state.jobs.enqueue("tests.flaky", name, 100)
        await app.state.jobs.drain()
    assert ATTEMPTS[name] == 4 and RECORDED[name] == 0
    assert "job tests.flaky failed after 4 attempt(s)" in caplog.text


async def test_shutdown_lets_running_jobs_finish(app):
    jobs = InProcessJobs(app.state.tasks)
    jobs.context = app.state.jobs.context
    name = marker()
    await jobs.enqueue("tests.slow", name)
    await jobs.close(grace_seconds=30)
    assert RECORDED[name] == 1


# -- Celery on RabbitMQ, with a worker started here ------------------------------------------
def _worker_env(settings, queue: str, outbox: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_", "EMAIL_"))}
    env.update(
        ENVIRONMENT="test",
        DATABASE_URL=settings.DATABASE_URL,
        CELERY_BROKER_URL=TEST_CELERY_BROKER_URL or "",
        CELERY_QUEUE=queue,
        EMAIL_PROVIDER="console",
        EMAIL_OUTBOX_DIR=str(outbox),
        FRONTEND_URL=settings.FRONTEND_URL,
        JWT_SECRET_KEY=settings.JWT_SECRET_KEY.get_secret_value(),
        MOSAIC_DOMAINS="accounts",
        LOG_FILE_PATH="",
        LOG_LEVEL="INFO",
    )
    return env


def _wait_for(outbox: Path, to: str, tag: str) -> email.message.Message | None:
    for _ in range(120):  # bounded: at most ~60 s for a cold worker
        for path in outbox.glob(f"{tag}-*.eml"):
            message = email.message_from_bytes(path.read_bytes())
            if message["To"] == to:
                return message
        time.sleep(0.5)
    return None


@pytest.mark.rabbitmq
async def test_a_job_enqueued_through_the_api_runs_in_a_celery_worker(make_client, settings, tmp_path):
    queue = f"mosaic-test-{uuid.uuid4().hex[:12]}"
    outbox = tmp_path / "outbox"
    worker = subprocess.Popen(  # noqa: ASYNC220 - the worker lives for the whole test
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
            "--hostname",  # unique: a namesake worker on this host and broker would lock it out
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=_worker_env(settings, queue, outbox),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _, client = await make_client(
            CELERY_BROKER_URL=TEST_CELERY_BROKER_URL,
            CELERY_QUEUE=queue,
            EMAIL_OUTBOX_DIR=str(tmp_path / "api"),
        )
        address = unique_email()
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": address, "password": PASSWORD, "first_name": "Cel", "last_name": "Ery"},
        )
        assert response.status_code == 201
        message = await asyncio.to_thread(_wait_for, outbox, address, "verification")
        assert message is not None, "the worker did not deliver the verification email"
        assert not list((tmp_path / "api").glob("*.eml"))
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        payload = text.get_payload(decode=True)
        assert isinstance(payload, bytes)
        token = re.search(r"verify-email\?token=([A-Za-z0-9._-]+)", payload.decode())
        assert token
        verified = await client.get("/api/v1/auth/verify-email", params={"token": token.group(1)})
        assert verified.status_code == 200
    finally:
        worker.terminate()  # SIGTERM: Celery's warm shutdown
        try:
            await asyncio.to_thread(worker.wait, 30)
        except subprocess.TimeoutExpired:
            worker.kill()
            await asyncio.to_thread(worker.wait, 10)
        assert worker.stderr is not None
        worker.stderr.close()
