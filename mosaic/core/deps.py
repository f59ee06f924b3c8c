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


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
