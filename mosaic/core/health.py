"""Liveness, readiness and Prometheus metrics.

`/health/live` says the process answers; `/health/ready` says it can serve traffic: each
configured dependency (database always; Redis and the broker when configured) is checked with a
timeout. Only the database is critical: without it the answer is 503 naming the failed check,
so a load balancer stops routing here while an orchestrator does not restart a process that is
merely waiting. Redis and the broker have fallbacks (process-local cache and limits, in-process
jobs), so their failure answers 200 with `status: degraded` and the degraded components listed.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic import BaseModel, Field

from mosaic.core.access import public
from mosaic.core.config import Settings
from mosaic.core.database import Database
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import ServiceUnavailable, Unauthorized, error_responses

logger = logging.getLogger("mosaic.health")

ReadinessCheck = Callable[[], Awaitable[None]]


class CheckResult(BaseModel):
    ok: bool
    latency_ms: float = Field(examples=[1.2])
    error: str | None = Field(default=None, examples=[None])


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])
    version: str = Field(examples=["0.1.0"])


class Readiness(BaseModel):
    status: Literal["ok", "degraded"] = Field(examples=["ok"])
    degraded: list[str] = Field(
        default_factory=list, examples=[[]], description="Failed optional components."
    )
    checks: dict[str, CheckResult]


# Without these the API cannot serve; every other check only degrades it.
CRITICAL_CHECKS = frozenset({"database"})


def database_check(database: Database) -> ReadinessCheck:
    return database.ping


def redis_check(url: str) -> ReadinessCheck:
    async def check() -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            await client.ping()
        finally:
            await client.aclose()

    return check


def broker_check(url: str, timeout: float) -> ReadinessCheck:
    def connect() -> None:
        from kombu.connection import Connection

        with Connection(url, connect_timeout=timeout) as connection:  # type: ignore[no-untyped-call]
            connection.ensure_connection(max_retries=1, timeout=timeout)

    async def check() -> None:
        await asyncio.to_thread(connect)

    return check


def default_checks(settings: Settings, database: Database) -> dict[str, ReadinessCheck]:
    checks = {"database": database_check(database)}
    if settings.REDIS_URL:
        checks["redis"] = redis_check(settings.REDIS_URL)
    if settings.CELERY_BROKER_URL:
        checks["broker"] = broker_check(settings.CELERY_BROKER_URL, settings.HEALTH_CHECK_TIMEOUT_SECONDS)
    return checks


async def _run(check: ReadinessCheck, limit_seconds: float) -> CheckResult:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), limit_seconds)
    except Exception as exc:
        error = "timed out" if isinstance(exc, TimeoutError) else f"unreachable ({type(exc).__name__})"
        return CheckResult(ok=False, latency_ms=_ms(started), error=error)
    return CheckResult(ok=True, latency_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=Envelope[Liveness], summary="Liveness probe")
@public
async def live(request: Request) -> Envelope[Liveness]:
    settings: Settings = request.app.state.settings
    return ok(Liveness(status="ok", version=settings.APP_VERSION), "Alive")


@router.get(
    "/ready",
    response_model=Envelope[Readiness],
    summary="Readiness probe: database (503 when down); Redis and the broker degrade it (200)",
    responses=error_responses(503),
)
@public
async def ready(request: Request) -> Envelope[Readiness]:
    settings: Settings = request.app.state.settings
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    names = list(checks)
    results = await asyncio.gather(
        *(_run(checks[name], settings.HEALTH_CHECK_TIMEOUT_SECONDS) for name in names)
    )
    report = dict(zip(names, results, strict=True))
    failed = [name for name, result in report.items() if not result.ok]
    critical = [name for name in failed if name in CRITICAL_CHECKS]
    if critical:
        logger.warning("readiness failed: %s", ", ".join(failed))
        raise ServiceUnavailable(
            f"Not ready: {', '.join(critical)} unavailable",
            details={name: result.model_dump() for name, result in report.items()},
            headers={"Retry-After": "5"},
        )
    if failed:
        logger.warning("readiness degraded: %s", ", ".join(failed))
        return ok(Readiness(status="degraded", degraded=failed, checks=report), "Ready (degraded)")
    return ok(Readiness(status="ok", checks=report), "Ready")


metrics_router = APIRouter(tags=["health"])


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"},
        **error_responses(401),
    },
)
@public
async def metrics(request: Request) -> Response:
    # Public unless METRICS_TOKEN is set (then a Bearer scrape token); every worker's samples when
    # gunicorn runs several (multiprocess mode), this process's otherwise.
    settings: Settings = request.app.state.settings
    if settings.METRICS_TOKEN is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = settings.METRICS_TOKEN.get_secret_value()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise Unauthorized("Metrics need the scrape token")
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
