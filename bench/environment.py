"""The data stores of a run (a fresh database each time), the server's environment, and the seed data."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench.procs import port_open

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"  # a db index of its own, flushed before and after a run
SUPERADMIN_EMAIL = "bench-admin@bench.example.com"
SUPERADMIN_PASSWORD = "bench-Admin-Passw0rd-7319"  # a throwaway database: see stores()
RAISED_RATE_LIMIT = 1_000_000_000
JWT_SECRET = "bench-only-jwt-secret-0123456789abcdef0123456789"

Backend = Literal["auto", "sqlite", "postgres"]


@dataclass
class Stores:
    database_url: str
    redis_url: str | None
    description: str
    pg_database: str | None = None


def detect(backend: Backend) -> tuple[bool, bool]:
    """(use PostgreSQL, use Redis): TCP connects to the loopback ports."""
    if backend == "sqlite":
        return False, False
    pg = port_open(5432)
    if backend == "postgres" and not pg:
        raise RuntimeError("--backend postgres: nothing listens on 127.0.0.1:5432")
    return pg, pg and port_open(6379)


@contextmanager
def stores(backend: Backend, workdir: Path) -> Iterator[Stores]:
    """A fresh database for this run (dropped afterwards) and Redis db 14 when reachable."""
    use_pg, use_redis = detect(backend)
    redis_url = REDIS_URL if use_redis else None
    if use_pg:
        name = f"mosaic_bench_{os.getpid()}"
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
        described = f"PostgreSQL 127.0.0.1:5432 database {name} (created and dropped by this run)"
        found = Stores(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", redis_url, described, name)
    else:
        path = workdir / "bench.db"
        found = Stores(f"sqlite+aiosqlite:///{path}", None, f"SQLite {path} (temporary file, WAL)")
    found.description += "; Redis 127.0.0.1:6379/14" if redis_url else "; no Redis (in-process)"
    _flush_redis(redis_url)
    try:
        yield found
    finally:
        _flush_redis(redis_url)
        if found.pg_database:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{found.pg_database}" WITH (FORCE)'))


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _flush_redis(url: str | None) -> None:
    if url:
        from redis import Redis

        client = Redis.from_url(url, socket_timeout=5)
        try:
            client.flushdb()
        finally:
            client.close()


def server_env(found: Stores, workdir: Path) -> dict[str, str]:
    """The server's environment: the run's stores, quiet logging, no start-up seeding, fixed secrets."""
    env = dict(os.environ)  # the operator's DB_POOL_SIZE etc. pass through: they are the knobs under test
    env.update(
        DATABASE_URL=found.database_url,
        LOG_LEVEL="WARNING",
        LOG_FILE_PATH="",
        SEED_ON_STARTUP="false",
        ENVIRONMENT="development",
        JWT_SECRET_KEY=JWT_SECRET,
        SUPERADMIN_EMAIL=SUPERADMIN_EMAIL,
        SUPERADMIN_PASSWORD=SUPERADMIN_PASSWORD,
        AUTO_VERIFY_EMAIL="true",
        EMAIL_PROVIDER="console",
        EMAIL_OUTBOX_DIR=str(workdir / "outbox"),
        MEDIA_ROOT=str(workdir / "media"),
        CELERY_BROKER_URL="",
        CELERY_RESULT_BACKEND="",
        # One client IP drives all the load: the limits are raised, the limiter's bookkeeping still runs.
        RATE_LIMIT_PER_MINUTE=str(RAISED_RATE_LIMIT),
        AUTH_RATE_LIMIT_PER_ACCOUNT=f"{RAISED_RATE_LIMIT}/minute",
        AUTH_RATE_LIMIT_PER_IP=f"{RAISED_RATE_LIMIT}/minute",
    )
    if found.redis_url:
        env["REDIS_URL"] = found.redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrations and default data (roles, permissions, plans, superadmin) through the `mosaic` CLI."""
    for command in ("migrate", "seed"):
        done = subprocess.run(
            [sys.executable, "-m", "mosaic.cli", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"mosaic {command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
