"""A test-only domain: one of everything a `Domain` can declare, to show create_app installs it.

Tests add it to `DOMAIN_MODULES` (the one line a real domain adds) and enable it by name.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import MetaData, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mosaic.accounts.deps import CurrentUser
from mosaic.accounts.plans.limits import require_within_limit
from mosaic.core.access import public
from mosaic.core.database import NAMING_CONVENTION, UUIDPrimaryKey
from mosaic.core.domain import Domain
from mosaic.core.jobs import JobContext, get_jobs, job
from mosaic.core.secretbox import EncryptedColumn

EVENTS: Counter[str] = Counter()


class ProbeBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProbeSecret(UUIDPrimaryKey, ProbeBase):
    __tablename__ = "test_probe_secrets"

    owner: Mapped[str] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(Text, default=None)
    token_key_id: Mapped[str | None] = mapped_column(String(16), default=None)


def probe_aad(owner: str, row_id: uuid.UUID) -> bytes:
    return f"probe|{owner}|{row_id}".encode()


SECRETS = EncryptedColumn(ProbeSecret, "token", "token_key_id", ("owner", "id"), probe_aad)


@job("probe.ping", max_retries=0)
async def ping(ctx: JobContext, marker: str) -> None:
    EVENTS[f"ping:{marker}"] += 1


async def count_probes(session: AsyncSession, user_id: uuid.UUID) -> int:
    return EVENTS[f"probes:{user_id}"]


router = APIRouter(prefix="/probe", tags=["probe"])


@router.get("/open")
@public
async def open_probe(request: Request, marker: str = "") -> dict[str, Any]:
    if marker:
        await get_jobs(request).enqueue("probe.ping", marker)
    return {"ok": True}


@router.post("/things", dependencies=[Depends(require_within_limit("probes"))])
async def add_thing(user: CurrentUser) -> dict[str, Any]:
    EVENTS[f"probes:{user.id}"] += 1
    return {"ok": True}


async def started(app: FastAPI) -> None:
    EVENTS["started"] += 1
    app.state.probe_started = True


async def stopped(app: FastAPI) -> None:
    EVENTS["stopped"] += 1


domain = Domain(
    name="probe",
    routers=(router,),
    jobs=(ping,),
    limit_counters={"probes": count_probes},
    rate_limit_exempt=("/api/v1/probe/open",),
    encrypted_columns=(SECRETS,),
    on_startup=(started,),
    on_shutdown=(stopped,),
)
