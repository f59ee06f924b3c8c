"""The generic async repository every module extends instead of rewriting its queries.

It knows three conventions of the models: an `id` primary key, an optional `is_deleted` flag
(soft-deleted rows are invisible unless asked for) and an optional owner column (set
`owner_field`; owner-scoped reads answer 404 for another user's row, never 403).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, UnaryExpression, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from mosaic.core.database import utcnow
from mosaic.core.errors import InvalidInput, NotFound
from mosaic.core.pagination import PageParams, pagination_for
from mosaic.core.search import SearchHit, SearchIndex, parse_query

M = TypeVar("M", bound=DeclarativeBase)


_MAX_SQL_OFFSET = 2**63 - 1  # a signed 64-bit OFFSET


class Repository(Generic[M]):
    model: ClassVar[type[Any]]
    label: ClassVar[str] = "Resource"
    owner_field: ClassVar[str | None] = None
    sortable: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})
    default_sort: ClassVar[str] = "-created_at"
    search_index: ClassVar[SearchIndex | None] = None
    # The page dependency of this repository's list routes, with `sort` declared over `sortable`:
    # `page: Annotated[PageParams, FooRepository.pagination]`.
    pagination: ClassVar[Any] = pagination_for(sortable)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.pagination = pagination_for(cls.sortable)

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- query building -------------------------------------------------------------------
    @property
    def soft_deletes(self) -> bool:
        return hasattr(self.model, "is_deleted")

    def conditions(
        self,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        filters: Sequence[ColumnElement[bool]] = (),
        filter_by: Mapping[str, Any] | None = None,
    ) -> list[ColumnElement[bool]]:
        """The WHERE clauses of a read; `filter_by` skips `None` values so optional filters read simply."""
        clauses: list[ColumnElement[bool]] = list(filters)
        if self.soft_deletes and not include_deleted:
            clauses.append(self.model.is_deleted.is_(False))
        if owner_id is not None:
            if self.owner_field is None:
                raise TypeError(f"{type(self).__name__} has no owner_field")
            clauses.append(getattr(self.model, self.owner_field) == owner_id)
        for name, value in (filter_by or {}).items():
            if value is not None:
                clauses.append(getattr(self.model, name) == value)
        return clauses

    def order_by(self, sort: str | None) -> list[UnaryExpression[Any]]:
        """Parse `-created_at,name`; an unknown field is a 422 naming the fields that are allowed."""
        order: list[UnaryExpression[Any]] = []
        for raw in (sort or self.default_sort).split(","):
            name = raw.removeprefix("-")
            if name not in self.sortable:
                raise InvalidInput(
                    f"Cannot sort by '{name}'",
                    details=[
                        {
                            "field": "sort",
                            "location": "query",
                            "message": f"Allowed sort fields: {', '.join(sorted(self.sortable))}",
                            "type": "value_error",
                        }
                    ],
                )
            column = getattr(self.model, name)
            order.append(column.desc() if raw.startswith("-") else column.asc())
        order.append(self.model.id.asc())  # a stable tiebreak keeps pages from overlapping
        return order

    def select(self, **conditions: Any) -> Select[M]:
        return select(self.model).where(*self.conditions(**conditions))

    # -- reads ----------------------------------------------------------------------------
    async def get(
        self,
        id: uuid.UUID,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        for_update: bool = False,
    ) -> M | None:
        """`for_update=True` locks the row until the transaction ends (`SELECT ... FOR UPDATE` on
        PostgreSQL; SQLite has no row locks: open the transaction with `write_lock` there)."""
        statement = self.select(
            owner_id=owner_id, include_deleted=include_deleted, filters=[self.model.id == id]
        )
        if for_update:
            statement = statement.with_for_update()
        found: M | None = (await self.session.execute(statement)).scalars().one_or_none()
        return found

    async def get_or_404(
        self,
        id: uuid.UUID,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        for_update: bool = False,
    ) -> M:
        found = await self.get(id, owner_id=owner_id, include_deleted=include_deleted, for_update=for_update)
        if found is None:
            raise NotFound(f"{self.label} not found")
        return found

    async def find_one(
        self, *filters: ColumnElement[bool], include_deleted: bool = False, for_update: bool = False
    ) -> M | None:
        statement = self.select(filters=filters, include_deleted=include_deleted).limit(1)
        if for_update:
            statement = statement.with_for_update()
        result: M | None = (await self.session.execute(statement)).scalars().first()
        return result

    async def paginate(
        self,
        params: PageParams,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        filters: Sequence[ColumnElement[bool]] = (),
        filter_by: Mapping[str, Any] | None = None,
    ) -> tuple[list[M], int]:
        """One page of rows and the total count matching the same conditions.

        One query: the total rides along as `count(*) OVER ()` (the database counts the matching
        rows either way), saving a round trip and a statement per list request. Only a page past
        the end, which has no row to carry the total, costs a second, counting query.
        """
        where = self.conditions(
            owner_id=owner_id, include_deleted=include_deleted, filters=filters, filter_by=filter_by
        )
        if params.offset > _MAX_SQL_OFFSET:  # no database takes it, and no page is there
            return [], await self._count(where)
        statement = (
            select(self.model, func.count().over().label("total"))
            .where(*where)
            .order_by(*self.order_by(params.sort))
            .limit(params.limit)
            .offset(params.offset)
        )
        rows = (await self.session.execute(statement)).all()
        if rows:
            return [row[0] for row in rows], int(rows[0][1])
        return [], (0 if params.offset == 0 else await self._count(where))

    async def search(
        self,
        query: str,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        filters: Sequence[ColumnElement[bool]] = (),
        limit: int = 20,
        offset: int = 0,
        sort: str | None = None,
    ) -> list[tuple[M, SearchHit]]:
        """Full-text matches of `query`, best first (or by `sort`, as `paginate` reads it), under
        the same conditions as every read."""
        if self.search_index is None:
            raise TypeError(f"{type(self).__name__} has no search_index")
        where = self.conditions(owner_id=owner_id, include_deleted=include_deleted, filters=filters)
        hits = await self.search_index.search(
            self.session,
            query,
            table=self.model.__table__,
            where=where,
            limit=limit,
            offset=offset,
            order_by=self.order_by(sort)[:-1] if sort else (),
        )
        if not hits:
            return []
        statement = select(self.model).where(self.model.id.in_([hit.id for hit in hits]))
        rows = {row.id: row for row in (await self.session.execute(statement)).scalars()}
        return [(rows[hit.id], hit) for hit in hits if hit.id in rows]

    async def search_page(
        self,
        query: str,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        filters: Sequence[ColumnElement[bool]] = (),
        limit: int = 20,
        offset: int = 0,
        sort: str | None = None,
    ) -> tuple[list[tuple[M, SearchHit]], int]:
        """`search`'s page and the total over all pages, in one query: the rows come with their
        hits (no second `SELECT ... IN`) and the total rides on the ranked query as
        `count(*) OVER ()`. Only a page past the last match counts separately."""
        if self.search_index is None:
            raise TypeError(f"{type(self).__name__} has no search_index")
        parsed = parse_query(query)
        if not parsed:
            return [], 0
        where = self.conditions(owner_id=owner_id, include_deleted=include_deleted, filters=filters)
        statement = self.search_index.page_statement(
            parsed,
            table=self.model.__table__,
            dialect=self.session.get_bind().dialect.name,
            where=where,
            limit=limit,
            offset=offset,
            order_by=self.order_by(sort)[:-1] if sort else (),
            with_total=True,
        ).add_columns(self.model)
        rows = (await self.session.execute(statement)).all()
        if rows:
            return [(row[-1], self.search_index.hit(row)) for row in rows], int(rows[0].total)
        return [], (
            0
            if offset == 0
            else await self.search_count(
                query, owner_id=owner_id, filters=filters, include_deleted=include_deleted
            )
        )

    async def search_count(
        self,
        query: str,
        *,
        owner_id: uuid.UUID | None = None,
        include_deleted: bool = False,
        filters: Sequence[ColumnElement[bool]] = (),
    ) -> int:
        """How many rows `search` finds over all pages, under the same conditions."""
        if self.search_index is None:
            raise TypeError(f"{type(self).__name__} has no search_index")
        where = self.conditions(owner_id=owner_id, include_deleted=include_deleted, filters=filters)
        return await self.search_index.count(self.session, query, table=self.model.__table__, where=where)

    async def _count(self, where: Sequence[ColumnElement[bool]]) -> int:
        statement = select(func.count()).select_from(self.model).where(*where)
        return int((await self.session.execute(statement)).scalar_one())

    # -- writes (flush only: the request owns the transaction) -----------------------------
    async def create(self, **values: Any) -> M:
        instance: M = self.model(**values)
        self.session.add(instance)
        await self.session.flush()
        return instance

    async def update(self, instance: M, values: Mapping[str, Any]) -> M:
        """Partial update: only the keys given are written (pass `model_dump(exclude_unset=True)`)."""
        for name, value in values.items():
            setattr(instance, name, value)
        await self.session.flush()
        return instance

    async def soft_delete(self, instance: M) -> None:
        if not self.soft_deletes:
            raise TypeError(f"{self.label} does not support soft delete")
        instance.is_deleted = True  # type: ignore[attr-defined]
        instance.deleted_at = utcnow()  # type: ignore[attr-defined]
        await self.session.flush()

    async def restore(self, instance: M) -> M:
        instance.is_deleted = False  # type: ignore[attr-defined]
        instance.deleted_at = None  # type: ignore[attr-defined]
        await self.session.flush()
        return instance

    async def delete(self, instance: M) -> None:
        """Hard delete, for rows that are not soft-deletable (join rows, tokens)."""
        await self.session.delete(instance)
        await self.session.flush()
