"""Dependencies shared by every router, declared as `Annotated` aliases so signatures read as contracts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.config import Settings
from mosaic.core.database import Database


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed before the response is sent, rolled back on any error.

    `scope="function"` (below) makes FastAPI finish this dependency before the response goes out,
    so a failed commit becomes an error response instead of a 200 for data that was never saved.
    """
    database: Database = request.app.state.database
    async with database.transaction() as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction, started as a write transaction (`Database.transaction(write_lock=True)`).

    For endpoints whose check-then-insert must be atomic on SQLite too; costs concurrency (writers
    queue on SQLite's one write lock), so plain `SessionDep` stays the default.
    """
    database: Database = request.app.state.database
    async with database.transaction(write_lock=True) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]
