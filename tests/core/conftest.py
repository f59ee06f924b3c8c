from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from mosaic.core.errors import COMMON_ERROR_RESPONSES
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
