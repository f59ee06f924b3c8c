"""In-process jobs, the embedded default: no broker, nothing to install.

A job enqueued during a request runs *after the response has been sent*, inside the same ASGI
call (as Starlette's background tasks do): `BackgroundJobsMiddleware` collects them and runs them
once the app has answered, so the client never waits for an email. A job enqueued outside a
request (a scheduled tick, another job) runs as a tracked asyncio task. Every process runs the
schedule loops; `mosaic.core.jobs.schedule`'s lease lets exactly one of them run each tick. Both paths retry a
failing job a bounded number of times with exponential back-off and log the final failure.

Arguments go through a JSON round trip here too, so a task that would break on Celery (a UUID,
a model instance) breaks in development and in the tests as well.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from mosaic.core.database import utcnow
from mosaic.core.domain import ScheduledJob
from mosaic.core.errors import is_outage, outage_log
from mosaic.core.jobs import JobContext, TaskRef, TaskRegistry, TaskSpec, task_name
from mosaic.core.jobs.schedule import SCHEDULED_TICK

logger = logging.getLogger("mosaic.jobs")

Pending = list[tuple["InProcessJobs", TaskSpec, list[Any], dict[str, Any]]]
_request_jobs: ContextVar[Pending | None] = ContextVar("mosaic_request_jobs", default=None)


def json_round_trip(args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    try:
        loaded = orjson.loads(orjson.dumps([list(args), kwargs]))
    except TypeError as exc:
        raise TypeError(f"job arguments must be JSON values: {exc}") from exc
    return loaded[0], loaded[1]


class InProcessJobs:
    def __init__(
        self,
        tasks: TaskRegistry | None = None,
        schedule: Sequence[ScheduledJob] = (),
        run_schedule: bool = True,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.registry = tasks if tasks is not None else TaskRegistry()
        self.schedule = list(schedule)
        self.run_schedule = run_schedule
        # Replaceable so tests drive time instead of waiting for the next minute.
        self.clock = clock
        self.sleep = sleep
        self.context: JobContext | None = None
        self._running: set[asyncio.Task[bool]] = set()
        self._timers: list[asyncio.Task[None]] = []

    async def enqueue(self, task: TaskRef, *args: Any, **kwargs: Any) -> None:
        spec = self.registry.get(task_name(task))
        plain_args, plain_kwargs = json_round_trip(args, kwargs)
        pending = _request_jobs.get()
        if pending is not None:
            pending.append((self, spec, plain_args, plain_kwargs))
            return
        self._spawn(spec, plain_args, plain_kwargs)

    def _spawn(self, spec: TaskSpec, args: list[Any], kwargs: dict[str, Any]) -> None:
        running = asyncio.get_running_loop().create_task(
            self.run(spec, args, kwargs), name=f"job:{spec.name}"
        )
        self._running.add(running)
        running.add_done_callback(self._running.discard)

    async def run(self, spec: TaskSpec, args: list[Any], kwargs: dict[str, Any]) -> bool:
        """Run one job to success or to its last retry; True when it succeeded."""
        if self.context is None:
            raise RuntimeError("InProcessJobs.context is not set")
        attempts = spec.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                await spec(self.context, *args, **kwargs)
            except Exception as exc:
                # An outage fails every job and schedule tick alike: one folded line, no tracebacks.
                outage = is_outage(exc)
                if outage:
                    outage_log.report(exc, f"job {spec.name}")
                if attempt == attempts:
                    if not outage:
                        logger.exception("job %s failed after %d attempt(s)", spec.name, attempts)
                    return False
                delay = spec.retry_backoff * 2 ** (attempt - 1)
                if not outage:
                    logger.warning(
                        "job %s failed (attempt %d/%d), retrying in %.1fs",
                        spec.name,
                        attempt,
                        attempts,
                        delay,
                        exc_info=True,
                    )
                await asyncio.sleep(delay)
            else:
                logger.info("job %s done", spec.name)
                return True
        return False  # pragma: no cover - the loop always returns

    async def _ticks(self, scheduled: ScheduledJob) -> None:
        """Fire every tick of `scheduled`; the lease decides which process actually runs it."""
        if scheduled.task not in self.registry.names():
            logger.error("scheduled job %s names unknown task %s", scheduled.name, scheduled.task)
            return
        while True:
            tick = scheduled.next_tick(self.clock())
            await self.sleep(max(0.0, (tick - self.clock()).total_seconds()))
            await self.enqueue(SCHEDULED_TICK, scheduled.name, tick.isoformat())

    async def start(self) -> None:
        if self.run_schedule:
            loop = asyncio.get_running_loop()
            self._timers = [
                loop.create_task(self._ticks(item), name=f"schedule:{item.name}") for item in self.schedule
            ]

    async def close(self, grace_seconds: float = 30.0) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        if self._running:
            _, still = await asyncio.wait(set(self._running), timeout=grace_seconds)
            for task in still:
                logger.error("job %s still running at shutdown; cancelled", task.get_name())
                task.cancel()

    async def drain(self, grace_seconds: float = 30.0) -> None:
        """Wait for jobs started outside requests (tests, CLI)."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace_seconds)


class BackgroundJobsMiddleware:
    """Runs the jobs a request enqueued once its response is sent (only if the app answered)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending: Pending = []
        token = _request_jobs.set(pending)
        try:
            await self.app(scope, receive, send)
        finally:
            _request_jobs.reset(token)
        # Sequential: one request's jobs (say, welcome then verification email) keep their order.
        for runner, spec, args, kwargs in pending:
            await runner.run(spec, args, kwargs)
