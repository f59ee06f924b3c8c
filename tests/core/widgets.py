"""A throw-away resource that exercises the core (repository, envelope, transactions) over HTTP.

It lives on its own metadata so the real models and migrations never see it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mosaic.core.database import NAMING_CONVENTION, SoftDelete, Timestamps, UUIDPrimaryKey, unique_among_live
from mosaic.core.deps import SessionDep
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
