"""Notes through the HTTP API (SQLite, and PostgreSQL in the services run): CRUD, search, tags, counts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from mosaic.study.notes.schemas import MAX_CONTENT_CHARS, MAX_TAGS
from tests.accounts.conftest import Account

NOTES = "/api/v1/notes"


def word() -> str:
    """A word no other test's note contains (letters only: one token for both engines)."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


async def create(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    response = await client.post(NOTES, json={"title": "A note", **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def listing(client: httpx.AsyncClient, account: Account, **params: Any) -> dict[str, Any]:
    response = await client.get(NOTES, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def titles(page: dict[str, Any]) -> list[str]:
    return [item["title"] for item in page["items"]]


# -- CRUD -----------------------------------------------------------------------------------------
async def test_create_normalises_tags_and_category_and_reads_back(client, user_a):
    note = await create(
        client,
        user_a,
        title="Photosynthesis",
        content="# Light\n\n**Chlorophyll** absorbs light.",
        tags=[" Biology ", "exam  1", "biology"],
        category="  Life   sciences ",
    )
    assert note["tags"] == ["biology", "exam 1"] and note["category"] == "Life sciences"
    fetched = await client.get(f"{NOTES}/{note['id']}", headers=user_a.headers)
    assert fetched.status_code == 200
    assert fetched.json()["data"] == note


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"title": ""}, "title", id="empty-title"),
        pytest.param(
            {"title": "t", "content": "x" * (MAX_CONTENT_CHARS + 1)}, "content", id="content-over-cap"
        ),
        pytest.param(
            {"title": "t", "tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, "tags", id="too-many-tags"
        ),
        pytest.param({"title": "t", "tags": ["   "]}, "tags", id="blank-tag"),
        pytest.param({"title": "t", "tags": ["x" * 51]}, "tags", id="long-tag"),
        pytest.param({"title": "t", "category": "  "}, "category", id="blank-category"),
        pytest.param({"title": "t", "user_id": str(uuid.uuid4())}, "user_id", id="owner-in-body"),
    ],
)
async def test_invalid_notes_are_422_and_store_nothing(client, user_a, body, field):
    response = await client.post(NOTES, json=body, headers=user_a.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"].startswith(field)
    assert (await listing(client, user_a))["total"] == 0


async def test_content_at_the_cap_is_accepted_and_searchable(client, user_a):
    marker = word()
    content = (f"{marker} " + "lorem ipsum dolor sit amet " * 4000)[:MAX_CONTENT_CHARS]
    assert len(content) == MAX_CONTENT_CHARS
    await create(client, user_a, title="Long", content=content)
    assert titles(await listing(client, user_a, q=marker)) == ["Long"]


async def test_notes_require_authentication(client):
    assert (await client.get(NOTES)).status_code == 401
    assert (await client.post(NOTES, json={"title": "x"})).status_code == 401


async def test_another_users_note_is_404_for_read_update_and_delete(client, user_a, user_b):
    note = await create(client, user_a, title="Mine", tags=["private"])
    url = f"{NOTES}/{note['id']}"
    for response in (
        await client.get(url, headers=user_b.headers),
        await client.put(url, json={"title": "Stolen"}, headers=user_b.headers),
        await client.delete(url, headers=user_b.headers),
    ):
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    assert (await client.get(url, headers=user_a.headers)).json()["data"]["title"] == "Mine"
    # Nor does it show in B's lists, searches or counts.
    assert (await listing(client, user_b, q="Mine"))["total"] == 0
    assert (await client.get(f"{NOTES}/tags", headers=user_b.headers)).json()["data"] == []
    random_id = await client.get(f"{NOTES}/{uuid.uuid4()}", headers=user_a.headers)
    assert random_id.status_code == 404


async def test_put_is_partial_null_clears_category_and_tags_replace(client, user_a):
    note = await create(client, user_a, title="Cells", content="body", tags=["a", "b"], category="Bio")
    url = f"{NOTES}/{note['id']}"
    response = await client.put(url, json={"tags": ["b", "c"], "title": None}, headers=user_a.headers)
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["tags"] == ["b", "c"] and updated["title"] == "Cells" and updated["content"] == "body"
    assert updated["category"] == "Bio" and updated["updated_at"] > note["updated_at"]
    cleared = (await client.put(url, json={"category": None}, headers=user_a.headers)).json()["data"]
    assert cleared["category"] is None and cleared["tags"] == ["b", "c"]
    counts = (await client.get(f"{NOTES}/tags", headers=user_a.headers)).json()["data"]
    assert counts == [{"tag": "b", "count": 1}, {"tag": "c", "count": 1}]


async def test_put_content_is_searchable_under_the_new_words_only(client, user_a):
    old, new = word(), word()
    note = await create(client, user_a, title="Draft", content=f"first {old}")
    await client.put(f"{NOTES}/{note['id']}", json={"content": f"second {new}"}, headers=user_a.headers)
    assert (await listing(client, user_a, q=old))["total"] == 0
    assert titles(await listing(client, user_a, q=new)) == ["Draft"]


async def test_delete_is_soft_and_hides_the_note_everywhere(client, app, user_a):
    marker = word()
    note = await create(client, user_a, title=marker, tags=["gone"], category="Old")
    url = f"{NOTES}/{note['id']}"
    assert (await client.delete(url, headers=user_a.headers)).status_code == 200
    assert (await client.get(url, headers=user_a.headers)).status_code == 404
    assert (await client.delete(url, headers=user_a.headers)).status_code == 404
    assert (await listing(client, user_a))["total"] == 0
    assert (await listing(client, user_a, q=marker))["total"] == 0
    assert (await client.get(f"{NOTES}/tags", headers=user_a.headers)).json()["data"] == []
    assert (await client.get(f"{NOTES}/categories", headers=user_a.headers)).json()["data"] == []
    from mosaic.study.notes.models import Note

    async with app.state.database.transaction() as session:
        row = await session.get(Note, uuid.UUID(note["id"]))
        assert row is not None and row.is_deleted and row.deleted_at is not None


# -- listing and search ---------------------------------------------------------------------------
async def test_list_sorts_by_date_by_default_and_by_title_on_request(client, user_a):
    for title in ("Bravo", "Alpha", "Charlie"):
        await create(client, user_a, title=title)
    assert titles(await listing(client, user_a)) == ["Charlie", "Alpha", "Bravo"]  # newest change first
    assert titles(await listing(client, user_a, sort="title")) == ["Alpha", "Bravo", "Charlie"]
    assert titles(await listing(client, user_a, sort="relevance")) == ["Charlie", "Alpha", "Bravo"]
    bad = await client.get(NOTES, params={"sort": "content"}, headers=user_a.headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "sort"


async def test_search_ranks_a_title_match_above_a_body_match_with_snippets(client, user_a):
    term = word()
    await create(client, user_a, title="Body mention", content=f"the cell uses {term} for energy")
    await create(client, user_a, title=f"About {term}", content="the powerhouse of the cell")
    await create(client, user_a, title="Unrelated", content="nothing here")
    page = await listing(client, user_a, q=term)
    assert titles(page) == [f"About {term}", "Body mention"] and page["total"] == 2
    first, second = page["items"]
    assert first["score"] > second["score"]
    assert f"<mark>{term}</mark>" in first["snippet"] and f"<mark>{term}</mark>" in second["snippet"]
    plain = await listing(client, user_a)
    assert all(item["score"] is None and item["snippet"] is None for item in plain["items"])


async def test_search_snippets_are_html_escaped(client, user_a):
    term = word()
    await create(client, user_a, title="Markup", content=f"<script>alert(1)</script> {term}")
    (item,) = (await listing(client, user_a, q=term))["items"]
    # Escaped on SQLite; PostgreSQL's headline drops markup tokens: either way only <mark> is markup.
    assert "<" not in item["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert "alert(1)" in item["snippet"]


async def test_search_handles_phrases_prefixes_exclusions_and_odd_input(client, user_a):
    tag = word()
    await create(client, user_a, title="Krebs", content=f"the krebs cycle {tag}")
    await create(client, user_a, title="Reversed", content=f"a cycle named after krebs {tag}")
    await create(client, user_a, title="Photosynthesis notes", content=f"light reactions {tag}")
    assert titles(await listing(client, user_a, q=f'"krebs cycle" {tag}')) == ["Krebs"]
    assert set(titles(await listing(client, user_a, q=f"krebs {tag}"))) == {"Krebs", "Reversed"}
    assert titles(await listing(client, user_a, q=f"photosynth* {tag}")) == ["Photosynthesis notes"]
    assert titles(await listing(client, user_a, q=f"krebs -reversed -named {tag}")) == ["Krebs"]
    # Unbalanced quotes, engine operators and punctuation are never an error.
    for odd in ['"krebs', "krebs AND (", "NEAR(krebs cycle)", "*", "'; DROP TABLE notes; --", '"" OR']:
        response = await client.get(NOTES, params={"q": odd}, headers=user_a.headers)
        assert response.status_code == 200, (odd, response.text)
    # An unclosed quote is a phrase to the end: "cycle <tag>" is adjacent in one note only.
    assert titles(await listing(client, user_a, q=f'"cycle {tag}')) == ["Krebs"]


async def test_search_handles_non_english_text(client, user_a):
    await create(client, user_a, title="Фотосинтез", content="Хлорофилл поглощает свет")
    await create(client, user_a, title="Ελληνικά", content="η φωτοσύνθεση στα φύλλα")
    await create(client, user_a, title="Deutsch", content="Die Straße zur Zellatmung")
    assert titles(await listing(client, user_a, q="хлорофилл")) == ["Фотосинтез"]
    assert titles(await listing(client, user_a, q="Фотосинтез")) == ["Фотосинтез"]
    assert titles(await listing(client, user_a, q="φωτοσύνθεση")) == ["Ελληνικά"]
    assert titles(await listing(client, user_a, q="zellatm*")) == ["Deutsch"]
    assert titles(await listing(client, user_a, q="straße")) == ["Deutsch"]


async def test_search_pages_carry_the_total_and_sort_by_date_on_request(client, user_a):
    term = word()
    for title in ("First", "Second", "Third"):
        await create(client, user_a, title=title, content=f"{term} appears once")
    page_one = await listing(client, user_a, q=term, limit=2)
    page_two = await listing(client, user_a, q=term, limit=2, offset=2)
    assert page_one["total"] == page_two["total"] == 3
    assert page_one["has_more"] is True and page_two["has_more"] is False
    assert len(page_one["items"]) == 2 and len(page_two["items"]) == 1
    assert not set(titles(page_one)) & set(titles(page_two))
    newest = await listing(client, user_a, q=term, sort="-created_at")
    assert titles(newest) == ["Third", "Second", "First"]
    oldest = await listing(client, user_a, q=term, sort="created_at")
    assert titles(oldest) == ["First", "Second", "Third"]
    beyond = await listing(client, user_a, q=term, offset=10)
    assert beyond["items"] == [] and beyond["total"] == 3


async def test_tags_filter_is_all_of_and_combines_with_category_and_search(client, user_a):
    term = word()
    await create(client, user_a, title="AB", content=term, tags=["alpha", "beta"], category="One")
    await create(client, user_a, title="A", content="other", tags=["alpha"], category="One")
    await create(client, user_a, title="BC", content=term, tags=["beta", "gamma"], category="Two")
    assert titles(await listing(client, user_a, tags=["alpha", "beta"])) == ["AB"]
    assert set(titles(await listing(client, user_a, tags="alpha"))) == {"AB", "A"}
    assert set(titles(await listing(client, user_a, tags=["ALPHA "]))) == {"AB", "A"}  # normalised
    assert titles(await listing(client, user_a, tags=["alpha", "gamma"])) == []
    assert titles(await listing(client, user_a, tags=["missing"])) == []
    assert titles(await listing(client, user_a, tags="beta", category="Two")) == ["BC"]
    assert set(titles(await listing(client, user_a, q=term))) == {"AB", "BC"}
    assert titles(await listing(client, user_a, q=term, tags="alpha")) == ["AB"]
    assert titles(await listing(client, user_a, q=term, category="Two")) == ["BC"]


async def test_tag_and_category_counts(client, user_a):
    await create(client, user_a, title="1", tags=["alpha", "beta"], category="Biology")
    await create(client, user_a, title="2", tags=["alpha"], category="Biology")
    await create(client, user_a, title="3", tags=["alpha", "gamma"], category="Chemistry")
    await create(client, user_a, title="4")
    tags = (await client.get(f"{NOTES}/tags", headers=user_a.headers)).json()["data"]
    assert tags == [{"tag": "alpha", "count": 3}, {"tag": "beta", "count": 1}, {"tag": "gamma", "count": 1}]
    categories = (await client.get(f"{NOTES}/categories", headers=user_a.headers)).json()["data"]
    assert categories == [{"category": "Biology", "count": 2}, {"category": "Chemistry", "count": 1}]
