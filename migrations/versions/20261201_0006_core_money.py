"""core money: trading amounts as scaled integers on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:30:00

Trading's amounts were fixed-scale text on SQLite (exact, but summed and sorted through floats).
Core's `Amount` stores them as 64-bit integers of 1e-8 units there, so SQL sums, filters and sorts
are exact. PostgreSQL keeps NUMERIC: nothing changes there.

The columns are converted in place (add, copy, drop, rename) rather than by a batch table copy:
a copy drops the old table, and with foreign keys on, dropping `agents` would run the
`ON DELETE SET NULL` of `trades.agent_id`. Each value is converted in Python with `Decimal`, so the
copy is exact; a value beyond the 64-bit range stops the migration with its table, column and row.
A NOT NULL column added by SQLite's ALTER TABLE needs a default, so the converted NOT NULL columns
carry `DEFAULT 0` in the schema (the models never rely on it). Needs SQLite >= 3.35.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Context, Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCALE = 8
QUANTUM = Decimal(1).scaleb(-SCALE)
INT64_MAX = 2**63 - 1
CONTEXT = Context(prec=80)

# (table, column, nullable)
COLUMNS = [
    ("agents", "cost_per_call", False),
    ("trades", "entry_price", False),
    ("trades", "exit_price", True),
    ("trades", "quantity", False),
    ("trades", "profit_loss", True),
    ("user_wallets", "balance", False),
    ("flow_runs", "total_cost_usd", False),
]


def _to_units(value: object) -> int:
    units = int(Decimal(str(value)).quantize(QUANTUM, context=CONTEXT).scaleb(SCALE, CONTEXT))
    if abs(units) > INT64_MAX:
        raise ValueError("beyond the 64-bit range of the new storage")
    return units


def _to_text(value: object) -> str:
    return format(Decimal(int(str(value))).scaleb(-SCALE, CONTEXT).quantize(QUANTUM, context=CONTEXT), "f")


def _convert(
    table: str, column: str, nullable: bool, sql_type: str, convert: Callable[[object], object]
) -> None:
    bind = op.get_bind()
    new = f"{column}__new"
    default = "" if nullable else (" NOT NULL DEFAULT 0" if sql_type == "BIGINT" else " NOT NULL DEFAULT '0'")
    op.execute(f"ALTER TABLE {table} ADD COLUMN {new} {sql_type}{default}")
    rows_of = sa.table(table, sa.column("rowid"), sa.column(column), sa.column(new))
    rows = bind.execute(
        sa.select(rows_of.c.rowid, rows_of.c[column]).where(rows_of.c[column].is_not(None))
    ).all()
    updates = []
    for rowid, value in rows:
        try:
            updates.append({"value": convert(value), "row": rowid})
        except (ArithmeticError, ValueError) as exc:
            raise RuntimeError(f"{table}.{column} row {rowid}: cannot convert {value!r}: {exc}") from exc
    if updates:
        statement = (
            sa.update(rows_of)
            .where(rows_of.c.rowid == sa.bindparam("row"))
            .values({new: sa.bindparam("value")})
        )
        bind.execute(statement, updates)
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {column}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, nullable in COLUMNS:
        _convert(table, column, nullable, "BIGINT", _to_units)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, nullable in COLUMNS:
        _convert(table, column, nullable, "VARCHAR(64)", _to_text)
