"""A flow run through a real Celery worker on RabbitMQ (its own queue), and a redelivered message."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_CELERY_BROKER_URL
from tests.trading.conftest import API, create_agent, create_template
from tests.trading.test_flows import CHAIN, PASSAGE, created_flow, step

ROOT = Path(__file__).resolve().parents[2]


def _worker_env(settings: Any, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_", "EMAIL_", "AI_"))}
    env.update(
        ENVIRONMENT="test",
        DATABASE_URL=settings.DATABASE_URL,
        CELERY_BROKER_URL=TEST_CELERY_BROKER_URL or "",
        CELERY_QUEUE=queue,
        EMAIL_PROVIDER="console",
        EMAIL_OUTBOX_DIR=settings.EMAIL_OUTBOX_DIR,
        JWT_SECRET_KEY=settings.JWT_SECRET_KEY.get_secret_value(),
        MOSAIC_DOMAINS="trading",
        AI_PROVIDER="offline",
        LOG_FILE_PATH="",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",  # the test reads the worker's log while it runs
    )
    return env


async def _finished_run(client: httpx.AsyncClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60  # bounded: a cold worker starts in a few seconds
    while time.monotonic() < deadline:
        data: dict[str, Any] = (await client.get(f"{API}/flow-runs/{run_id}", headers=headers)).json()["data"]
        if data["status"] in ("succeeded", "failed"):
            return data
        await asyncio.sleep(0.25)
    raise AssertionError(f"run {run_id} did not finish on the worker")


@pytest.mark.rabbitmq
async def test_a_flow_runs_on_a_celery_worker_and_a_redelivery_does_nothing(
    make_client, settings, tmp_path, client, admin, user_a
):
    agent = await create_agent(client, admin)
    prompt = await create_template(client, admin, prompt=CHAIN)
    flow = await created_flow(
        client, user_a, [step(0, prompt, agent), step(1, prompt, agent), step(2, prompt, agent)]
    )

    queue = f"mosaic-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"  # for a failing run's post-mortem
    with log.open("wb") as sink:
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
            ],
            cwd=ROOT,
            env=_worker_env(settings, queue),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        app, api = await make_client(CELERY_BROKER_URL=TEST_CELERY_BROKER_URL, CELERY_QUEUE=queue)
        response = await api.post(
            f"{API}/flows/{flow['id']}/run",
            json={"input": {"input": PASSAGE, "symbol": "SOL"}},
            headers=user_a.headers,
        )
        assert response.status_code == 202 and response.json()["data"]["status"] == "queued"
        run_id = response.json()["data"]["id"]
        result = await _finished_run(api, user_a.headers, run_id)
        assert result["status"] == "succeeded", result
        steps = result["steps"]
        assert [s["step"] for s in steps] == [0, 1, 2]
        for earlier, later in itertools.pairwise(steps):
            assert earlier["output"] and earlier["output"] in later["input"]

        # The same message again (as a broker redelivers it), then a second run behind it: the solo
        # worker takes its queue in order, so once run 2 is done the duplicate has been handled.
        await app.state.jobs.enqueue("trading.run_flow", run_id)
        second = await api.post(f"{API}/flows/{flow['id']}/run", headers=user_a.headers)
        assert second.status_code == 202
        assert (await _finished_run(api, user_a.headers, second.json()["data"]["id"]))[
            "status"
        ] == "succeeded"
        again = (await api.get(f"{API}/flow-runs/{run_id}", headers=user_a.headers)).json()["data"]
        assert again == result
        notes = (await api.get(f"{API}/notifications", headers=user_a.headers)).json()["data"]
        assert [n["title"] for n in notes["items"]] == ["Flow finished", "Flow finished"]
    finally:
        worker.terminate()  # SIGTERM: Celery's warm shutdown
        try:
            await asyncio.to_thread(worker.wait, 30)
        except subprocess.TimeoutExpired:
            worker.kill()
            await asyncio.to_thread(worker.wait, 10)
