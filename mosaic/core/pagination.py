"""Offset pagination shared by every list endpoint (SPEC §4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from mosaic.core.deps import SettingsDep

T = TypeVar("T")

# The largest integer every JSON client reads exactly (JavaScript's Number.MAX_SAFE_INTEGER): the
# bound of any count or offset a client sends, declared in the schema and checked on input.
MAX_SAFE_INTEGER = 2**53 - 1
# A page size above this is refused (below it, sizes over MAX_PAGE_SIZE are clamped, as seed 003 asks).
MAX_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int
    sort: str | None = None


async def page_params(
    settings: SettingsDep,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_LIMIT,
            description="Page size (default DEFAULT_PAGE_SIZE); clamped to MAX_PAGE_SIZE.",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER, description="Number of items to skip.")] = 0,
    sort: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^-?[a-z_]+(,-?[a-z_]+)*$",
            description="Comma-separated fields; prefix with `-` for descending, e.g. `-created_at`.",
        ),
    ] = None,
) -> PageParams:
    """A limit over the maximum is clamped rather than rejected, as seed 003 asks."""
    size = settings.DEFAULT_PAGE_SIZE if limit is None else limit
    return PageParams(limit=min(size, settings.MAX_PAGE_SIZE), offset=offset, sort=sort)


Pagination = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(ge=0, examples=[150])
    limit: int = Field(ge=1, examples=[10])
    offset: int = Field(ge=0, examples=[0])
    has_more: bool = Field(examples=[True])

    @classmethod
    def build(cls, items: Sequence[T], total: int, params: PageParams) -> Page[T]:
        return cls(
            items=list(items),
            total=total,
            limit=params.limit,
            offset=params.offset,
            has_more=params.offset + len(items) < total,
        )
