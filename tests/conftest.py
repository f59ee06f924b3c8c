"""Shared fixtures: one migrated database and one app per test process, real services when configured.

The suite runs on the embedded defaults (SQLite, in-process everything). With `TEST_DATABASE_URL`,
`TEST_REDIS_URL` and `TEST_CELERY_BROKER_URL` set it runs on PostgreSQL and exercises Redis and
RabbitMQ. Each xdist worker gets its own database; tests create their own uniquely named data
instead of truncating tables, so they stay independent without paying for cleanup.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from mosaic.core.config import Settings
from mosaic.core.migrations import run_alembic
from mosaic.main import create_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
TEST_CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL")
# .ci/run sets this in the services run: a service test that cannot reach its service fails.
REQUIRE_SERVICES = os.environ.get("MOSAIC_REQUIRE_SERVICES") == "1"

SERVICE_URLS = {"postgres": TEST_DATABASE_URL, "redis": TEST_REDIS_URL, "rabbitmq": TEST_CELERY_BROKER_URL}


def reachable(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url.replace("+asyncpg", ""))
    default_port = {"postgresql": 5432, "postgres": 5432, "redis": 6379, "amqp": 5672}.get(parts.scheme, 0)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for service, url in SERVICE_URLS.items():
        if reachable(url):
            continue
        reason = (
            f"{service} not configured (TEST_* URL unset)" if not url else f"{service} unreachable at {url}"
        )
        for item in items:
            if service in item.keywords:
                if REQUIRE_SERVICES:
                    item.add_marker(pytest.mark.usefixtures("_service_required_but_missing"))
                else:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _service_required_but_missing() -> None:
    pytest.fail("a service test could not reach its service while MOSAIC_REQUIRE_SERVICES=1")


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def create_pg_database(base_url: str, name: str) -> str:
    import asyncpg

    url = make_url(Settings(_env_file=None, DATABASE_URL=base_url).DATABASE_URL)  # type: ignore[call-arg]
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg

    url = make_url(Settings(_env_file=None, DATABASE_URL=base_url).DATABASE_URL)  # type: ignore[call-arg]
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database_url(tmp_dir: Path, label: str) -> AsyncIterator[str]:
    """An empty database of the configured kind, removed afterwards."""
    if TEST_DATABASE_URL:
        name = f"mosaic_test_{label}_{worker_id()}_{os.getpid()}"
        url = await create_pg_database(TEST_DATABASE_URL, name)
        try:
            yield url
        finally:
            await drop_pg_database(TEST_DATABASE_URL, name)
    else:
        yield f"sqlite+aiosqlite:///{tmp_dir / f'{label}.db'}"


def make_settings(**overrides: Any) -> Settings:
    """Test settings: independent of the developer's `.env` and environment."""
    values: dict[str, Any] = {
        "ENVIRONMENT": "test",
        "LOG_FILE_PATH": "",
        "LOG_LEVEL": "INFO",
        "SEED_ON_STARTUP": True,
        "SUPERADMIN_EMAIL": "root@example.com",
        "SUPERADMIN_PASSWORD": "Root-Passw0rd-For-Tests",
        "JWT_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "AUTO_VERIFY_EMAIL": False,
        "FRONTEND_URL": "http://frontend.test",
        # The whole suite shares one client IP; rate-limit tests build apps with real limits.
        "RATE_LIMIT_PER_MINUTE": 1_000_000,
        "AUTH_RATE_LIMIT_PER_ACCOUNT": "1000000/minute",
        "AUTH_RATE_LIMIT_PER_IP": "1000000/minute",
        "REGISTRATION_RATE_LIMIT": "1000000/minute",
        # Schedules are tested by driving them (tests/core/test_schedule.py), not by the clock.
        "SCHEDULE_IN_PROCESS": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def tmp_session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mosaic")


@pytest.fixture(scope="session")
async def database_url(tmp_session_dir: Path) -> AsyncIterator[str]:
    """The per-process test database, migrated to head once."""
    async with fresh_database_url(tmp_session_dir, "main") as url:
        await run_alembic(make_settings(DATABASE_URL=url), "upgrade")
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_session_dir: Path) -> Settings:
    return make_settings(
        DATABASE_URL=database_url,
        EMAIL_OUTBOX_DIR=str(tmp_session_dir / "outbox"),
        MEDIA_ROOT=str(tmp_session_dir / "media"),
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give an HTTP client on it (in-process ASGI, no sockets)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with running(application) as client:
        application.state.test_client = client
        yield application


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> httpx.AsyncClient:
    test_client: httpx.AsyncClient = app.state.test_client
    return test_client


AppFactory = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[AppFactory]:
    """Build a second app with other settings (same database unless overridden)."""
    stack: list[Any] = []

    async def factory(**overrides: Any) -> tuple[FastAPI, httpx.AsyncClient]:
        values = settings.model_dump()
        values.update(overrides)
        application = create_app(Settings(_env_file=None, **values))  # type: ignore[call-arg]
        context = running(application)
        client = await context.__aenter__()
        stack.append(context)
        return application, client

    yield factory
    for context in reversed(stack):
        await context.__aexit__(None, None, None)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"
