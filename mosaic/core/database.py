"""Database: declarative base, column types and mixins, engine, and the per-request transaction.

One relational store serves every domain (SPEC §2). The same models run on SQLite (the embedded
default) and PostgreSQL, so the portable types live here: UUIDs, timezone-aware UTC timestamps
that SQLite would otherwise hand back naive, and JSON that is JSONB on PostgreSQL.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, MetaData, Uuid, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from mosaic.core.config import Settings

logger = logging.getLogger("mosaic.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Evaluated per call: a default of `datetime.now()` at import time is a classic bug."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid(), dict[str, Any]: JSONType}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class SoftDelete:
    """Rows are hidden, not removed: the repository filters `is_deleted` out of every read."""

    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, nullable=True)


def unique_among_live(name: str, *columns: str, table_soft_delete: bool = True) -> Index:
    """A unique index that ignores soft-deleted rows, so a deleted email can register again."""
    where = text("is_deleted = false") if table_soft_delete else None
    return Index(name, *columns, unique=True, postgresql_where=where, sqlite_where=where)


def _sqlite_pragmas(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.DATABASE_URL
    if settings.is_sqlite:
        db_path = url.split(":///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        # The same pool limits as PostgreSQL, so an exhausted pool answers 503 after the timeout.
        engine = create_async_engine(
            url,
            echo=settings.DB_ECHO,
            pool_size=settings.DB_POOL_SIZE,
            max_overflow=settings.DB_MAX_OVERFLOW,
            pool_timeout=settings.DB_POOL_TIMEOUT_SECONDS,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=settings.DB_ECHO,
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        pool_timeout=settings.DB_POOL_TIMEOUT_SECONDS,
        pool_recycle=settings.DB_POOL_RECYCLE_SECONDS,
        pool_pre_ping=settings.DB_POOL_PRE_PING,
    )


AfterCommit = Callable[[], Awaitable[None]]


def on_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` only once the surrounding transaction has committed.

    Emails and jobs queued during a request must not happen when the request fails and its
    writes are rolled back; this is the one place that guarantees it.
    """
    session.info.setdefault("after_commit", []).append(callback)


async def _run_after_commit(session: AsyncSession) -> None:
    callbacks: list[AfterCommit] = session.info.pop("after_commit", [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            logger.exception("after-commit callback failed")


async def lock_for_write(session: AsyncSession) -> None:
    """Make the session's transaction a write transaction now, before its first read.

    A check-then-insert (a booking overlap, one active subscription, a quota) is only atomic if no
    other writer can commit between the check and the insert. On SQLite this is `BEGIN IMMEDIATE`:
    it takes the database's write lock up front, so concurrent writers queue on the busy timeout
    (`PRAGMA busy_timeout`) instead of failing with "database is locked" when a read transaction
    tries to upgrade. pysqlite's own transaction control stays on: it emits its implicit `BEGIN`
    only before DML, and sees the transaction we opened (`in_transaction`), so it neither opens a
    second one nor breaks commit/rollback. On PostgreSQL this is a no-op: lock the row the check
    depends on with `Repository.get(..., for_update=True)` (or rely on a constraint) instead.
    """
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = await connection.get_raw_connection()
    if getattr(raw.driver_connection, "in_transaction", False):
        raise RuntimeError("lock_for_write() must run before the transaction's first write")
    await connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and session factory of one app instance (tests build several side by side)."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self, *, write_lock: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit when the body succeeds, roll back when anything raises.

        `write_lock=True` starts it as a write transaction (see `lock_for_write`), for a
        check-then-write that must not interleave with another writer.
        """
        async with self.sessionmaker() as session:
            try:
                if write_lock:
                    await lock_for_write(session)
                yield session
                await session.commit()
            except BaseException:
                session.info.pop("after_commit", None)
                await session.rollback()
                raise
            await _run_after_commit(session)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
