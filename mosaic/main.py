"""Application factory: the core, then `accounts`, then each domain named in `MOSAIC_DOMAINS`."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from fastapi_offline import FastAPIOffline

from mosaic import __version__
from mosaic.accounts.deps import identify_request
from mosaic.accounts.plans.limits import check_limit_counters
from mosaic.accounts.rbac.service import sync_rbac
from mosaic.apidocs.schema import install_openapi, operation_id
from mosaic.core import domain as domain_registry
from mosaic.core.config import Settings, get_settings
from mosaic.core.constraints import ConstraintErrors
from mosaic.core.database import Base, Database
from mosaic.core.domain import Domain, LimitCounter
from mosaic.core.errors import COMMON_ERROR_RESPONSES, install_error_handlers
from mosaic.core.health import default_checks, metrics_router
from mosaic.core.health import router as health_router
from mosaic.core.inbox import handle_external_event
from mosaic.core.jobs import JobContext, JobQueue, TaskRegistry, TaskSpec
from mosaic.core.jobs.local import BackgroundJobsMiddleware, InProcessJobs
from mosaic.core.jobs.schedule import domain_schedule, scheduled_tick
from mosaic.core.logging import configure_logging
from mosaic.core.middleware import RATE_LIMIT_EXEMPT_PREFIXES, RequestContextMiddleware
from mosaic.core.ratelimit import RateLimiter
from mosaic.core.security import configure_hashing
from mosaic.providers.ai import close_shared_clients as close_ai_clients
from mosaic.providers.email.tasks import send_email
from mosaic.providers.identity import ExternalTokenVerifier
from mosaic.providers.storage import LocalStorage
from mosaic.services import build_services

logger = logging.getLogger("mosaic")

API_PREFIX = "/api/v1"


def load_domains(settings: Settings) -> list[Domain]:
    """`accounts` and the domains `MOSAIC_DOMAINS` names, from the one list in `core.domain`."""
    return domain_registry.load_domains(settings.MOSAIC_DOMAINS)


def import_all_models() -> None:
    """Import every domain so its models join `Base.metadata` (Alembic sees all tables, on or off)."""
    domain_registry.import_all_domains()
    importlib.import_module("mosaic.legacy.models")  # legacy_ids, written by `legacy import-mongo`


# Jobs of the platform itself (not of a domain): every email, every schedule tick and every
# external event goes through one of these.
PLATFORM_JOBS: tuple[TaskSpec, ...] = (send_email, scheduled_tick, handle_external_event)


def build_task_registry(domains: list[Domain]) -> TaskRegistry:
    """The runnable jobs: the platform's and those the enabled domains declare (API and worker alike)."""
    return TaskRegistry([*PLATFORM_JOBS, *(spec for domain in domains for spec in domain.jobs)])


def limit_counters(domains: list[Domain]) -> dict[str, LimitCounter]:
    counters: dict[str, LimitCounter] = {}
    for domain in domains:
        for resource, counter in domain.limit_counters.items():
            if resource in counters:
                raise ValueError(f"plan-limit counter {resource!r} is declared by two domains")
            counters[resource] = counter
    return counters


async def seed_rbac(database: Database, domains: list[Domain]) -> None:
    async with database.transaction() as session:
        await sync_rbac(session, domains)


async def seed_domains(database: Database, settings: Settings, domains: list[Domain]) -> None:
    """Permissions and default roles of every domain first, then each domain's own idempotent seed."""
    await seed_rbac(database, domains)
    for domain in domains:
        if domain.seed is None:
            continue
        async with database.transaction() as session:
            await domain.seed(session, settings)
        logger.info("seeded domain %s", domain.name)


def build_jobs(settings: Settings, domains: list[Domain], tasks: TaskRegistry | None = None) -> JobQueue:
    """Celery when a broker is configured (with an in-process fallback), in-process otherwise."""
    tasks = tasks if tasks is not None else build_task_registry(domains)
    schedule = domain_schedule(domains)
    if not settings.CELERY_BROKER_URL:
        return InProcessJobs(tasks, schedule=schedule, run_schedule=settings.SCHEDULE_IN_PROCESS)
    from mosaic.core.jobs.celery_runner import CeleryJobs, build_celery

    fallback = InProcessJobs(tasks, run_schedule=False)  # beat owns the schedule
    return CeleryJobs(build_celery(settings), settings.CELERY_QUEUE, tasks=tasks, fallback=fallback)


def _bind_in_process(jobs: JobQueue, context: JobContext) -> None:
    for runner in (jobs, getattr(jobs, "fallback", None)):
        if isinstance(runner, InProcessJobs):
            runner.context = context


