"""Dialect-specific DDL and the drift filter: exclusion constraints, full-text objects, `alembic check`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi import FastAPI, status
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mosaic.core.constraints import ConstraintErrors
from mosaic.core.ddl import (
    create_exclusion_constraint,
    create_search_index,
    database_only_filter,
    drop_exclusion_constraint,
)
from mosaic.core.errors import install_error_handlers
from tests.core.conftest import fresh_engine
from tests.core.documents import DOCUMENTS_SEARCH, DocumentBase, Slot

T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def create_schema(connection: Connection) -> None:
    DocumentBase.metadata.create_all(connection)
    op = Operations(MigrationContext.configure(connection))
    create_search_index(op, DOCUMENTS_SEARCH)
    create_exclusion_constraint(
        op, "ex_test_slots_no_overlap", "test_slots", ("room", "="), ("tstzrange(starts_at, ends_at)", "&&")
    )


@pytest.fixture(scope="module")
async def ddl_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    async with fresh_engine(tmp_path_factory.mktemp("ddl"), "ddl") as engine:
        async with engine.begin() as connection:
            await connection.run_sync(create_schema)
        yield engine


def drift(connection: Connection, *, filtered: bool) -> list[Any]:
    opts: dict[str, Any] = {"compare_type": True}
    if filtered:
        opts["include_object"] = database_only_filter(DocumentBase.metadata)
    return list(compare_metadata(MigrationContext.configure(connection, opts=opts), DocumentBase.metadata))


async def test_drift_check_ignores_exactly_the_declared_database_objects(ddl_engine: AsyncEngine):
    async with ddl_engine.connect() as connection:
        assert await connection.run_sync(drift, filtered=True) == []
        # The objects exist and would be drift without the declarations (FTS5 tables on SQLite,
        # the tsvector column and GIN index on PostgreSQL).
        unfiltered = await connection.run_sync(drift, filtered=False)
        assert unfiltered
        names = {getattr(part, "name", None) for change in unfiltered for part in change} - {None}
        assert names and names <= DOCUMENTS_SEARCH.database_objects() | {"ex_test_slots_no_overlap"}, (
            unfiltered
        )


async def test_drift_check_still_sees_undeclared_objects(ddl_engine: AsyncEngine):
    async with ddl_engine.begin() as connection:
        await connection.execute(text("CREATE INDEX ix_test_documents_undeclared ON test_documents (title)"))
        try:
            changes = await connection.run_sync(drift, filtered=True)
        finally:
            await connection.execute(text("DROP INDEX ix_test_documents_undeclared"))
    assert [change[0] for change in changes] == ["remove_index"]
    assert changes[0][1].name == "ix_test_documents_undeclared"


def slot_app(engine: AsyncEngine, registry: ConstraintErrors) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.constraint_errors = registry

    @app.post("/slots", status_code=status.HTTP_201_CREATED)
    async def book(room: int, start_hour: int, hours: int) -> dict[str, str]:
        starts_at = T0 + timedelta(hours=start_hour)
        async with engine.begin() as connection:
            values = {"room": room, "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=hours)}
            await connection.execute(insert(Slot), [values])
        return {"status": "booked"}

    return app


async def book(client: httpx.AsyncClient, room: int, start_hour: int, hours: int) -> httpx.Response:
    return await client.post("/slots", params={"room": room, "start_hour": start_hour, "hours": hours})


@pytest.mark.postgres
async def test_exclusion_violation_becomes_the_registered_error(ddl_engine: AsyncEngine):
    registry = ConstraintErrors({"ex_test_slots_no_overlap": (409, "SLOT_UNAVAILABLE", "Slot is taken")})
    transport = httpx.ASGITransport(app=slot_app(ddl_engine, registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await book(client, 1, 0, 2)).status_code == 201
        clash = await book(client, 1, 1, 2)
        assert clash.status_code == 409
        assert clash.json()["error"] == {
            "code": "SLOT_UNAVAILABLE",
            "message": "Slot is taken",
            "details": None,
        }
        # Adjacent ([) ranges) and other rooms do not clash.
        assert (await book(client, 1, 2, 1)).status_code == 201
        assert (await book(client, 2, 1, 2)).status_code == 201


@pytest.mark.postgres
async def test_unregistered_exclusion_violation_stays_a_generic_conflict(ddl_engine: AsyncEngine):
    transport = httpx.ASGITransport(app=slot_app(ddl_engine, ConstraintErrors()))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await book(client, 7, 0, 2)).status_code == 201
        clash = await book(client, 7, 1, 2)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "CONFLICT"
    assert "ex_test_slots" not in clash.text  # the name is logged, never sent


@pytest.mark.postgres
async def test_exclusion_constraint_name_and_sqlstate_come_from_asyncpg(ddl_engine: AsyncEngine):
    values = {"room": 9, "starts_at": T0, "ends_at": T0 + timedelta(hours=1)}
    async with ddl_engine.begin() as connection:
        await connection.execute(insert(Slot), [values])
    with pytest.raises(IntegrityError) as caught:
        async with ddl_engine.begin() as connection:
            await connection.execute(insert(Slot), [values])
    assert getattr(caught.value.orig, "sqlstate", None) == "23P01"
    assert ConstraintErrors().constraint_name(caught.value) == "ex_test_slots_no_overlap"


async def test_exclusion_helpers_are_no_ops_on_sqlite(tmp_path: Path):
    async with fresh_engine(tmp_path, "exsqlite") as engine:
        async with engine.begin() as connection:
            await connection.run_sync(create_schema)
            await connection.run_sync(
                lambda c: drop_exclusion_constraint(
                    Operations(MigrationContext.configure(c)), "ex_test_slots_no_overlap", "test_slots"
                )
            )
            values = {"room": 1, "starts_at": T0, "ends_at": T0 + timedelta(hours=1)}
            # Dropped (PostgreSQL) or never created (SQLite): overlapping rows are accepted.
            await connection.execute(insert(Slot), [values, values])
