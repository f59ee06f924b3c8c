"""Core CRUD mechanisms: owner-scoped sequence, catalogue rules, the PUT rule and `page_of`."""

from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel

from mosaic.core.crud import Catalogue, Owned, put_values
from mosaic.core.errors import Conflict, NotFound
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.core.repository import Repository
from tests.core.conftest import mount_widgets
from tests.core.widgets import Widget, WidgetIn, WidgetOut, WidgetPatch, WidgetRepository


class WidgetPut(BaseModel):
    name: str | None = None
    color: str | None = None
    owner_id: uuid.UUID | None = None
    is_active: bool | None = None


class UnownedWidgets(Repository[Widget]):
    model = Widget


@pytest.fixture
async def session(app):
    await mount_widgets(app)
    async with app.state.database.transaction() as session:
        yield session


def test_put_values_keeps_sent_fields_and_null_only_for_nullable_columns():
    body = WidgetPut.model_validate({"name": None, "color": "blue", "owner_id": None})
    # name is NOT NULL: null means "leave it"; owner_id is nullable: null clears it
    assert put_values(body, Widget) == {"color": "blue", "owner_id": None}
    assert put_values(WidgetPut.model_validate({}), Widget) == {}
    assert put_values(WidgetPut.model_validate({"color": "x", "is_active": None}), Widget) == {"color": "x"}
    assert put_values(WidgetPut.model_validate({"color": "x"}), Widget, exclude={"color"}) == {}


async def test_owned_rows_are_invisible_to_other_owners(session):
    alice, bob = uuid.uuid4(), uuid.uuid4()
    mine = Owned(WidgetRepository(session), alice)
    row = await mine.create(name=f"w-{uuid.uuid4().hex[:8]}")
    assert row.owner_id == alice
    assert (await mine.get(row.id)).id == row.id
    theirs = Owned(WidgetRepository(session), bob)
    with pytest.raises(NotFound):
        await theirs.get(row.id)
    with pytest.raises(NotFound):
        await theirs.delete(row.id)
    items, total = await mine.list(PageParams(limit=10, offset=0))
    assert total == 1 and items[0].id == row.id
    assert (await theirs.list(PageParams(limit=10, offset=0)))[1] == 0

    updated = await mine.update(row, {"color": "green"})
    assert updated.color == "green"
    assert await mine.update(row, {}) is row

    wiped: list[uuid.UUID] = []
    deleted = await mine.delete(row.id, before=lambda r: wiped.append(r.id))
    assert wiped == [row.id] and deleted.is_deleted is True
    with pytest.raises(NotFound):
        await mine.get(row.id)


def test_owned_needs_an_owner_field(session):
    with pytest.raises(TypeError, match="owner_field"):
        Owned(UnownedWidgets(session), uuid.uuid4())


async def test_catalogue_names_are_unique_among_live_rows_and_inactive_rows_hidden(session):
    catalogue = Catalogue(WidgetRepository(session))
    name = f"cat-{uuid.uuid4().hex[:8]}"
    row = await catalogue.create(WidgetIn(name=name))
    with pytest.raises(Conflict):
        await catalogue.create(WidgetIn(name=name))
    other = await catalogue.create(WidgetIn(name=f"{name}-b"))
    with pytest.raises(Conflict):
        await catalogue.update(other.id, WidgetPatch(name=name))
    # null name is ignored (NOT NULL column), not a 500
    assert (await catalogue.update(row.id, WidgetPatch(name=None, color="teal"))).name == name
    assert (await catalogue.get(row.id, manage=False)).id == row.id  # widgets have no is_active
    await catalogue.delete(row.id)
    with pytest.raises(NotFound):
        await catalogue.get(row.id, manage=True)
    assert (await catalogue.create(WidgetIn(name=name))).id != row.id  # a deleted name is free again


def test_page_of_builds_a_typed_page_with_converters():
    rows = [
        Widget(id=uuid.uuid4(), name="a", color="red", owner_id=None),
        Widget(id=uuid.uuid4(), name="b", color="red", owner_id=None),
    ]
    page = page_of(WidgetOut, rows, 5, PageParams(limit=2, offset=2))
    assert isinstance(page, Page) and type(page) is Page[WidgetOut]
    assert [item.name for item in page.items] == ["a", "b"]
    assert (page.total, page.limit, page.offset, page.has_more) == (5, 2, 2, True)
    last = page_of(
        WidgetOut,
        rows[:1],
        5,
        PageParams(limit=2, offset=4),
        lambda r: WidgetOut(id=r.id, name=r.name.upper(), color=r.color, owner_id=None),
    )
    assert last.items[0].name == "A" and last.has_more is False
    assert page_of(WidgetOut, [], 0, PageParams(limit=10, offset=0)).items == []