API_DESCRIPTION = """Mosaic API. Every response is the envelope `{status_code, message, data, error}`:
`data` holds the payload of a success, `error` (`{code, message, details}`) says what went wrong
with a stable upper-case `code`. Authenticate with `Authorization: Bearer <access token>` from
`POST /api/v1/auth/login`. Every response carries `X-Request-ID` (sent back when the request had
one); rate-limited answers carry `Retry-After` and `X-RateLimit-Limit/Remaining/Reset`."""

# FastAPI's OpenTelemetry instrumentation, switched off unless OPENTELEMETRY_ENABLED.
_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def build_constraint_errors(domains: list[Domain]) -> ConstraintErrors:
    """One registry per app from the domains' declarations (SQLite names come from the models)."""
    registry = ConstraintErrors(metadata=[Base.metadata])
    for domain in domains:
        registry.update(domain.constraint_errors)
    return registry


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    configure_hashing(settings.PASSWORD_HASH_CONCURRENCY)
    domains = load_domains(settings)
    services = build_services(settings, domains)  # the same builder as `mosaic worker`'s
    database, cache, email, storage = services.database, services.cache, services.email, services.storage
    limiter = RateLimiter(settings, identify=identify_request)
    tasks = build_task_registry(domains)
    jobs = build_jobs(settings, domains, tasks)
    _bind_in_process(jobs, services.job_context(jobs, domain_schedule(domains), tasks))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.SEED_ON_STARTUP:
            await seed_domains(database, settings, domains)
        for domain in domains:
            for hook in domain.on_startup:
                await hook(app)
        logger.info("Mosaic %s started with domains %s", __version__, [d.name for d in domains])
        await jobs.start()
        yield
        await jobs.close()  # graceful: running jobs finish first
        await close_ai_clients()  # the pooled provider connections of this process
        for domain in reversed(domains):
            for hook in domain.on_shutdown:
                try:
                    await hook(app)
                except Exception:  # one failing hook must not keep the others from closing
                    logger.exception("shutdown hook of domain %s failed", domain.name)
        await limiter.close()
        await services.close()

    # Swagger UI and ReDoc assets come from the fastapi-offline package: /docs works without internet.
    # It needs a schema URL; with the docs off (production default) a plain FastAPI serves neither.
    make_app: Callable[..., FastAPI] = FastAPIOffline if settings.docs_enabled else FastAPI
    app = make_app(
        title=settings.APP_NAME,
        version=settings.APP_VERSION,
        debug=False,  # DEBUG never reaches clients: errors are always the envelope
        lifespan=lifespan,
        description=API_DESCRIPTION,
        license_info={"name": "MIT", "identifier": "MIT"},
        generate_unique_id_function=operation_id,
        telemetry=None if settings.OPENTELEMETRY_ENABLED else _NO_TELEMETRY,
        # Off in production unless DOCS_ENABLED: the schema maps every route for an attacker.
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    install_openapi(app, servers=[{"url": "/", "description": "This server"}])
    app.state.settings = settings
    app.state.database = database
    app.state.domains = domains
    app.state.constraint_errors = build_constraint_errors(domains)
    app.state.readiness_checks = default_checks(settings, database)
    app.state.email = email
    app.state.cache = cache
    app.state.limiter = limiter
    app.state.jobs = jobs
    app.state.tasks = tasks
    app.state.inbox = services.inbox
    app.state.limit_counters = limit_counters(domains)
    app.state.storage = storage
    app.state.external_verifier = (
        ExternalTokenVerifier(settings) if settings.external_tokens_enabled else None
    )

    install_error_handlers(app)
    # Request id, body limits, the general rate limit (before routing: cheap refusals), access
    # log and metrics. CORS, added after it, wraps it: CORS headers reach its 413/415/429/500 too.
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.MAX_REQUEST_BODY_MB * 1024 * 1024,
        max_in_flight=settings.MAX_IN_FLIGHT_REQUESTS,
        limiter=limiter,
        rate_limit_exempt=(
            *RATE_LIMIT_EXEMPT_PREFIXES,
            *(prefix for domain in domains for prefix in domain.rate_limit_exempt),
        ),
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.CORS_ORIGINS,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[
            "X-Request-ID",
            "Retry-After",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
        ],
    )
    # Outermost: a request's in-process jobs run once its response has been sent.
    app.add_middleware(BackgroundJobsMiddleware)

    app.include_router(health_router)
    if settings.METRICS_ENABLED:
        app.include_router(metrics_router)
    if isinstance(storage, LocalStorage):
        app.mount("/media", StaticFiles(directory=storage.root, check_dir=False), name="media")
    for domain in domains:
        for router in domain.routers:
            app.include_router(router, prefix=API_PREFIX, responses=COMMON_ERROR_RESPONSES)
    check_limit_counters(app)
    return app
