"""`mosaic legacy import-mongo`: a MongoDB export written into Mosaic's tables, once.

Why one transaction: a failed import must leave nothing behind, and a partial import with
half the references dangling is worse than none. Rows are inserted in batches (one
multi-row INSERT each) inside it, and a document that fails validation fails the whole run
after every document has been checked, so one run lists every problem. A dry run does the same
work, database checks included, and rolls back.

Idempotent through `legacy_ids`: each imported document records (collection, ObjectId) ->
(table, new id); a re-run skips recorded documents and still resolves references to them.
Collections are imported in dependency order (a reference needs the referenced id first).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bson import Decimal128, ObjectId
from sqlalchemy import Column, Index, Table, UniqueConstraint, and_, insert, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine

from mosaic.core.config import Settings
from mosaic.core.database import Base, Database, utcnow
from mosaic.legacy.models import LegacyId
from mosaic.legacy.mongo.mapping import CollectionMapping, FieldSpec, MappingError, MappingSet
from mosaic.legacy.mongo.source import Broken, Document, collection_files, documents, dumps

logger = logging.getLogger("mosaic.legacy")

DEFAULT_BATCH_SIZE = 500
CONVENTIONS = ("created_at", "updated_at", "is_deleted")
MAX_LISTED_FAILURES = 1000


class Invalid(ValueError):
    """A value that cannot go into its column; the message says why, for the report."""


@dataclass(frozen=True, slots=True)
class Failure:
    collection: str
    legacy_id: str
    position: int
    reason: str

    def line(self, files: dict[str, Path]) -> str:
        where = files.get(self.collection)
        shown = f"{where.name}:{self.position}" if where is not None else self.collection
        return f"{shown}: {self.collection} {self.legacy_id or '?'}: {self.reason}"


@dataclass(slots=True)
class CollectionCount:
    collection: str
    table: str | None
    read: int = 0
    imported: int = 0
    already: int = 0  # recorded in legacy_ids by an earlier run
    linked: int = 0  # matched an existing row (`match`)
    invalid: int = 0


@dataclass(slots=True)
class ImportReport:
    dry_run: bool
    counts: list[CollectionCount] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    committed: bool = False
    database_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.database_error is None


# -- transforms ---------------------------------------------------------------------------------

Transform = Callable[[Any, dict[str, Any], "Importer"], Any]


def _lower(value: Any, row: dict[str, Any], importer: Importer) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: Any, row: dict[str, Any], importer: Importer) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _date_from_parts(value: Any, row: dict[str, Any], importer: Importer) -> Any:
    """Seed 003's `{day, month, year}` birthday as a date (an all-empty one as none)."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, dict):
        raise Invalid(f"expected {{day, month, year}}, got {dumps(value)}")
    if all(value.get(k) in (None, "") for k in ("day", "month", "year")):
        return None
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"not a date: {dumps(value)}") from exc


def _sort_by_step(value: Any, row: dict[str, Any], importer: Importer) -> Any:
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return sorted(value, key=lambda v: v.get("step") if isinstance(v.get("step"), int) else 0)
    return value


def _seal_wallet_credentials(value: Any, row: dict[str, Any], importer: Importer) -> Any:
    if value is None or row.get("user_id") is None or row.get("wallet_id") is None:
        return None  # without its references the row fails anyway, for that reason
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Invalid(
            "expected the credentials in clear as {name: text} (still sealed with the old app's key? "
            "export them decrypted)"
        )
    from mosaic.legacy.mongo.wallets import seal

    return seal(importer.settings, value, row["user_id"], row["wallet_id"], row["id"])


def _wallet_key_id(value: Any, row: dict[str, Any], importer: Importer) -> Any:
    if value is None:
        return None
    from mosaic.legacy.mongo.wallets import current_key_id

    return current_key_id(importer.settings)


TRANSFORMS: dict[str, Transform] = {
    "lower": _lower,
    "upper": _upper,
    "date_from_parts": _date_from_parts,
    "sort_by_step": _sort_by_step,
    "seal_wallet_credentials": _seal_wallet_credentials,
    "wallet_key_id": _wallet_key_id,
}

# -- values -------------------------------------------------------------------------------------

_MISSING = object()
_PLACEHOLDER = re.compile(r"\{([\w.]+)\}")


