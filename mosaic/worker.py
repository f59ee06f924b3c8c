"""The Celery app of `mosaic worker` and `mosaic beat` (also `celery -A mosaic.worker ...`).

Importing this module loads every enabled domain; the jobs they declare become its Celery tasks
and their schedules beat's; each worker process then builds, on its first job, the same services the API
has (database, cache, email, storage) inside its own long-lived event loop.
"""

from __future__ import annotations

from mosaic.core.cache import build_cache
from mosaic.core.config import Settings, get_settings
from mosaic.core.database import Database
from mosaic.core.jobs import JobContext
from mosaic.core.jobs.celery_runner import CeleryJobs, WorkerLoop, build_celery
from mosaic.core.logging import configure_logging
from mosaic.main import build_job_context, build_task_registry, load_domains
from mosaic.providers.ai import close_shared_clients as close_ai_clients
from mosaic.providers.email import build_email_provider
from mosaic.providers.storage import build_storage


def create_worker_app(settings: Settings):  # type: ignore[no-untyped-def]  # celery is untyped
    domains = load_domains(settings)
    schedule = [item for domain in domains for item in domain.scheduled_jobs]
    tasks = build_task_registry(domains)

    async def make_context() -> JobContext:
        configure_logging(settings)
        database = Database(settings)
        cache = build_cache(settings)
        # Jobs a job enqueues go back to the broker.
        jobs = CeleryJobs(build_celery(settings), settings.CELERY_QUEUE, tasks=tasks)
        return build_job_context(
            settings, database, cache, jobs, build_email_provider(settings), build_storage(settings)
        )

    async def close_context(context: JobContext) -> None:
        await close_ai_clients()
        if context.cache is not None:
            await context.cache.close()
        await context.database.dispose()

    return build_celery(
        settings, tasks=tasks, schedule=schedule, loop=WorkerLoop(make_context, close_context)
    )


celery_app = create_worker_app(get_settings())
app = celery_app
