"""The generic repository and pagination, through HTTP on the test-only widgets resource."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from mosaic.core.pagination import MAX_SAFE_INTEGER, PageParams
from tests.core.conftest import mount_widgets
from tests.core.widgets import Widget, WidgetRepository

pytestmark = pytest.mark.usefixtures("widget_client")


async def make_widgets(client: httpx.AsyncClient, count: int, **fields) -> tuple[str, list[dict]]:
    color = fields.pop("color", f"c{uuid.uuid4().hex[:10]}")
    made = []
    for index in range(count):
        response = await client.post(
            "/api/v1/widgets", json={"name": f"w-{uuid.uuid4().hex}-{index:02d}", "color": color, **fields}
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["data"])
    return color, made


async def test_create_returns_201_envelope_with_data(client: httpx.AsyncClient):
    response = await client.post("/api/v1/widgets", json={"name": f"n-{uuid.uuid4().hex}"})
    assert response.status_code == 201
    body = response.json()
    assert body["status_code"] == 201 and body["message"] == "Widget created" and body["error"] is None
    uuid.UUID(body["data"]["id"])


async def test_get_missing_returns_404(client: httpx.AsyncClient):
    response = await client.get(f"/api/v1/widgets/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Widget not found"


async def test_partial_update_changes_only_given_fields(client: httpx.AsyncClient):
    color, (widget,) = await make_widgets(client, 1)
    response = await client.patch(
        f"/api/v1/widgets/{widget['id']}", json={"name": f"renamed-{uuid.uuid4().hex}"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["color"] == color
    assert response.json()["data"]["name"].startswith("renamed-")


async def test_pagination_reports_total_and_has_more(client: httpx.AsyncClient):
    color, _ = await make_widgets(client, 5)
    first = (await client.get("/api/v1/widgets", params={"color": color, "limit": 2})).json()["data"]
    assert (first["total"], first["limit"], first["offset"], first["has_more"]) == (5, 2, 0, True)
    assert len(first["items"]) == 2
    last = (await client.get("/api/v1/widgets", params={"color": color, "limit": 2, "offset": 4})).json()[
        "data"
    ]
    assert len(last["items"]) == 1 and last["has_more"] is False
    beyond = (await client.get("/api/v1/widgets", params={"color": color, "offset": 50})).json()["data"]
    assert beyond["items"] == [] and beyond["total"] == 5 and beyond["has_more"] is False


async def test_pagination_edges_empty_and_astronomical_offsets(client: httpx.AsyncClient):
    color, _ = await make_widgets(client, 3)
    nothing = (await client.get("/api/v1/widgets", params={"color": f"none-{uuid.uuid4().hex[:8]}"})).json()
    assert nothing["data"]["items"] == [] and nothing["data"]["total"] == 0
    # The largest offset the schema declares (what JSON clients read exactly): an empty page with
    # the true total; beyond it a 422, as the schema says (issue 17: never a 500).
    response = await client.get("/api/v1/widgets", params={"color": color, "offset": MAX_SAFE_INTEGER})
    assert response.status_code == 200, response.text
    page = response.json()["data"]
    assert page["items"] == [] and page["total"] == 3 and page["has_more"] is False
    for offset in (MAX_SAFE_INTEGER + 1, 2**63, 10**30):
        response = await client.get("/api/v1/widgets", params={"color": color, "offset": offset})
        assert response.status_code == 422, response.text


async def test_pages_do_not_overlap(client: httpx.AsyncClient):
    color, made = await make_widgets(client, 5)
    seen = []
    for offset in range(0, 5, 2):
        page = (
            await client.get("/api/v1/widgets", params={"color": color, "limit": 2, "offset": offset})
        ).json()
        seen += [item["id"] for item in page["data"]["items"]]
    assert sorted(seen) == sorted(w["id"] for w in made)


async def test_default_limit_comes_from_settings(client: httpx.AsyncClient, settings):
    color, _ = await make_widgets(client, settings.DEFAULT_PAGE_SIZE + 1)
    data = (await client.get("/api/v1/widgets", params={"color": color})).json()["data"]
    assert data["limit"] == settings.DEFAULT_PAGE_SIZE
    assert len(data["items"]) == settings.DEFAULT_PAGE_SIZE and data["has_more"] is True


async def test_pagination_with_limit_exceeding_max_uses_max_limit(make_client):
    small_app, small = await make_client(MAX_PAGE_SIZE=3)
    await mount_widgets(small_app)
    color, _ = await make_widgets(small, 4)
    data = (await small.get("/api/v1/widgets", params={"color": color, "limit": 100000})).json()["data"]
    assert data["limit"] == 3 and len(data["items"]) == 3 and data["has_more"] is True


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": "ten"}])
async def test_invalid_pagination_returns_422(client: httpx.AsyncClient, params):
    response = await client.get("/api/v1/widgets", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_sort_orders_results_and_rejects_unknown_fields(client: httpx.AsyncClient):
    color = f"c{uuid.uuid4().hex[:10]}"
    for name in ("b", "c", "a"):
        await client.post("/api/v1/widgets", json={"name": f"{name}-{color}", "color": color})
    asc = (await client.get("/api/v1/widgets", params={"color": color, "sort": "name"})).json()["data"][
        "items"
    ]
    desc = (await client.get("/api/v1/widgets", params={"color": color, "sort": "-name"})).json()["data"][
        "items"
    ]
    assert [w["name"][0] for w in asc] == ["a", "b", "c"]
    assert [w["name"][0] for w in desc] == ["c", "b", "a"]
    bad = await client.get("/api/v1/widgets", params={"sort": "owner_id"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "sort"


async def test_soft_deleted_rows_are_hidden_from_every_read(client: httpx.AsyncClient):
    color, (kept, gone) = await make_widgets(client, 2)
    assert (await client.delete(f"/api/v1/widgets/{gone['id']}")).status_code == 200
    listing = (await client.get("/api/v1/widgets", params={"color": color})).json()["data"]
    assert [w["id"] for w in listing["items"]] == [kept["id"]] and listing["total"] == 1
    assert (await client.get(f"/api/v1/widgets/{gone['id']}")).status_code == 404
    assert (await client.patch(f"/api/v1/widgets/{gone['id']}", json={"color": "x"})).status_code == 404
    assert (await client.delete(f"/api/v1/widgets/{gone['id']}")).status_code == 404
    with_deleted = await client.get("/api/v1/widgets", params={"color": color, "include_deleted": True})
    assert with_deleted.json()["data"]["total"] == 2


async def test_restore_brings_a_soft_deleted_row_back(client: httpx.AsyncClient):
    _, (widget,) = await make_widgets(client, 1)
    await client.delete(f"/api/v1/widgets/{widget['id']}")
    restored = await client.post(f"/api/v1/widgets/{widget['id']}/restore")
    assert restored.status_code == 200
    assert (await client.get(f"/api/v1/widgets/{widget['id']}")).status_code == 200


async def test_unique_constraint_ignores_soft_deleted_rows(client: httpx.AsyncClient):
    name = f"reuse-{uuid.uuid4().hex}"
    first = (await client.post("/api/v1/widgets", json={"name": name})).json()["data"]
    await client.delete(f"/api/v1/widgets/{first['id']}")
    assert (await client.post("/api/v1/widgets", json={"name": name})).status_code == 201


async def test_owner_scoped_read_answers_404_for_another_owner(client: httpx.AsyncClient):
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    _, (widget,) = await make_widgets(client, 1, owner_id=str(owner))
    mine = await client.get(f"/api/v1/widgets/{widget['id']}", params={"owner_id": str(owner)})
    assert mine.status_code == 200
    theirs = await client.get(f"/api/v1/widgets/{widget['id']}", params={"owner_id": str(stranger)})
    assert theirs.status_code == 404
    listing = (await client.get("/api/v1/widgets", params={"owner_id": str(stranger)})).json()["data"]
    assert listing["total"] == 0


async def test_request_that_fails_after_a_write_leaves_no_row(client: httpx.AsyncClient, app):
    name = f"ghost-{uuid.uuid4().hex}"
    response = await client.post("/api/v1/widgets/fail-after-write", json={"name": name})
    assert response.status_code == 409
    crashed = await client.post(
        "/api/v1/widgets/fail-after-write", params={"crash": True}, json={"name": name}
    )
    assert crashed.status_code == 500
    async with app.state.database.transaction() as session:
        assert await WidgetRepository(session).find_one(Widget.name == name, include_deleted=True) is None


async def test_timestamps_are_timezone_aware_utc(app):
    async with app.state.database.transaction() as session:
        widget = await WidgetRepository(session).create(name=f"tz-{uuid.uuid4().hex}")
        widget_id = widget.id
    async with app.state.database.transaction() as session:
        loaded = await WidgetRepository(session).get_or_404(widget_id)
        assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)
        items, total = await WidgetRepository(session).paginate(
            PageParams(limit=1, offset=0), filters=[Widget.id == widget_id]
        )
        assert total == 1 and items[0].id == widget_id
