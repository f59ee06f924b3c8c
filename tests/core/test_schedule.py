"""Cron schedules: one run per tick across processes (a lease row), overlaps skipped, beat alike."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab
from sqlalchemy import select

from mosaic.core.database import Database
from mosaic.core.domain import ScheduledJob
from mosaic.core.jobs import JobContext, TaskRegistry, job
from mosaic.core.jobs.celery_runner import build_celery
from mosaic.core.jobs.local import InProcessJobs
from mosaic.core.jobs.schedule import SCHEDULED_TICK, ScheduleRun, run_tick, scheduled_tick
from mosaic.main import load_domains
from tests.conftest import make_settings

RUNS: list[str] = []
GATE: dict[str, asyncio.Event] = {}
PROBE = "tests.schedule_probe"
SLOW = "tests.schedule_slow"


@job(PROBE, max_retries=0)
async def schedule_probe(ctx: JobContext) -> None:
    RUNS.append(ctx.settings.DATABASE_URL)


@job(SLOW, max_retries=0)
async def schedule_slow(ctx: JobContext) -> None:
    GATE["started"].set()
    await GATE["release"].wait()


# What an app built from a domain declaring these jobs would run (the platform's tick job too).
TASKS = TaskRegistry([schedule_probe, schedule_slow, scheduled_tick])


def test_a_schedule_takes_a_five_field_cron_expression():
    hourly = ScheduledJob("h", PROBE, "0 * * * *")
    at = datetime(2026, 12, 1, 9, 30, 12, tzinfo=UTC)
    assert hourly.next_tick(at) == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert hourly.last_tick(at) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert hourly.last_tick(datetime(2026, 12, 1, 10, 0, tzinfo=UTC)) == datetime(
        2026, 12, 1, 10, 0, tzinfo=UTC
    )
    weekly = ScheduledJob("w", PROBE, "0 3 * * 1")
    assert weekly.next_tick(at) == datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # the next Monday
    for bad in ("61 * * * *", "@hourly", "* * * *", "every minute"):
        with pytest.raises(ValueError, match="cron"):
            ScheduledJob("bad", PROBE, bad)


def test_the_accounts_schedule_is_cron_and_beat_sends_the_lease_job():
    settings = make_settings(CELERY_BROKER_URL="memory://")
    schedule = [item for domain in load_domains(settings) for item in domain.scheduled_jobs]
    assert [(item.name, item.cron) for item in schedule] == [
        ("expire-subscriptions", "0 * * * *"),
        ("renew-subscriptions", "30 * * * *"),
        ("expire-offline-checkouts", "*/5 * * * *"),
        ("booking-expire-holds", "* * * * *"),
        ("booking-complete", "*/5 * * * *"),
        ("booking-reminders", "*/10 * * * *"),
        ("refresh-square-tokens", "17 4 * * *"),
        ("weekly-payouts", "0 6 * * 1"),
    ]
    weekly = ScheduledJob("payouts", PROBE, "0 3 * * 1")
    entry = build_celery(settings, schedule=[*schedule, weekly]).conf.beat_schedule["payouts"]
    assert entry["task"] == SCHEDULED_TICK and entry["args"] == ["payouts"]
    assert entry["schedule"] == crontab(minute="0", hour="3", day_of_week="1")


class FakeClock:
    """Time that moves only when the test says so; `sleep` waits for it."""

    def __init__(self, start: datetime) -> None:
        self.current = start
        self.waiters: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append((self.current + timedelta(seconds=seconds), future))
        await future

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        for entry in list(self.waiters):
            if entry[0] <= self.current:
                self.waiters.remove(entry)
                entry[1].set_result(None)

    async def settle(self, sleepers: int) -> None:
        """Until `sleepers` loops wait again (bounded: a few event-loop turns in practice)."""
        deadline = time.monotonic() + 10
        while len(self.waiters) < sleepers:
            assert time.monotonic() < deadline, "the schedule loops did not go back to sleep"
            await asyncio.sleep(0.005)


@pytest.fixture
async def two_processes(settings) -> AsyncIterator[tuple[Database, Database]]:
    """Two database pools on one database: what two processes share is the database only."""
    first, second = Database(settings), Database(settings)
    yield first, second
    await first.dispose()
    await second.dispose()


def _context(settings, database: Database, schedule: list[ScheduledJob]) -> JobContext:
    return JobContext(settings=settings, database=database, schedule=schedule, tasks=TASKS)


async def _runs_of(database: Database, name: str) -> list[tuple[datetime, str]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(ScheduleRun.tick, ScheduleRun.status)
            .where(ScheduleRun.name == name)
            .order_by(ScheduleRun.tick)
        )
        return [(tick, status) for tick, status in rows]


async def test_a_schedule_ticks_once_per_period_across_two_processes(settings, two_processes):
    schedule = [ScheduledJob(f"every-minute-{uuid.uuid4().hex[:8]}", PROBE, "* * * * *")]
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC))
    runners = []
    for database in two_processes:
        runner = InProcessJobs(TASKS, schedule=schedule, clock=clock.now, sleep=clock.sleep)
        runner.context = _context(settings, database, schedule)
        runners.append(runner)
    RUNS.clear()
    for runner in runners:
        await runner.start()
    try:
        await clock.settle(2)
        clock.advance(30)  # 09:01
        for minute in range(1, 4):
            await clock.settle(2)
            for runner in runners:
                await runner.drain()
            assert len(RUNS) == minute  # both processes fired the tick; one ran it
            clock.advance(60)
    finally:
        for runner in runners:
            await runner.close()
    ticks = await _runs_of(two_processes[0], schedule[0].name)
    assert ticks == [(datetime(2026, 12, 1, 9, minute, tzinfo=UTC), "done") for minute in (1, 2, 3)]
    assert set(RUNS) == {settings.DATABASE_URL}


async def test_two_processes_firing_one_tick_at_once_run_it_once(settings, two_processes):
    scheduled = ScheduledJob(f"race-{uuid.uuid4().hex[:8]}", PROBE, "* * * * *")
    tick = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    RUNS.clear()
    outcomes = await asyncio.gather(
        *(run_tick(_context(settings, database, [scheduled]), scheduled, tick) for database in two_processes)
    )
    assert sorted(outcomes) == ["claimed", "taken"] and len(RUNS) == 1


async def test_a_tick_that_overlaps_the_previous_run_is_skipped_and_logged(settings, two_processes, caplog):
    scheduled = ScheduledJob(f"slow-{uuid.uuid4().hex[:8]}", SLOW, "* * * * *", timeout_seconds=600)
    first, second = (_context(settings, database, [scheduled]) for database in two_processes)
    GATE.update(started=asyncio.Event(), release=asyncio.Event())
    t1 = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    running = asyncio.create_task(run_tick(first, scheduled, t1, now=t1))
    await asyncio.wait_for(GATE["started"].wait(), 10)
    with caplog.at_level(logging.WARNING, logger="mosaic.jobs.schedule"):
        assert (
            await run_tick(second, scheduled, t1 + timedelta(minutes=1), now=t1 + timedelta(minutes=1))
            == "overlap"
        )
    assert "skipped: the previous run is still going" in caplog.text
    GATE["release"].set()
    assert await running == "claimed"
    t3 = t1 + timedelta(minutes=2)
    assert await run_tick(second, scheduled, t3, now=t3) == "claimed"
    assert [status for _, status in await _runs_of(two_processes[0], scheduled.name)] == [
        "done",
        "skipped",
        "done",
    ]


async def test_a_run_past_its_timeout_no_longer_blocks_the_next_tick(settings, two_processes):
    scheduled = ScheduledJob(f"dead-{uuid.uuid4().hex[:8]}", PROBE, "* * * * *", timeout_seconds=30)
    context = _context(settings, two_processes[0], [scheduled])
    t1 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    async with two_processes[0].transaction() as session:  # a process died in the middle of t1
        session.add(
            ScheduleRun(
                name=scheduled.name,
                tick=t1,
                status="running",
                owner="gone",
                started_at=t1,
                expires_at=t1 + timedelta(seconds=30),
            )
        )
    t2 = t1 + timedelta(minutes=1)
    assert await run_tick(context, scheduled, t2, now=t2) == "claimed"


async def test_the_tick_job_resolves_beats_tick_from_the_clock(settings, two_processes):
    scheduled = ScheduledJob(f"beat-{uuid.uuid4().hex[:8]}", PROBE, "*/5 * * * *")
    context = _context(settings, two_processes[0], [scheduled])
    assert await scheduled_tick(context, scheduled.name) == "claimed"
    assert await scheduled_tick(context, scheduled.name) == "taken"  # a second beat, same tick
    with pytest.raises(LookupError):
        await scheduled_tick(context, "no-such-schedule")


def test_the_in_process_schedule_follows_the_setting():
    """Broker-less apps run the schedules unless SCHEDULE_IN_PROCESS is off (the suite turns it off)."""
    from mosaic.core.domain import DOMAIN_MODULES, import_domain
    from mosaic.main import build_jobs

    domains = [import_domain(name) for name in DOMAIN_MODULES]
    on = build_jobs(make_settings(SCHEDULE_IN_PROCESS=True), domains)
    off = build_jobs(make_settings(), domains)
    assert isinstance(on, InProcessJobs) and on.run_schedule and on.schedule
    assert isinstance(off, InProcessJobs) and not off.run_schedule
