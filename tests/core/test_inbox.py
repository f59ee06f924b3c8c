"""The inbox: an external event is stored once and handled once, replays and races included."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.deps import SessionDep
from mosaic.core.inbox import ExternalEvent, handle_external_event, record_external_event
from mosaic.core.jobs import JobContext, get_jobs

PROVIDER = "test-inbox"
HANDLED: list[str] = []
FAILURES: dict[str, int] = {}


async def handle_test_event(ctx: JobContext, session: AsyncSession, event: ExternalEvent) -> None:
    """Test-only provider: fails as often as the payload asks, then records the event id."""
    if FAILURES.get(event.event_id, 0) > 0:
        FAILURES[event.event_id] -= 1
        raise RuntimeError("provider handler failed")
    await asyncio.sleep(0)  # let a racing delivery run in between
    HANDLED.append(event.event_id)


webhooks = APIRouter()


@webhooks.post("/test-webhooks/{provider}")
async def receive(
    provider: str, body: dict[str, Any], session: SessionDep, request: Request
) -> dict[str, str]:
    outcome = await record_external_event(
        session,
        get_jobs(request),
        provider=provider,
        event_id=str(body["id"]),
        payload=body,
        event_type=body.get("type"),
        inbox=request.app.state.inbox,
    )
    return {"status": outcome}


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The shared app with the test provider's handler, as a Domain's `inbox_handlers` would add it."""
    app.state.inbox.register(PROVIDER, handle_test_event)
    return app


async def webhook_client(make_client):
    app, client = await make_client(SEED_ON_STARTUP=False)
    app.include_router(webhooks)
    app.state.inbox.register(PROVIDER, handle_test_event)  # as a Domain's inbox_handlers would
    return app, client


async def _row(app: FastAPI, event_id: str) -> ExternalEvent:
    async with app.state.database.transaction() as session:
        return (
            await session.execute(
                select(ExternalEvent).where(
                    ExternalEvent.provider == PROVIDER, ExternalEvent.event_id == event_id
                )
            )
        ).scalar_one()


async def test_a_replayed_external_event_answers_200_and_is_handled_once(make_client):
    app, client = await webhook_client(make_client)
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {"id": event_id, "type": "payment.succeeded", "amount": 1200}
    first = await client.post(f"/test-webhooks/{PROVIDER}", json=body)
    replay = await client.post(f"/test-webhooks/{PROVIDER}", json=body)
    assert (first.status_code, first.json()) == (200, {"status": "new"})
    assert (replay.status_code, replay.json()) == (200, {"status": "duplicate"})
    assert HANDLED.count(event_id) == 1
    row = await _row(app, event_id)
    assert row.processed_at is not None and row.attempts == 1 and row.payload == body
    assert row.event_type == "payment.succeeded" and row.received_at <= row.processed_at


async def test_two_concurrent_deliveries_of_one_event_are_handled_once(make_client):
    _, client = await webhook_client(make_client)
    event_id = f"evt_{uuid.uuid4().hex}"
    answers = await asyncio.gather(
        *(client.post(f"/test-webhooks/{PROVIDER}", json={"id": event_id}) for _ in range(2))
    )
    assert sorted(answer.json()["status"] for answer in answers) == ["duplicate", "new"]
    assert all(answer.status_code == 200 for answer in answers)
    assert HANDLED.count(event_id) == 1


async def test_a_redelivered_job_does_not_handle_the_event_again(app):
    """Celery delivers at least once: two runs of the handling job, at the same time, handle once."""
    jobs = app.state.jobs
    event_id = f"evt_{uuid.uuid4().hex}"
    async with app.state.database.transaction() as session:
        assert (
            await record_external_event(
                session, jobs, provider=PROVIDER, event_id=event_id, payload={}, inbox=app.state.inbox
            )
            == "new"
        )
    await jobs.drain()
    row = await _row(app, event_id)
    context = jobs.context
    assert await handle_external_event(context, str(row.id)) is False  # processed already
    other = f"evt_{uuid.uuid4().hex}"
    async with app.state.database.transaction() as session:
        session.add(ExternalEvent(provider=PROVIDER, event_id=other, payload={}))  # stored, job not yet run
    row = await _row(app, other)
    outcomes = await asyncio.gather(*(handle_external_event(context, str(row.id)) for _ in range(2)))
    assert sorted(outcomes) == [False, True] and HANDLED.count(other) == 1


async def test_a_failing_handler_records_the_attempt_and_a_retry_processes_it(app):
    event_id = f"evt_{uuid.uuid4().hex}"
    FAILURES[event_id] = 1
    async with app.state.database.transaction() as session:
        session.add(ExternalEvent(provider=PROVIDER, event_id=event_id, payload={}))
    row = await _row(app, event_id)
    with pytest.raises(RuntimeError):
        await handle_external_event(app.state.jobs.context, str(row.id))
    failed = await _row(app, event_id)
    assert failed.processed_at is None and failed.attempts == 1
    assert failed.last_error == "RuntimeError: provider handler failed"
    assert await handle_external_event(app.state.jobs.context, str(row.id)) is True
    done = await _row(app, event_id)
    assert done.processed_at is not None and done.attempts == 2 and done.last_error is None
    assert HANDLED.count(event_id) == 1


async def test_an_event_of_a_provider_without_a_handler_is_refused(app):
    async with app.state.database.transaction() as session:
        with pytest.raises(LookupError, match="no inbox handler"):
            await record_external_event(
                session, app.state.jobs, provider="nobody", event_id="e1", payload={}, inbox=app.state.inbox
            )
