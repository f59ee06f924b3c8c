"""A throw-away resource that exercises the core (repository, envelope, transactions) over HTTP.

It lives on its own metadata so the real models and migrations never see it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, MetaData, String, UniqueConstraint, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mosaic.core.database import NAMING_CONVENTION, SoftDelete, Timestamps, UUIDPrimaryKey, unique_among_live
from mosaic.core.deps import SessionDep, WriteSessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PaymentRequired,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    error_responses,
)
from mosaic.core.pagination import Page, Pagination
from mosaic.core.repository import Repository


class WidgetBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Widget(UUIDPrimaryKey, Timestamps, SoftDelete, WidgetBase):
    __tablename__ = "test_widgets"
    __table_args__ = (unique_among_live("uq_test_widgets_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(20), default="red")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)


class Bucket(UUIDPrimaryKey, WidgetBase):
    """A parent row whose claims must stay unique per key without a unique constraint."""

    __tablename__ = "test_buckets"
    label: Mapped[str] = mapped_column(String(100), default="")
    claim_count: Mapped[int] = mapped_column(default=0)


class Claim(UUIDPrimaryKey, WidgetBase):
    """Deliberately no unique constraint: only the service's locked check keeps keys unique."""

    __tablename__ = "test_claims"
    bucket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("test_buckets.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))


class Ticket(UUIDPrimaryKey, WidgetBase):
    """Guarded by a named unique constraint only (no check), for the constraint-error registry."""

    __tablename__ = "test_tickets"
    __table_args__ = (UniqueConstraint("code", name="uq_test_tickets_code"),)
    code: Mapped[str] = mapped_column(String(100))


class BucketRepository(Repository[Bucket]):
    model = Bucket
    label = "Bucket"


class ClaimRepository(Repository[Claim]):
    model = Claim
    label = "Claim"


class WidgetRepository(Repository[Widget]):
    model = Widget
    label = "Widget"
    owner_field = "owner_id"
    sortable = frozenset({"created_at", "name", "color"})


class WidgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    color: str = Field(default="red", max_length=20)
    owner_id: uuid.UUID | None = None


class WidgetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    color: str | None = Field(default=None, max_length=20)


class WidgetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    color: str
    owner_id: uuid.UUID | None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=100)


class ClaimOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    bucket_id: uuid.UUID
    key: str


class BucketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    claim_count: int


router = APIRouter(prefix="/widgets", tags=["widgets"])

ERRORS = {
    "bad": BadRequest,
    "unauthorized": Unauthorized,
    "payment": PaymentRequired,
    "forbidden": Forbidden,
    "missing": NotFound,
    "conflict": Conflict,
    "limited": RateLimited,
    "down": ServiceUnavailable,
}


@router.get("", response_model=Envelope[Page[WidgetOut]])
async def list_widgets(
    session: SessionDep,
    page: Pagination,
    color: str | None = None,
    owner_id: uuid.UUID | None = None,
    include_deleted: Annotated[bool, Query()] = False,
) -> Envelope[Page[WidgetOut]]:
    items, total = await WidgetRepository(session).paginate(
        page, owner_id=owner_id, include_deleted=include_deleted, filter_by={"color": color}
    )
    return ok(Page[WidgetOut].build([WidgetOut.model_validate(w) for w in items], total, page))


@router.post(
    "",
    response_model=Envelope[WidgetOut],
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
async def create_widget(body: WidgetIn, session: SessionDep) -> Envelope[WidgetOut]:
    widget = await WidgetRepository(session).create(**body.model_dump())
    return created(WidgetOut.model_validate(widget), "Widget created")


@router.get("/{widget_id}", response_model=Envelope[WidgetOut], responses=error_responses(404))
async def get_widget(
    widget_id: uuid.UUID, session: SessionDep, owner_id: uuid.UUID | None = None
) -> Envelope[WidgetOut]:
    widget = await WidgetRepository(session).get_or_404(widget_id, owner_id=owner_id)
    return ok(WidgetOut.model_validate(widget))


@router.patch("/{widget_id}", response_model=Envelope[WidgetOut])
async def update_widget(widget_id: uuid.UUID, body: WidgetPatch, session: SessionDep) -> Envelope[WidgetOut]:
    repo = WidgetRepository(session)
    widget = await repo.update(await repo.get_or_404(widget_id), body.model_dump(exclude_unset=True))
    return ok(WidgetOut.model_validate(widget), "Widget updated")


@router.delete("/{widget_id}", response_model=Envelope[None])
async def delete_widget(widget_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    repo = WidgetRepository(session)
    await repo.soft_delete(await repo.get_or_404(widget_id))
    return ok(None, "Widget deleted")


@router.post("/{widget_id}/restore", response_model=Envelope[WidgetOut])
async def restore_widget(widget_id: uuid.UUID, session: SessionDep) -> Envelope[WidgetOut]:
    repo = WidgetRepository(session)
    widget = await repo.restore(await repo.get_or_404(widget_id, include_deleted=True))
    return ok(WidgetOut.model_validate(widget), "Widget restored")


@router.post("/fail-after-write", response_model=Envelope[None])
async def fail_after_write(body: WidgetIn, session: SessionDep, crash: bool = False) -> Envelope[None]:
    """Writes a row, then fails: the row must not survive."""
    await WidgetRepository(session).create(**body.model_dump())
    if crash:
        raise RuntimeError("boom: password=hunter2 at postgresql://u:pw@db/x")
    raise Conflict("Refused after writing")


@router.get("/errors/{kind}", response_model=Envelope[None])
async def raise_error(kind: str) -> Envelope[None]:
    raise ERRORS[kind]()


@router.post("/buckets", response_model=Envelope[BucketOut], status_code=status.HTTP_201_CREATED)
async def create_bucket(session: SessionDep) -> Envelope[BucketOut]:
    bucket = await BucketRepository(session).create()
    return created(BucketOut.model_validate(bucket), "Bucket created")


@router.get("/buckets/{bucket_id}", response_model=Envelope[BucketOut], responses=error_responses(404))
async def get_bucket(bucket_id: uuid.UUID, session: SessionDep) -> Envelope[BucketOut]:
    return ok(BucketOut.model_validate(await BucketRepository(session).get_or_404(bucket_id)))


@router.post(
    "/buckets/{bucket_id}/claims",
    response_model=Envelope[ClaimOut],
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 409),
)
async def claim(
    bucket_id: uuid.UUID,
    body: ClaimIn,
    session: WriteSessionDep,
    pause_ms: Annotated[int, Query(ge=0, le=100)] = 0,
) -> Envelope[ClaimOut]:
    """Check-then-insert made atomic: the write transaction (SQLite) and the bucket's row lock (PG).

    `pause_ms` widens the window between the check and the insert, so that without the locks the
    concurrent requests really do all pass the check (a test-only knob).
    """
    bucket = await BucketRepository(session).get_or_404(bucket_id, for_update=True)
    taken = await session.scalar(select(Claim.id).where(Claim.bucket_id == bucket.id, Claim.key == body.key))
    if taken is not None:
        raise Conflict("Key already claimed", code="CLAIM_TAKEN")
    await asyncio.sleep(pause_ms / 1000)
    row = await ClaimRepository(session).create(bucket_id=bucket.id, key=body.key)
    bucket.claim_count += 1  # a read-modify-write the same lock protects
    return created(ClaimOut.model_validate(row), "Claimed")


@router.post(
    "/tickets",
    response_model=Envelope[None],
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
async def create_ticket(body: ClaimIn, session: SessionDep) -> Envelope[None]:
    session.add(Ticket(code=body.key))
    await session.flush()
    return created(None, "Ticket created")
