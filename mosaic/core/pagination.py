"""Offset pagination shared by every list endpoint (SPEC §4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from mosaic.core.deps import SettingsDep
from mosaic.core.params import QueryFlag

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


Limit = Annotated[
    int | None,
    Query(ge=1, le=MAX_LIMIT, description="Page size (default DEFAULT_PAGE_SIZE); clamped to MAX_PAGE_SIZE."),
]
Offset = Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER, description="Number of items to skip.")]
SORT_DESCRIPTION = "Comma-separated fields; prefix with `-` for descending, e.g. `-created_at`."


def _page(settings: SettingsDep, limit: int | None, offset: int, sort: str | None) -> PageParams:
    """A limit over the maximum is clamped rather than rejected, as seed 003 asks."""
    size = settings.DEFAULT_PAGE_SIZE if limit is None else limit
    return PageParams(limit=min(size, settings.MAX_PAGE_SIZE), offset=offset, sort=sort)


async def page_params(
    settings: SettingsDep,
    limit: Limit = None,
    offset: Offset = 0,
    sort: Annotated[
        str | None, Query(max_length=200, pattern=r"^-?[a-z_]+(,-?[a-z_]+)*$", description=SORT_DESCRIPTION)
    ] = None,
) -> PageParams:
    return _page(settings, limit, offset, sort)


def sort_pattern(sortable: Iterable[str]) -> str:
    """`-?field(,-?field)*` over exactly the sortable fields, so the schema names what the
    repository accepts and a fuzzer (or a generated client) cannot send a field it refuses."""
    fields = "|".join(sorted(sortable))
    return f"^-?(?:{fields})(?:,-?(?:{fields}))*$"


def pagination_for(sortable: Iterable[str]) -> Any:
    """The page dependency of a repository's list routes (`Repository.pagination`): `sort` is
    declared as a pattern over that repository's whitelist, generated here rather than per route."""
    fields = sorted(sortable)
    sort_query = Query(
        max_length=200,
        pattern=sort_pattern(fields),
        description=f"{SORT_DESCRIPTION} Fields: {', '.join(fields)}.",
    )

    async def params(
        settings: SettingsDep, limit: Limit = None, offset: Offset = 0, sort: str | None = None
    ) -> PageParams:
        return _page(settings, limit, offset, sort)

    # The annotation is built here (this module postpones annotations, and FastAPI resolves the
    # strings against module globals, where this closure's pattern is not).
    params.__annotations__["sort"] = Annotated[str | None, sort_query]
    return Depends(params)


Pagination = Annotated[PageParams, Depends(page_params)]

# Filters many list endpoints share, described once; `true`/`false` only (`QueryFlag`).
IncludeDeleted = Annotated[
    QueryFlag, Query(description="Also list soft-deleted items (only for callers allowed to manage them).")
]
ActiveFilter = Annotated[
    QueryFlag | None,
    Query(description="Only active (`true`) or only inactive (`false`) items; both when absent."),
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
