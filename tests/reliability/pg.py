"""A PostgreSQL database (and a login role owning it) of a test's own, which it may break:
refuse connections, cap its clients, terminate its backends. Never the shared database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from mosaic.core.config import Settings
from mosaic.core.migrations import run_alembic
from tests.conftest import TEST_DATABASE_URL, drop_pg_database, make_settings


async def _admin_connection() -> Any:
    import asyncpg

    assert TEST_DATABASE_URL
    url = make_url(make_settings(DATABASE_URL=TEST_DATABASE_URL).DATABASE_URL)
    return await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database="postgres"
    )


class OwnDatabase:
    """A database (and a login role owning it) that only this module uses, so it may be broken."""

    def __init__(self, label: str) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.name = f"mosaic_outage_{label}_{suffix}"
        self.role = f"mosaic_outage_{suffix}"

    async def create(self) -> str:
        admin = await _admin_connection()
        try:
            await admin.execute(f'CREATE ROLE "{self.role}" LOGIN')
            await admin.execute(f'CREATE DATABASE "{self.name}" OWNER "{self.role}"')
        finally:
            await admin.close()
        assert TEST_DATABASE_URL
        base = make_url(make_settings(DATABASE_URL=TEST_DATABASE_URL).DATABASE_URL)
        return base.set(database=self.name, username=self.role, password=None).render_as_string(
            hide_password=False
        )

    async def execute(self, *statements: str) -> None:
        admin = await _admin_connection()
        try:
            for statement in statements:
                await admin.execute(statement.format(db=self.name, role=self.role))
        finally:
            await admin.close()

    async def terminate(self) -> None:
        await self.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'")

    async def drop(self) -> None:
        assert TEST_DATABASE_URL
        await self.execute('ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        await drop_pg_database(TEST_DATABASE_URL, self.name)
        await self.execute('DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
async def own_database() -> AsyncIterator[tuple[OwnDatabase, str]]:
    database = OwnDatabase("db")
    url = await database.create()
    try:
        await run_alembic(make_settings(DATABASE_URL=url), "upgrade")
        yield database, url
    finally:
        await database.drop()


def breakable_settings(url: str, tmp: Path, pool_size: int) -> Settings:
    """An app on the own database with a small pool that times out fast and no principal cache,
    so every request needs the database and an exhausted pool shows within a fraction of a second."""
    return make_settings(
        DATABASE_URL=url,
        AUTH_CACHE_TTL_SECONDS=0,
        DB_POOL_SIZE=pool_size,
        DB_MAX_OVERFLOW=0,
        DB_POOL_TIMEOUT_SECONDS=0.3,
        EMAIL_OUTBOX_DIR=str(tmp / "outbox"),
    )
