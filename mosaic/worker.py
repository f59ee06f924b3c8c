"""The Celery app of `mosaic worker` and `mosaic beat` (also `celery -A mosaic.worker ...`).

Importing this module loads every enabled domain; the jobs they declare (and the platform's)
become its Celery tasks and their schedules beat's; each worker process then builds, on its first
job, the same services the API has (`mosaic.services.build_services`: database with cache
invalidation, cache, email, storage, AI) inside its own long-lived event loop.
"""

from __future__ import annotations

from mosaic.core.config import Settings, get_settings
from mosaic.core.jobs import JobContext
from mosaic.core.jobs.celery_runner import CeleryJobs, WorkerLoop, build_celery
from mosaic.core.jobs.schedule import domain_schedule
from mosaic.core.logging import configure_logging
from mosaic.main import build_task_registry, load_domains
from mosaic.providers.ai import close_shared_clients as close_ai_clients
from mosaic.services import Services, build_services


def create_worker_app(settings: Settings):  # type: ignore[no-untyped-def]  # celery is untyped
    domains = load_domains(settings)
    schedule = domain_schedule(domains)
    tasks = build_task_registry(domains)
    built: list[Services] = []

    async def make_context() -> JobContext:
        configure_logging(settings)
        services = build_services(settings, domains)
        built.append(services)
        # Jobs a job enqueues go back to the broker.
        jobs = CeleryJobs(build_celery(settings), settings.CELERY_QUEUE, tasks=tasks)
        return services.job_context(jobs, schedule, tasks)

    async def close_context(context: JobContext) -> None:
        await close_ai_clients()
        while built:
            await built.pop().close()

    return build_celery(
        settings, tasks=tasks, schedule=schedule, loop=WorkerLoop(make_context, close_context)
    )


celery_app = create_worker_app(get_settings())
app = celery_app
