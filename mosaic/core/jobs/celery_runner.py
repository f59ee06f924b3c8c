"""The Celery adapter: the API publishes jobs to RabbitMQ, `mosaic worker` runs them.

Tasks are async; each worker process keeps one event loop (`asyncio.Runner`) for its whole life,
so the database pool and HTTP clients that a job context holds are created once and stay bound
to that loop, instead of a fresh loop (and broken pools) per task. Retries use Celery's own
`retry` with the task's back-off; `acks_late` plus `reject_on_worker_lost` means a job a worker
was killed in the middle of goes back on the queue, and a warm shutdown (SIGTERM) lets running
jobs finish before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from celery import Celery, signals
from celery.schedules import crontab

from mosaic.core.config import Settings
from mosaic.core.domain import ScheduledJob
from mosaic.core.jobs import JobContext, JobQueue, TaskRef, TaskRegistry, TaskSpec, task_name
from mosaic.core.jobs.schedule import SCHEDULED_TICK

logger = logging.getLogger("mosaic.jobs")

ContextFactory = Callable[[], Coroutine[Any, Any, JobContext]]
ContextCloser = Callable[[JobContext], Coroutine[Any, Any, None]]


class WorkerLoop:
    """One event loop and one job context per worker process, created on the first task."""

    def __init__(self, make_context: ContextFactory, close_context: ContextCloser | None = None) -> None:
        self.make_context = make_context
        self.close_context = close_context
        self._runner: asyncio.Runner | None = None
        self._context: JobContext | None = None

    async def _call(self, spec: TaskSpec, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        if self._context is None:
            self._context = await self.make_context()
        return await spec(self._context, *args, **kwargs)

    def run(self, spec: TaskSpec, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(self._call(spec, args, kwargs))

    def close(self) -> None:
        if self._runner is None:
            return
        if self._context is not None and self.close_context is not None:
            self._runner.run(self.close_context(self._context))
        self._runner.close()
        self._runner = None
        self._context = None


def beat_crontab(cron: str) -> crontab:
    """Celery's crontab for a five-field expression (its positional order differs from cron's)."""
    minute, hour, day_of_month, month_of_year, day_of_week = cron.split()
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def build_celery(
    settings: Settings,
    *,
    tasks: TaskRegistry | None = None,
    schedule: Sequence[ScheduledJob] = (),
    loop: WorkerLoop | None = None,
) -> Celery:
    """The Celery app: every registered job as a Celery task, the domains' schedule for beat."""
    app = Celery("mosaic", broker=settings.CELERY_BROKER_URL, backend=settings.CELERY_RESULT_BACKEND)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=settings.CELERY_QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=settings.CELERY_RESULT_BACKEND is None,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        # The same lease as the in-process runner: a second beat (or a late message) cannot run
        # a tick twice; the worker resolves the tick from the time it starts the job.
        beat_schedule={
            item.name: {
                "task": SCHEDULED_TICK,
                "schedule": beat_crontab(item.cron),
                "args": [item.name],
                "options": {"queue": settings.CELERY_QUEUE},
            }
            for item in schedule
        },
    )
    if loop is not None:
        for spec in tasks or ():
            _register(app, spec, loop)

        def _shutdown(**_: Any) -> None:
            loop.close()

        signals.worker_process_shutdown.connect(_shutdown, weak=False)
        signals.worker_shutdown.connect(_shutdown, weak=False)
    return app


def _register(app: Celery, spec: TaskSpec, loop: WorkerLoop) -> None:
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return loop.run(spec, args, kwargs)
        except Exception as exc:
            retries = int(self.request.retries or 0)
            if retries >= spec.max_retries:
                logger.exception("job %s failed after %d attempt(s)", spec.name, retries + 1)
                raise
            delay = spec.retry_backoff * 2**retries
            logger.warning("job %s failed (attempt %d), retrying in %.1fs", spec.name, retries + 1, delay)
            raise self.retry(exc=exc, countdown=delay, max_retries=spec.max_retries) from exc

    run.__name__ = spec.name.replace(".", "_")
    app.task(name=spec.name, bind=True, max_retries=spec.max_retries)(run)


class CeleryJobs:
    """The API side: publish to the broker; when the broker refuses, run the job here instead."""

    def __init__(
        self, app: Celery, queue: str, tasks: TaskRegistry | None = None, fallback: JobQueue | None = None
    ) -> None:
        self.app = app
        self.queue = queue
        self.registry = tasks if tasks is not None else TaskRegistry()
        self.fallback = fallback

    def _publish(self, name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        self.app.send_task(
            name,
            args=list(args),
            kwargs=kwargs,
            queue=self.queue,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1},
        )

    async def enqueue(self, task: TaskRef, *args: Any, **kwargs: Any) -> None:
        name = task_name(task)
        self.registry.get(name)  # an unknown name fails here, not silently in a worker
        try:
            await asyncio.to_thread(self._publish, name, args, kwargs)
        except Exception as exc:
            if self.fallback is None:
                raise
            logger.warning("broker unavailable (%s): running job %s in-process", type(exc).__name__, name)
            await self.fallback.enqueue(name, *args, **kwargs)

    async def start(self) -> None:
        if self.fallback is not None:
            await self.fallback.start()

    async def close(self, grace_seconds: float = 30.0) -> None:
        if self.fallback is not None:
            await self.fallback.close(grace_seconds)
        await asyncio.to_thread(self.app.close)
