"""Background jobs: a task registry and one `enqueue(task, *args, **kwargs)` API, two runners.

Tasks are async functions `async def task(ctx: JobContext, *args, **kwargs)` named by
`@job("module.operation")`. The decorator only turns the function into a `TaskSpec`; the domain
that owns it lists it in its `Domain(jobs=...)`, and `create_app` / `mosaic worker` build the
`TaskRegistry` of exactly the enabled domains' jobs (nothing is registered by importing a module).
Arguments cross a broker as JSON, so they are plain values (strings, numbers, lists, dicts; ids
as strings).

- Without `CELERY_BROKER_URL`: `InProcessJobs` runs them in this process after the response
  (see `mosaic.core.jobs.local`), with bounded retries and logged failures.
- With it: `CeleryJobs` publishes them to RabbitMQ, and `mosaic worker` runs them (see
  `mosaic.core.jobs.celery`).

From a request, use `enqueue_after_commit` so a rolled-back request queues nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.cache import Cache
from mosaic.core.config import Settings
from mosaic.core.database import Database, on_commit

if TYPE_CHECKING:  # core.domain imports this module (Domain.jobs are TaskSpecs)
    from mosaic.core.domain import ScheduledJob

logger = logging.getLogger("mosaic.jobs")


@dataclass
class JobContext:
    """What a running task may use: the same services the API has, built once per process."""

    settings: Settings
    database: Database
    cache: Cache | None = None
    jobs: JobQueue | None = None
    # Provider instances by name ("email", "storage"): core cannot import providers.
    services: Mapping[str, Any] = field(default_factory=dict)
    # The enabled domains' schedules, which `core.scheduled_tick` looks names up in.
    schedule: Sequence[ScheduledJob] = ()
    # The runnable jobs of this process, which a schedule tick runs its task from.
    tasks: TaskRegistry | None = None

    def service(self, name: str) -> Any:
        try:
            return self.services[name]
        except KeyError:
            raise LookupError(f"job context has no service {name!r}") from None


TaskFunction = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    func: TaskFunction
    max_retries: int = 3
    # Seconds before retry n (1-based) is `retry_backoff * 2 ** (n - 1)`.
    retry_backoff: float = 1.0

    async def __call__(self, ctx: JobContext, *args: Any, **kwargs: Any) -> Any:
        return await self.func(ctx, *args, **kwargs)


class TaskRegistry:
    """The runnable jobs of one app (or worker), built from the enabled domains' declarations."""

    def __init__(self, specs: Iterable[TaskSpec] = ()) -> None:
        self._tasks: dict[str, TaskSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: TaskSpec) -> TaskSpec:
        existing = self._tasks.get(spec.name)
        if existing is not None and existing.func is not spec.func:
            raise ValueError(f"job {spec.name!r} is already registered")
        self._tasks[spec.name] = spec
        return spec

    def get(self, name: str) -> TaskSpec:
        try:
            return self._tasks[name]
        except KeyError:
            raise LookupError(f"no job registered as {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._tasks)

    def __iter__(self) -> Any:
        return iter(list(self._tasks.values()))


def job(name: str, *, max_retries: int = 3, retry_backoff: float = 1.0) -> Callable[[TaskFunction], TaskSpec]:
    """Make an async function the job `name` (dotted: `module.operation`); a Domain declares it."""

    def decorate(func: TaskFunction) -> TaskSpec:
        return TaskSpec(name, func, max_retries, retry_backoff)

    return decorate


TaskRef = str | TaskSpec


def task_name(task: TaskRef) -> str:
    return task.name if isinstance(task, TaskSpec) else task


class JobQueue(Protocol):
    async def enqueue(self, task: TaskRef, *args: Any, **kwargs: Any) -> None: ...

    async def start(self) -> None: ...

    async def close(self, grace_seconds: float = 30.0) -> None:
        """Graceful shutdown: let running jobs finish (up to `grace_seconds`), then release resources."""
        ...


def get_jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


def enqueue_after_commit(
    session: AsyncSession, jobs: JobQueue, task: TaskRef, *args: Any, **kwargs: Any
) -> None:
    """Queue `task` once the request's transaction has committed (never on rollback)."""

    async def send() -> None:
        await jobs.enqueue(task, *args, **kwargs)

    on_commit(session, send)


__all__ = [
    "JobContext",
    "JobQueue",
    "TaskRegistry",
    "TaskSpec",
    "enqueue_after_commit",
    "get_jobs",
    "job",
    "task_name",
]
