"""Offset pagination shared by every list endpoint (SPEC §4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from mosaic.core.deps import SettingsDep

T = TypeVar("T")


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
            description="Page size (default DEFAULT_PAGE_SIZE); clamped to MAX_PAGE_SIZE.",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, description="Number of items to skip.")] = 0,
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

# Filters many list endpoints share, described once.
IncludeDeleted = Annotated[
    bool, Query(description="Also list soft-deleted items (only for callers allowed to manage them).")
]
ActiveFilter = Annotated[
    bool | None, Query(description="Only active (`true`) or only inactive (`false`) items; both when absent.")
]


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


S = TypeVar("S", bound=BaseModel)


def page_of(
    schema: type[S],
    rows: Iterable[Any],
    total: int,
    params: PageParams,
    convert: Callable[[Any], S] | None = None,
) -> Page[S]:
    """One API page of `schema` from repository rows: `Page[schema]`, each row through `convert`
    (default `schema.model_validate`), the total and the caller's limit and offset."""
    to_item = convert or schema.model_validate
    page_type: type[Page[S]] = Page[schema]  # type: ignore[valid-type]
    return page_type.build([to_item(row) for row in rows], total, params)
