from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from mosaic.core.database import create_engine
from mosaic.core.errors import COMMON_ERROR_RESPONSES
from tests.conftest import fresh_database_url, make_settings
from tests.core.widgets import WidgetBase, router


async def mount_widgets(app: FastAPI) -> None:
    """Mount the test-only widgets resource on `app` and create its table."""
    if not any(getattr(r, "path", "").startswith("/api/v1/widgets") for r in app.routes):
        app.include_router(router, prefix="/api/v1", responses=COMMON_ERROR_RESPONSES)
        app.openapi_schema = None
    async with app.state.database.engine.begin() as connection:
        await connection.run_sync(WidgetBase.metadata.create_all)


@pytest.fixture(scope="session")
async def widget_client(app: FastAPI, client: httpx.AsyncClient) -> httpx.AsyncClient:
    await mount_widgets(app)
    return client


@asynccontextmanager
async def fresh_engine(tmp_dir: Path, label: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database of its own (for DDL the shared test database must not get)."""
    async with fresh_database_url(tmp_dir, label) as url:
        engine = create_engine(make_settings(DATABASE_URL=url))
        try:
            yield engine
        finally:
            await engine.dispose()
