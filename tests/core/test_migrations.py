"""One migration history that upgrades, downgrades and upgrades again, with no drift from the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from mosaic.core.database import Base, create_engine
from mosaic.core.migrations import run_alembic
from mosaic.main import import_all_models
from tests.conftest import TEST_DATABASE_URL, fresh_database_url, make_settings


async def table_names(url: str) -> set[str]:
    engine = create_engine(make_settings(DATABASE_URL=url))
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrations_upgrade_downgrade_and_upgrade_again(tmp_path: Path):
    import_all_models()
    model_tables = set(Base.metadata.tables)
    async with fresh_database_url(tmp_path, "roundtrip") as url:
        settings = make_settings(DATABASE_URL=url)
        await run_alembic(settings, "upgrade")
        assert model_tables <= await table_names(url)
        await run_alembic(settings, "downgrade", "base")
        assert (await table_names(url)) <= {"alembic_version"}
        await run_alembic(settings, "upgrade")
        assert model_tables <= await table_names(url)


async def test_models_and_migrations_do_not_drift(tmp_path: Path):
    # `alembic check` raises when autogenerate would produce any operation.
    async with fresh_database_url(tmp_path, "drift") as url:
        settings = make_settings(DATABASE_URL=url)
        await run_alembic(settings, "upgrade")
        await run_alembic(settings, "check")


@pytest.mark.postgres
async def test_migrations_roundtrip_on_postgresql(tmp_path: Path):
    assert TEST_DATABASE_URL
    async with fresh_database_url(tmp_path, "pgroundtrip") as url:
        assert url.startswith("postgresql+asyncpg://")
        settings = make_settings(DATABASE_URL=url)
        await run_alembic(settings, "upgrade")
        await run_alembic(settings, "downgrade", "base")
        await run_alembic(settings, "upgrade")
        await run_alembic(settings, "check")