def get_path(document: Any, path: str | None) -> Any:
    if path is None or path == "":
        return document
    value = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def legacy_key(value: Any) -> str:
    """The stored form of an old id: an ObjectId's hex, anything else as JSON text."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, sort_keys=True)


def json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, ObjectId | uuid.UUID | Decimal128):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def coerce(column: Column[Any], value: Any) -> Any:
    """`value` as the column's Python type; `Invalid` says why it cannot be."""
    kind = python_type(column.type)
    if value is None:
        return None
    if kind is str:
        if not isinstance(value, str):
            raise Invalid(f"expected text, got {dumps(value)}")
        length = getattr(column.type, "length", None) or getattr(
            getattr(column.type, "impl", None), "length", None
        )
        if length is not None and len(value) > length:
            raise Invalid(f"longer than {length} characters ({len(value)})")
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise Invalid(f"expected true or false, got {dumps(value)}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise Invalid(f"expected a whole number, got {dumps(value)}")
        return int(value)
    if kind is Decimal:
        try:
            number = value.to_decimal() if isinstance(value, Decimal128) else Decimal(str(value))
        except InvalidOperation as exc:
            raise Invalid(f"expected a number, got {dumps(value)}") from exc
        if isinstance(value, bool) or not number.is_finite():
            raise Invalid(f"expected a number, got {dumps(value)}")
        return number
    if kind is datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise Invalid(f"expected a date and time, got {dumps(value)}") from exc
        if not isinstance(value, datetime):
            raise Invalid(f"expected a date and time, got {dumps(value)}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if kind is date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10])
            except ValueError as exc:
                raise Invalid(f"expected a date, got {dumps(value)}") from exc
        if not isinstance(value, date):
            raise Invalid(f"expected a date, got {dumps(value)}")
        return value
    if kind is uuid.UUID:
        if not isinstance(value, uuid.UUID):
            raise Invalid(f"expected a reference, got {dumps(value)}")
        return value
    return json_safe(value)  # JSON columns


def python_type(kind: TypeEngine[Any]) -> type:
    """The Python type behind a column type, looking through TypeDecorators (UTCDateTime, ...)."""
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return object


def column_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    arg = getattr(default, "arg", None)
    if getattr(default, "is_callable", False) and callable(arg):
        return arg(None)
    return copy.deepcopy(arg)


def unique_columns(table: Table) -> list[tuple[str, bool]]:
    """Single-column unique constraints: (column, only among live rows)."""
    found: list[tuple[str, bool]] = []
    for item in [*table.indexes, *table.constraints]:
        if isinstance(item, Index) and item.unique and len(item.columns) == 1:
            partial = item.dialect_options["sqlite"].get("where") is not None
            found.append((next(iter(item.columns)).name, partial))
        elif isinstance(item, UniqueConstraint) and len(item.columns) == 1:
            found.append((next(iter(item.columns)).name, False))
    return [(name, partial) for name, partial in found if name != "id"]


# -- the import ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Pending:
    """A row built from one document (or one item of an exploded array), not inserted yet."""

    legacy: str
    position: int
    row: dict[str, Any]
    document: dict[str, Any]
    also: list[tuple[str, str]]


class Importer:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        mappings: MappingSet,
        dump: Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        dry_run: bool = False,
    ) -> None:
        self.session = session
        self.settings = settings
        self.mappings = mappings
        self.dump = dump
        self.batch_size = batch_size
        self.files = collection_files(dump)
        self.report = ImportReport(dry_run)
        self.ids: dict[str, dict[str, uuid.UUID]] = {}
        self.failed: dict[str, set[str]] = {}
        self.lookups: dict[str, dict[str, dict[str, Any]]] = {}
        self.seen_unique: dict[tuple[str, str], dict[Any, str]] = {}

    # -- plan -----------------------------------------------------------------------------------

    def plan(self) -> list[CollectionMapping]:
        """Mapped collections present in the dump, each after the collections it references."""
        present = [name for name in self.files if name in self.mappings.collections]
        self.report.unmapped = sorted(name for name in self.files if name not in self.mappings.collections)
        for name in present:
            mapping = self.mappings.collections[name]
            if mapping.table is not None and mapping.table not in Base.metadata.tables:
                raise MappingError(f"{name}: no table {mapping.table!r} in Mosaic")
            if mapping.table is not None:
                self.check_columns(mapping, Base.metadata.tables[mapping.table])
        ordered: list[CollectionMapping] = []
        state: dict[str, str] = {}

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if state.get(name) == "done" or name not in self.mappings.collections or name not in self.files:
                return
            if state.get(name) == "visiting":
                raise MappingError(f"references form a cycle: {' -> '.join((*chain, name))}")
            state[name] = "visiting"
            for dependency in sorted(self.mappings.collections[name].depends_on()):
                visit(dependency, (*chain, name))
            state[name] = "done"
            ordered.append(self.mappings.collections[name])

        for name in present:
            visit(name, ())
        return [m for m in ordered if m.table is not None]

    @staticmethod
    def check_columns(mapping: CollectionMapping, table: Table) -> None:
        for spec in mapping.fields:
            if spec.column not in table.columns:
                raise MappingError(f"{mapping.collection}: table {table.name} has no column {spec.column!r}")
            if spec.transform is not None and spec.transform not in TRANSFORMS:
                raise MappingError(
                    f"{mapping.collection}.{spec.column}: unknown transform {spec.transform!r} "
                    f"(known: {', '.join(sorted(TRANSFORMS))})"
                )
        for link in mapping.links:
            other = Base.metadata.tables.get(link.table)
            if other is None or link.this not in other.columns or link.other not in other.columns:
                raise MappingError(
                    f"{mapping.collection}: link table {link.table}.{link.this}/{link.other} unknown"
                )

    # -- run ------------------------------------------------------------------------------------

    async def run(self) -> ImportReport:
        order = self.plan()
        names = {m.collection for m in order} | {d for m in order for d in m.depends_on()}
        await self.load_recorded(names)
        for source in sorted({s for m in order for s in m.sources()}):
            self.load_lookup(source)
        for mapping in order:
            await self.import_collection(mapping, Base.metadata.tables[str(mapping.table)])
        return self.report

    async def load_recorded(self, collections: Iterable[str]) -> None:
        for name in collections:
            self.ids.setdefault(name, {})
            self.failed.setdefault(name, set())
        result = await self.session.execute(
            select(LegacyId.collection, LegacyId.legacy_id, LegacyId.new_id).where(
                LegacyId.collection.in_(sorted(self.ids))
            )
        )
        for collection, legacy, new_id in result:
            self.ids[collection][legacy] = new_id

    def load_lookup(self, collection: str) -> None:
        """A `through` source read whole (seed 003's auth: one small document per user)."""
        table: dict[str, dict[str, Any]] = {}
        path = self.files.get(collection)
        if path is not None:
            for entry in documents(path):
                if isinstance(entry, Document) and "_id" in entry.data:
                    table[legacy_key(entry.data["_id"])] = entry.data
                elif isinstance(entry, Broken):
                    self.fail(collection, "", entry.position, entry.reason)
        self.lookups[collection] = table

    def fail(self, collection: str, legacy: str, position: int, reason: str) -> None:
        self.failed.setdefault(collection, set()).add(legacy)
        self.report.failures.append(Failure(collection, legacy, position, reason))

    async def import_collection(self, mapping: CollectionMapping, table: Table) -> None:
        count = CollectionCount(mapping.collection, table.name)
        self.report.counts.append(count)
        recorded = self.ids.setdefault(mapping.collection, {})
        batch: list[Pending] = []
        for entry in documents(self.files[mapping.collection]):
            count.read += 1
            if isinstance(entry, Broken):
                count.invalid += 1
                self.fail(mapping.collection, "", entry.position, entry.reason)
                continue
            if "_id" not in entry.data:
                count.invalid += 1
                self.fail(mapping.collection, "", entry.position, "the document has no _id")
                continue
            legacy = legacy_key(entry.data["_id"])
            for key, source in self.sources(mapping, legacy, entry):
                if key in recorded:
                    count.already += 1
                    continue
                pending = self.build(mapping, table, key, entry.position, source)
                if pending is None:
                    count.invalid += 1
                    continue
                batch.append(pending)
                if len(batch) >= self.batch_size:
                    await self.flush(mapping, table, batch, count)
                    batch = []
        if batch:
            await self.flush(mapping, table, batch, count)
        logger.info(
            "%s -> %s: %d read, %d imported, %d already, %d linked, %d invalid",
            mapping.collection,
            table.name,
            count.read,
            count.imported,
            count.already,
            count.linked,
            count.invalid,
        )

    def sources(
        self, mapping: CollectionMapping, legacy: str, entry: Document
    ) -> list[tuple[str, dict[str, Any]]]:
        """(legacy key, source) pairs: the document, or one per item of its `explode` array."""
        if mapping.explode is None:
            return [(legacy, entry.data)]
        items = get_path(entry.data, mapping.explode)
        if items is None:
            return []
        if not isinstance(items, list):
            self.fail(mapping.collection, legacy, entry.position, f"{mapping.explode}: expected a list")
            return []
        parent = {k: v for k, v in entry.data.items() if k != mapping.explode}
        found = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                self.fail(
                    mapping.collection,
                    legacy,
                    entry.position,
                    f"{mapping.explode}[{index}]: expected a document",
                )
                continue
            found.append((f"{legacy}#{index}", {**parent, **item}))
        return found

    def build(
        self, mapping: CollectionMapping, table: Table, legacy: str, position: int, source: dict[str, Any]
    ) -> Pending | None:
        row: dict[str, Any] = {"id": uuid.uuid4()}
        problems: list[str] = []
        named = {spec.column for spec in mapping.fields}
        specs = list(mapping.fields) + [
            FieldSpec(name, source=name)
            for name in CONVENTIONS
            if name in table.columns and name not in named
        ]
        for spec in specs:
            try:
                value = self.value(spec, source, row)
                column = table.columns[spec.column]
                if value is None and not column.nullable:
                    value = column_default(column)
                    if value is None:
                        raise Invalid("required, missing")
                row[spec.column] = coerce(column, value)
            except Invalid as exc:
                problems.append(f"{spec.column}: {exc}")
        if "deleted_at" in table.columns and "deleted_at" not in named:
            row["deleted_at"] = (row.get("updated_at") or utcnow()) if row.get("is_deleted") else None
        for name, partial in unique_columns(table):
            value = row.get(name)
            if value is None or (partial and row.get("is_deleted")):
                continue
            seen = self.seen_unique.setdefault((table.name, name), {})
            key = value.lower() if isinstance(value, str) else value
            if key in seen and seen[key] != legacy:
                problems.append(f"{name}: {dumps(value)} is also used by {mapping.collection} {seen[key]}")
            else:
                seen[key] = legacy
        if problems:
            self.fail(mapping.collection, legacy, position, "; ".join(problems))
            return None
        also = []
        for extra in mapping.also_ids:
            value = get_path(source, extra.source)
            if value is not None:
                also.append((extra.collection, legacy_key(value)))
        return Pending(legacy, position, row, source, also)

    def value(self, spec: FieldSpec, source: dict[str, Any], row: dict[str, Any]) -> Any:
        if spec.has_value:
            value: Any = copy.deepcopy(spec.value)
        elif spec.template is not None:
            value = self.template(spec.template, source)
        else:
            value = get_path(source, spec.source)
        if spec.through is not None and value is not None:
            found = self.lookups.get(spec.through, {}).get(legacy_key(value))
            if found is None:
                raise Invalid(f"no {spec.through} document {legacy_key(value)}")
            value = get_path(found, spec.pick)
        if value is None:
            value = copy.deepcopy(spec.default)
        if value is None:
            if spec.required:
                raise Invalid("required, missing")
            return None
        if spec.transform is not None:
            value = TRANSFORMS[spec.transform](value, row, self)
        if spec.ref is not None:
            value = self.resolve(spec.ref, value)
        if spec.items is not None:
            value = self.items(spec, value, row)
        if spec.one_of is not None and value not in spec.one_of:
            raise Invalid(f"{dumps(value)} is not one of {', '.join(map(str, spec.one_of))}")
        if spec.pattern is not None and (not isinstance(value, str) or not spec.pattern.search(value)):
            raise Invalid(f"{dumps(value)} does not match {spec.pattern.pattern}")
        return value

    def items(self, spec: FieldSpec, value: Any, row: dict[str, Any]) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {dumps(value)}")
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise Invalid(f"[{index}]: expected a document")
            built: dict[str, Any] = {}
            for sub in spec.items or ():
                try:
                    built[sub.column] = json_safe(self.value(sub, item, row))
                except Invalid as exc:
                    raise Invalid(f"[{index}].{sub.column}: {exc}") from exc
            out.append(built)
        return out

    @staticmethod
    def template(template: str, source: dict[str, Any]) -> str:
        def part(match: re.Match[str]) -> str:
            value = get_path(source, match.group(1))
            if value is None:
                raise Invalid(f"{match.group(1)} is missing")
            return str(value)

        return _PLACEHOLDER.sub(part, template)

    def resolve(self, collection: str, value: Any) -> uuid.UUID:
        key = legacy_key(value)
        new_id = self.ids.get(collection, {}).get(key)
        if new_id is not None:
            return new_id
        if key in self.failed.get(collection, set()):
            raise Invalid(f"references {collection} {key}, which is invalid itself")
        raise Invalid(f"no {collection} document {key}")

    # -- writing --------------------------------------------------------------------------------

    async def flush(
        self, mapping: CollectionMapping, table: Table, batch: list[Pending], count: CollectionCount
    ) -> None:
        batch = await self.drop_taken(mapping, table, batch, count)
        matched = await self.matches(mapping, table, batch)
        inserts = [p for p in batch if p.legacy not in matched]
        keys = sorted({k for p in inserts for k in p.row})
        if inserts:
            await self.session.execute(insert(table), [{k: p.row.get(k) for k in keys} for p in inserts])
        records: list[dict[str, Any]] = []
        for pending in batch:
            new_id = matched.get(pending.legacy, pending.row["id"])
            self.ids[mapping.collection][pending.legacy] = new_id
            records.append(self.record(mapping.collection, pending.legacy, table.name, new_id))
            for collection, legacy in pending.also:
                if legacy not in self.ids.setdefault(collection, {}):
                    self.ids[collection][legacy] = new_id
                    records.append(self.record(collection, legacy, table.name, new_id))
        await self.session.execute(insert(LegacyId), records)
        await self.links(mapping, inserts)
        count.imported += len(inserts)
        count.linked += len(matched)

    @staticmethod
    def record(collection: str, legacy: str, table: str, new_id: uuid.UUID) -> dict[str, Any]:
        return {
            "collection": collection,
            "legacy_id": legacy,
            "table_name": table,
            "new_id": new_id,
            "imported_at": utcnow(),
        }

    async def drop_taken(
        self, mapping: CollectionMapping, table: Table, batch: list[Pending], count: CollectionCount
    ) -> list[Pending]:
        """Rows whose unique value an existing row already holds fail (unless they `match` it)."""
        taken: dict[str, str] = {}
        for name, partial in unique_columns(table):
            if name in mapping.match:
                continue
            values = sorted({p.row[name] for p in batch if p.row.get(name) is not None}, key=str)
            if not values:
                continue
            column = table.columns[name]
            statement = select(column).where(column.in_(values))
            if partial and "is_deleted" in table.columns:
                statement = statement.where(table.columns["is_deleted"].is_(False))
            existing = set((await self.session.execute(statement)).scalars())
            for pending in batch:
                if pending.row.get(name) in existing and not (partial and pending.row.get("is_deleted")):
                    taken[pending.legacy] = (
                        f"{name}: {dumps(pending.row[name])} is taken by an existing {table.name} row"
                    )
        for pending in batch:
            if pending.legacy in taken:
                count.invalid += 1
                self.fail(mapping.collection, pending.legacy, pending.position, taken[pending.legacy])
        return [p for p in batch if p.legacy not in taken]

    async def matches(
        self, mapping: CollectionMapping, table: Table, batch: list[Pending]
    ) -> dict[str, uuid.UUID]:
        """legacy key -> id of the existing live row with the same `match` values."""
        if not mapping.match or not batch:
            return {}
        columns = [table.columns[name] for name in mapping.match]
        wanted = {tuple(p.row.get(c.name) for c in columns): p.legacy for p in batch}
        condition = or_(*(and_(*(c == v for c, v in zip(columns, key, strict=True))) for key in wanted))
        statement = select(table.columns["id"], *columns).where(condition)
        if "is_deleted" in table.columns:
            statement = statement.where(table.columns["is_deleted"].is_(False))
        found: dict[str, uuid.UUID] = {}
        for row in await self.session.execute(statement):
            legacy = wanted.get(tuple(row[1:]))
            if legacy is not None:
                found[legacy] = row[0]
        return found

    async def links(self, mapping: CollectionMapping, inserted: Sequence[Pending]) -> None:
        for link in mapping.links:
            rows: set[tuple[uuid.UUID, uuid.UUID]] = set()
            for pending in inserted:
                values = get_path(pending.document, link.source) or []
                for index, value in enumerate(values if isinstance(values, list) else []):
                    try:
                        rows.add((pending.row["id"], self.resolve(link.ref, value)))
                    except Invalid as exc:
                        self.fail(
                            mapping.collection,
                            pending.legacy,
                            pending.position,
                            f"{link.source}[{index}]: {exc}",
                        )
            if rows:
                await self.session.execute(
                    insert(Base.metadata.tables[link.table]),
                    [{link.this: this, link.other: other} for this, other in sorted(rows, key=str)],
                )


async def import_dump(
    database: Database,
    settings: Settings,
    mappings: MappingSet,
    dump: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
) -> ImportReport:
    """Import `dump` in one transaction: committed only when every document imported."""
    async with database.sessionmaker() as session:
        importer = Importer(session, settings, mappings, dump, batch_size=batch_size, dry_run=dry_run)
        try:
            report = await importer.run()
        except (IntegrityError, DBAPIError) as exc:
            await session.rollback()
            importer.report.database_error = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
            return importer.report
        if report.ok and not dry_run:
            await session.commit()
            report.committed = True
        else:
            await session.rollback()
        return report
