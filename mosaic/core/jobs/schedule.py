"""Cron schedules that run once per tick across every process, with or without Celery beat.

Every process may fire a tick (each API process's in-process runner does, and so may beat);
the run happens where the `(schedule, tick)` lease row is inserted first. The insert is an
`INSERT ... ON CONFLICT DO NOTHING` on the primary key, so it is atomic on SQLite and PostgreSQL
alike, and the loser simply learns that the tick is taken. A tick that finds the previous run
of its schedule still going (its row `running` and not past its timeout) is recorded as
`skipped` and logged instead of running twice at once.

Why the database and not a Redis `SET NX`: it is there in every deployment (Redis is optional),
the overlap check and the claim are one transaction, and the rows are a run history (pruned
after `HISTORY_DAYS`) that an operator can query.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import String, Text, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Database, UTCDateTime, utcnow
from mosaic.core.domain import Domain, ScheduledJob
from mosaic.core.errors import is_outage, outage_log
from mosaic.core.jobs import JobContext, job

logger = logging.getLogger("mosaic.jobs.schedule")

SCHEDULED_TICK = "core.scheduled_tick"
HISTORY_DAYS = 7
OWNER = f"{socket.gethostname()}:{os.getpid()}"[:128]

Claim = Literal["claimed", "taken", "overlap"]


class ScheduleRun(Base):
    """One tick of one schedule: who runs it, and how it ended."""

    __tablename__ = "schedule_runs"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    tick: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed | skipped
    owner: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


async def claim_tick(session: AsyncSession, scheduled: ScheduledJob, tick: datetime, now: datetime) -> Claim:
    """Take the lease of `tick` (or learn that another process has it, or that a run overlaps)."""
    values = {
        "name": scheduled.name,
        "tick": tick,
        "status": "running",
        "owner": OWNER,
        "started_at": now,
        "expires_at": now + timedelta(seconds=scheduled.timeout_seconds),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = await session.execute(
        dialect.insert(ScheduleRun).values(**values).on_conflict_do_nothing(index_elements=["name", "tick"])
    )
    if inserted.rowcount != 1:  # type: ignore[attr-defined]
        return "taken"
    running = await session.scalar(
        select(ScheduleRun.tick).where(
            ScheduleRun.name == scheduled.name,
            ScheduleRun.tick < tick,
            ScheduleRun.status == "running",
            ScheduleRun.expires_at > now,
        )
    )
    await session.execute(
        delete(ScheduleRun).where(
            ScheduleRun.name == scheduled.name, ScheduleRun.tick < now - timedelta(days=HISTORY_DAYS)
        )
    )
    if running is not None:
        await _finish(
            session, scheduled.name, tick, "skipped", now, f"run of {running.isoformat()} still going"
        )
        return "overlap"
    return "claimed"


async def _finish(
    session: AsyncSession, name: str, tick: datetime, status: str, now: datetime, error: str | None = None
) -> None:
    await session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.name == name, ScheduleRun.tick == tick)
        .values(status=status, finished_at=now, error=error)
    )


async def run_tick(
    ctx: JobContext, scheduled: ScheduledJob, tick: datetime, *, now: datetime | None = None
) -> Claim:
    """Run `scheduled`'s task for `tick` here if this process wins the lease; say what happened."""
    database: Database = ctx.database
    started = now or utcnow()
    async with database.transaction() as session:
        claim = await claim_tick(session, scheduled, tick, started)
    if claim == "taken":
        logger.debug("schedule %s tick %s runs elsewhere", scheduled.name, tick.isoformat())
        return claim
    if claim == "overlap":
        logger.warning(
            "schedule %s tick %s skipped: the previous run is still going", scheduled.name, tick.isoformat()
        )
        return claim
    status, error = "done", None
    try:
        if ctx.tasks is None:
            raise LookupError("the job context has no task registry")
        await ctx.tasks.get(scheduled.task)(ctx)
    except Exception as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        if is_outage(exc):
            outage_log.report(exc, f"schedule {scheduled.name}")
        else:
            logger.exception("schedule %s tick %s failed", scheduled.name, tick.isoformat())
    async with database.transaction() as session:
        await _finish(session, scheduled.name, tick, status, utcnow(), error)
    logger.info("schedule %s tick %s %s", scheduled.name, tick.isoformat(), status)
    return claim


def domain_schedule(domains: Sequence[Domain]) -> list[ScheduledJob]:
    """Every enabled domain's schedules, in one list for the runners and the tick job."""
    return [item for domain in domains for item in domain.scheduled_jobs]


def find_schedule(schedule: Sequence[ScheduledJob], name: str) -> ScheduledJob:
    for item in schedule:
        if item.name == name:
            return item
    raise LookupError(f"no schedule named {name!r}")


@job(SCHEDULED_TICK, max_retries=0)
async def scheduled_tick(ctx: JobContext, name: str, tick: str | None = None) -> str:
    """The job every runner sends per tick (beat sends no `tick`: the latest one is meant)."""
    scheduled = find_schedule(ctx.schedule, name)
    at = datetime.fromisoformat(tick) if tick else scheduled.last_tick(utcnow())
    return await run_tick(ctx, scheduled, at)
