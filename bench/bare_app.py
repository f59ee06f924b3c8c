"""The yardstick: one FastAPI endpoint with a response model, no middleware, no database.

Served by the same gunicorn + uvicorn worker command as Mosaic, so the ratio of a Mosaic scenario
to this endpoint measures what Mosaic adds, not what the machine or the server stack costs.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="bare")

_USER_ID = uuid.uuid4()


class Profile(BaseModel):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    is_active: bool
    locale: str


@app.get("/bare", response_model=Profile)
async def bare() -> Profile:
    return Profile(
        id=_USER_ID,
        email="bench@example.com",
        first_name="Bench",
        last_name="User",
        is_active=True,
        locale="en",
    )
