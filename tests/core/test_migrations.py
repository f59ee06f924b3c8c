"""One migration history that upgrades, downgrades and upgrades again, with no drift from the models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.engine import Connection

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


# -- 0006: trading's amounts move to core's Amount (scaled integers on SQLite) -------------------
AMOUNTS: dict[str, dict[str, str | None]] = {
    "agents": {"cost_per_call": "0.00012345"},
    "trades": {
        "entry_price": "12345.67890123",
        "exit_price": None,
        "quantity": "0.00000001",
        "profit_loss": "-92233720368.54775807",  # the smallest value the new storage holds
    },
    "user_wallets": {"balance": "92233720368.54775807"},
    "flow_runs": {"total_cost_usd": "0.00000000"},
}


def _filler(column: Any) -> Any:
    """A value for a required column the test does not care about."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    values = {bool: False, int: 1, float: 1.0, dict: {}, list: [], datetime: datetime.now(UTC)}
    return values.get(python_type, "x")


def _insert_rows_at_0005(connection: Connection) -> dict[str, Any]:
    """One row per trading table (and the rows they reference), amounts written as 0005 stored them."""
    metadata = MetaData()
    metadata.reflect(connection)
    sqlite = connection.dialect.name == "sqlite"
    ids = {
        name: uuid.uuid4()
        for name in ("users", "wallets", "agents", "trades", "user_wallets", "flows", "flow_runs")
    }
    references = {
        "user_id": ids["users"],
        "wallet_id": ids["wallets"],
        "agent_id": ids["agents"],
        "flow_id": ids["flows"],
    }
    for name in ("users", "wallets", "agents", "trades", "user_wallets", "flows", "flow_runs"):
        table = metadata.tables[name]
        row: dict[str, Any] = {}
        for column in table.columns:
            if column.name == "id" or column.name in references:
                value = ids[name] if column.name == "id" else references[column.name]
                row[column.name] = value.hex if sqlite else value
            elif column.name in AMOUNTS.get(name, {}):
                text_value = AMOUNTS[name][column.name]
                row[column.name] = text_value if sqlite or text_value is None else Decimal(text_value)
            elif column.name == "email":
                row[column.name] = "trader@example.com"
            elif not column.nullable:
                row[column.name] = _filler(column)
        connection.execute(table.insert().values(row))
    return ids


def _read_amounts(connection: Connection, ids: dict[str, Any], *, raw: bool) -> dict[str, dict[str, Any]]:
    sqlite = connection.dialect.name == "sqlite"
    found: dict[str, dict[str, Any]] = {}
    for table, columns in AMOUNTS.items():
        key = ids[table].hex if sqlite else ids[table]
        row = connection.execute(
            text(f"SELECT {', '.join(columns)} FROM {table} WHERE id = :id"),
            {"id": key},
        ).one()
        found[table] = dict(zip(columns, row, strict=True))
        if raw and sqlite:
            types = connection.execute(
                text(f"SELECT {', '.join(f'typeof({c})' for c in columns)} FROM {table} WHERE id = :id"),
                {"id": key},
            ).one()
            found[table]["__types__"] = set(types) - {"null"}
    return found


async def test_trading_amounts_survive_the_money_migration_exactly(tmp_path: Path):
    async with fresh_database_url(tmp_path, "money") as url:
        settings = make_settings(DATABASE_URL=url)
        await run_alembic(settings, "upgrade", "0005")
        engine = create_engine(settings)
        try:
            async with engine.begin() as connection:
                ids = await connection.run_sync(_insert_rows_at_0005)
            await run_alembic(settings, "upgrade")

            # Read back through the models' types: every value exactly, on this backend.
            async with engine.connect() as connection:
                for model, columns in _trading_models().items():
                    statement = select(*(getattr(model, c) for c in columns)).where(
                        model.id == ids[model.__tablename__]
                    )
                    row = (await connection.execute(statement)).one()
                    expected = [None if v is None else Decimal(v) for v in columns.values()]
                    assert list(row) == expected, model.__tablename__
                    assert all(v is None or v.as_tuple().exponent == -8 for v in row)
                stored = await connection.run_sync(_read_amounts, ids, raw=True)
            if engine.dialect.name == "sqlite":
                assert all(found["__types__"] <= {"integer"} for found in stored.values()), stored
                assert stored["trades"]["quantity"] == 1 and stored["agents"]["cost_per_call"] == 12345

            await run_alembic(settings, "downgrade", "0005")
            async with engine.connect() as connection:
                back = await connection.run_sync(_read_amounts, ids, raw=False)
            for table, columns in AMOUNTS.items():
                for column, value in columns.items():
                    got = back[table][column]
                    assert (got if got is None or isinstance(got, str) else format(got, "f")) == value
            await run_alembic(settings, "upgrade")
            await run_alembic(settings, "check")
        finally:
            await engine.dispose()


def _trading_models() -> dict[Any, dict[str, str | None]]:
    from mosaic.trading.agents.models import Agent
    from mosaic.trading.flows.models import FlowRun
    from mosaic.trading.trades.models import Trade
    from mosaic.trading.user_wallets.models import UserWallet

    models = {Agent: "agents", Trade: "trades", UserWallet: "user_wallets", FlowRun: "flow_runs"}
    return {model: AMOUNTS[table] for model, table in models.items()}
