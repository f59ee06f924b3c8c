"""Application factory: the core, then `accounts`, then each domain named in `MOSAIC_DOMAINS`."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from mosaic import __version__
from mosaic.accounts.deps import identify_request
from mosaic.accounts.rbac.service import sync_rbac
from mosaic.core.cache import Cache, attach_invalidation, build_cache
from mosaic.core.config import Settings, get_settings
from mosaic.core.database import Database
from mosaic.core.domain import Domain
from mosaic.core.errors import COMMON_ERROR_RESPONSES, install_error_handlers
from mosaic.core.health import default_checks, metrics_router
from mosaic.core.health import router as health_router
from mosaic.core.jobs import JobContext, JobQueue
from mosaic.core.jobs.local import BackgroundJobsMiddleware, InProcessJobs
from mosaic.core.logging import configure_logging
from mosaic.core.middleware import RequestContextMiddleware
from mosaic.core.ratelimit import RateLimiter
from mosaic.core.security import configure_hashing
from mosaic.providers.email import EmailProvider, build_email_provider
from mosaic.providers.identity import ExternalTokenVerifier
from mosaic.providers.storage import LocalStorage, StorageProvider, build_storage

logger = logging.getLogger("mosaic")

API_PREFIX = "/api/v1"

# Every domain package Mosaic ships, by the name `MOSAIC_DOMAINS` uses. `accounts` is always on.
KNOWN_DOMAINS: dict[str, str] = {
    "accounts": "mosaic.accounts",
    "trading": "mosaic.trading",
}
ALWAYS_ON = ("accounts",)


def resolve_domain_names(requested: list[str]) -> list[str]:
    """`all` means every known domain; an unknown name stops start-up with the list of valid ones."""
    names = list(KNOWN_DOMAINS) if "all" in requested else [*ALWAYS_ON, *requested]
    unknown = [name for name in names if name not in KNOWN_DOMAINS]
    if unknown:
        raise ValueError(f"MOSAIC_DOMAINS names unknown domain(s) {unknown}; known: {sorted(KNOWN_DOMAINS)}")
    return list(dict.fromkeys(names))


def load_domains(settings: Settings) -> list[Domain]:
    domains = []
    for name in resolve_domain_names(settings.MOSAIC_DOMAINS):
        domain: Domain = importlib.import_module(KNOWN_DOMAINS[name]).domain
        domains.append(domain)
    return domains


def import_all_models() -> None:
    """Import every domain so its models join `Base.metadata` (Alembic sees all tables, on or off)."""
    for module in KNOWN_DOMAINS.values():
        importlib.import_module(module)


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


def build_jobs(settings: Settings, domains: list[Domain]) -> JobQueue:
    """Celery when a broker is configured (with an in-process fallback), in-process otherwise."""
    schedule = [item for domain in domains for item in domain.scheduled_jobs]
    if not settings.CELERY_BROKER_URL:
        return InProcessJobs(schedule=schedule)
    from mosaic.core.jobs.celery_runner import CeleryJobs, build_celery

    fallback = InProcessJobs(run_schedule=False)  # beat owns the schedule
    return CeleryJobs(build_celery(settings), settings.CELERY_QUEUE, fallback=fallback)


def build_job_context(
    settings: Settings,
    database: Database,
    cache: Cache,
    jobs: JobQueue | None,
    email: EmailProvider,
    storage: StorageProvider,
) -> JobContext:
    """The services a job may use; the same builder serves the API process and `mosaic worker`."""
    return JobContext(
        settings=settings,
        database=database,
        cache=cache,
        jobs=jobs,
        services={"email": email, "storage": storage},
    )


def _bind_in_process(jobs: JobQueue, context: JobContext) -> None:
    for runner in (jobs, getattr(jobs, "fallback", None)):
        if isinstance(runner, InProcessJobs):
            runner.context = context


# FastAPI's OpenTelemetry instrumentation, switched off unless OPENTELEMETRY_ENABLED.
_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    configure_hashing(settings.PASSWORD_HASH_CONCURRENCY)
    domains = load_domains(settings)
    database = Database(settings)
    cache = build_cache(settings)
    attach_invalidation(database, cache)
    limiter = RateLimiter(settings, identify=identify_request)
    email = build_email_provider(settings)
    storage = build_storage(settings)
    jobs = build_jobs(settings, domains)
    _bind_in_process(jobs, build_job_context(settings, database, cache, jobs, email, storage))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.SEED_ON_STARTUP:
            await seed_domains(database, settings, domains)
        logger.info("Mosaic %s started with domains %s", __version__, [d.name for d in domains])
        await jobs.start()
        yield
        await jobs.close()  # graceful: running jobs finish first
        await limiter.close()
        await cache.close()
        await database.dispose()

    app = FastAPI(
        title=settings.APP_NAME,
        version=settings.APP_VERSION,
        debug=False,  # DEBUG never reaches clients: errors are always the envelope
        lifespan=lifespan,
        description="Mosaic API. Every response is the envelope `{status_code, message, data, error}`.",
        telemetry=None if settings.OPENTELEMETRY_ENABLED else _NO_TELEMETRY,
        # Off in production unless DOCS_ENABLED: the schema maps every route for an attacker.
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.domains = domains
    app.state.readiness_checks = default_checks(settings, database)
    app.state.email = email
    app.state.cache = cache
    app.state.limiter = limiter
    app.state.jobs = jobs
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
    return app
