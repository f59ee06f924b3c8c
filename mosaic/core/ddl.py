"""Dialect-specific DDL for migrations, and the filter that keeps the drift check exact around it.

Some database objects cannot be expressed by the portable models: a PostgreSQL exclusion
constraint (no overlapping bookings), a generated `tsvector` column with its GIN index, SQLite's
FTS5 virtual tables (and the shadow tables SQLite creates for them) and their sync triggers. A
migration creates them with the helpers below; the model declares their names, so that
`alembic check` (tests/core/test_migrations.py) ignores exactly those names and nothing else:

    class Booking(UUIDPrimaryKey, Base):
        __tablename__ = "bookings"
        __table_args__ = ({"info": database_only("ex_bookings_no_overlap")},)

    # in the migration
    create_exclusion_constraint(
        op, "ex_bookings_no_overlap", "bookings", ("studio_id", "="), ("during", "&&")
    )

A `SearchIndex` (core/search.py) declares its own objects: `database_only(search=NOTES_SEARCH)`.
Triggers are not compared by Alembic at all, so they need no declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic.operations import Operations
from sqlalchemy import MetaData, text

if TYPE_CHECKING:
    from mosaic.core.search import SearchIndex

INFO_KEY = "database_only"


def database_only(*names: str, search: SearchIndex | None = None) -> dict[str, Any]:
    """A `Table.info` value naming the objects a migration creates that the model cannot express."""
    declared = set(names)
    if search is not None:
        declared |= search.database_objects()
    return {INFO_KEY: frozenset(declared)}


def database_only_filter(metadata: MetaData) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """An Alembic `include_object` hook: skip reflected objects that a model declared database-only.

    Narrow on purpose: only objects found in the database and absent from the models
    (`compare_to is None`), and only under the exact names their table declared. A table-level
    name (an FTS5 table and its shadow tables) is skipped wherever it is reflected; a column or
    index name only on the table that declared it.
    """
    per_table = {table.name: frozenset(table.info.get(INFO_KEY, ())) for table in metadata.tables.values()}
    every_name = frozenset().union(*per_table.values()) if per_table else frozenset()

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if not reflected or compare_to is not None or name is None:
            return True
        if type_ == "table":
            return name not in every_name
        table = getattr(obj, "table", None)
        return name not in per_table.get(getattr(table, "name", ""), frozenset())

    return include_object


def _dialect(op: Operations) -> str:
    return str(op.get_bind().dialect.name)


def create_btree_gist(op: Operations) -> None:
    """PostgreSQL's `btree_gist`, which lets an exclusion constraint compare plain columns with `=`."""
    if _dialect(op) == "postgresql":
        op.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))


def create_exclusion_constraint(
    op: Operations,
    name: str,
    table: str,
    *elements: tuple[str, str],
    using: str = "gist",
    where: str | None = None,
) -> None:
    """`EXCLUDE USING gist (studio_id WITH =, during WITH &&)` on PostgreSQL (creates `btree_gist`).

    An element is `(column or SQL expression, operator)`, e.g. `("tstzrange(starts_at, ends_at)", "&&")`;
    they are written by the migration's author, never taken from input.

    SQLite has no exclusion constraints: there the service's check under a write-lock transaction
    (`WriteSessionDep`) is the guarantee, so this is a no-op.
    """
    if _dialect(op) != "postgresql":
        return
    create_btree_gist(op)
    body = ", ".join(f"{element} WITH {operator}" for element, operator in elements)
    condition = f" WHERE ({where})" if where else ""
    op.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING {using} ({body}){condition}"))


def drop_exclusion_constraint(op: Operations, name: str, table: str) -> None:
    if _dialect(op) == "postgresql":
        op.drop_constraint(name, table)


def create_search_index(op: Operations, index: SearchIndex) -> None:
    """The full-text objects of `index`: FTS5 table + triggers (SQLite) or tsvector + GIN (PostgreSQL).

    Existing rows are indexed too. On SQLite a `batch_alter_table` of the indexed table recreates
    it (dropping the triggers and renumbering rowids): drop the index before it, create it after.
    """
    for statement in index.create_statements(_dialect(op)):
        op.execute(text(statement))


def drop_search_index(op: Operations, index: SearchIndex) -> None:
    for statement in index.drop_statements(_dialect(op)):
        op.execute(text(statement))
