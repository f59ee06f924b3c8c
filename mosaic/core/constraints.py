"""Named database constraints mapped to typed errors, per app.

A unique or exclusion constraint is the last line of defence of a rule (one email per account, no
overlapping bookings): when two requests race past the service's own check, the database refuses
one of them. Without this registry that refusal is a generic `409 CONFLICT`; with it, the domain
that owns the constraint decides the answer (`409 EMAIL_TAKEN`, `409 SLOT_UNAVAILABLE`).

Domains declare `constraint_errors={"uq_users_email_live": EmailTaken, ...}` on their `Domain`;
`create_app` builds one `ConstraintErrors` from them and keeps it in `app.state.constraint_errors`,
where the integrity-error handler looks it up. Nothing is registered at import time.

Finding the constraint's name:

- PostgreSQL (asyncpg) reports it: `constraint_name` on the driver's exception, for unique (23505),
  exclusion (23P01), foreign-key (23503) and check (23514) violations alike.
- SQLite reports only a message. A check constraint names itself (`CHECK constraint failed: name`)
  and a unique index on expressions too (`UNIQUE constraint failed: index 'name'`), but a unique
  constraint or index on columns gives `UNIQUE constraint failed: users.email` (table.column, ...).
  The registry maps that back to a name through the models' metadata: the unique constraint or
  unique index of that table on exactly those columns. Two unique indexes on the same columns (a
  partial one among them) are indistinguishable on SQLite; the first one found wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from mosaic.core.errors import AppError

ErrorSpec = type[AppError] | tuple[int, str, str]
"""An `AppError` subclass (raised with its defaults), or `(status, code, message)`."""

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)$")
_SQLITE_NAMED_INDEX = re.compile(r"UNIQUE constraint failed: index '(?P<name>[^']+)'")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>\w+)")


def _error_class(name: str, spec: ErrorSpec) -> type[AppError]:
    if isinstance(spec, type) and issubclass(spec, AppError):
        return spec
    if isinstance(spec, tuple) and len(spec) == 3:
        status, code, message = spec
        attributes = {"status_code": status, "code": code, "default_message": message}
        return type(f"ConstraintError_{code}", (AppError,), attributes)
    raise TypeError(f"constraint {name!r}: expected an AppError subclass or (status, code, message)")


class ConstraintErrors:
    """Constraint name -> the error a violation of it becomes. One instance per app."""

    def __init__(
        self,
        errors: Mapping[str, ErrorSpec] | None = None,
        *,
        metadata: Iterable[MetaData] = (),
    ) -> None:
        self._specs: dict[str, ErrorSpec] = {}
        self._errors: dict[str, type[AppError]] = {}
        self._columns: dict[tuple[str, tuple[str, ...]], str] = {}
        for meta in metadata:
            self.add_metadata(meta)
        self.update(errors or {})

    def register(self, name: str, error: ErrorSpec) -> None:
        """Map `name` to `error`; registering one name twice with different errors is a bug."""
        current = self._specs.get(name)
        if current is not None and current != error:
            raise ValueError(f"constraint {name!r} is already mapped to {current!r}")
        self._errors[name] = _error_class(name, error)
        self._specs[name] = error

    def update(self, errors: Mapping[str, ErrorSpec]) -> None:
        for name, error in errors.items():
            self.register(name, error)

    def add_metadata(self, metadata: MetaData) -> None:
        """Learn the column sets of the unique constraints and indexes (for SQLite's messages)."""
        for table in metadata.tables.values():
            uniques: list[UniqueConstraint | Index] = [
                *(c for c in table.constraints if isinstance(c, UniqueConstraint)),
                *(i for i in table.indexes if i.unique),
            ]
            for item in uniques:
                columns = tuple(column.name for column in item.columns)
                if item.name and columns:
                    self._columns.setdefault((table.name, columns), str(item.name))

    def constraint_name(self, exc: IntegrityError) -> str | None:
        """The violated constraint's name, from the driver's report (see the module docstring)."""
        orig: Any = exc.orig
        for candidate in (orig, getattr(orig, "__cause__", None)):
            name = getattr(candidate, "constraint_name", None)
            if isinstance(name, str) and name:
                return name
        message = str(orig.args[0]) if orig is not None and orig.args else ""
        if match := _SQLITE_NAMED_INDEX.search(message):
            return match["name"]
        if match := _SQLITE_CHECK.search(message):
            return match["name"]
        if match := _SQLITE_UNIQUE.search(message):
            qualified = [part.strip() for part in match["columns"].split(",")]
            tables = {part.partition(".")[0] for part in qualified}
            if len(tables) == 1:
                columns = tuple(part.partition(".")[2] for part in qualified)
                return self._columns.get((tables.pop(), columns))
        return None

    def error_for(self, name: str | None) -> AppError | None:
        """The registered error for constraint `name`, or None (the caller answers a generic 409)."""
        error = self._errors.get(name) if name else None
        return error() if error is not None else None
