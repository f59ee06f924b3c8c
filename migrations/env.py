"""Alembic environment: async engine, batch mode on SQLite, URL from Mosaic's settings.

Called either from the `alembic` command line (it opens its own engine) or from Mosaic's code
with an open connection in `config.attributes["connection"]` (tests, `mosaic migrate`).
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from mosaic.core.config import Settings
from mosaic.core.database import Base, create_engine
from mosaic.core.ddl import database_only_filter
from mosaic.main import import_all_models

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

import_all_models()
target_metadata = Base.metadata
# Objects a model declares database-only (FTS5 tables, tsvector columns, exclusion constraints:
# core/ddl.py) are created by migrations and skipped by autogenerate and `alembic check`.
include_object = database_only_filter(target_metadata)


def _settings() -> Settings:
    settings: Settings | None = config.attributes.get("settings")
    return settings or Settings()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=_settings().DATABASE_URL,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_settings().is_sqlite,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_settings())
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
