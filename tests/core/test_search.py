"""Full-text search: FTS5 on SQLite, tsvector on PostgreSQL, through `Repository.search()`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import event, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mosaic.core.ddl import create_search_index, drop_search_index
from mosaic.core.search import SearchIndex, parse_query
from tests.core.conftest import fresh_engine
from tests.core.documents import DOCUMENTS_SEARCH, Document, DocumentBase, DocumentRepository

ROWS = 10_000
OWNER = uuid.uuid4()
FILLER = "the quarterly report covers revenue costs and the outlook for the next season"


def doc(title: str, body: str, *, owner_id: uuid.UUID | None = None, is_deleted: bool = False) -> dict:
    return {"id": uuid.uuid4(), "title": title, "body": body, "owner_id": owner_id, "is_deleted": is_deleted}


def create_schema(connection: Connection) -> None:
    DocumentBase.metadata.create_all(connection)
    create_search_index(Operations(MigrationContext.configure(connection)), DOCUMENTS_SEARCH)


@pytest.fixture(scope="module")
async def search_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """A database of its own with 10,000 documents; a handful mention rare words."""
    async with fresh_engine(tmp_path_factory.mktemp("search"), "search") as engine:
        async with engine.begin() as connection:
            await connection.run_sync(create_schema)
            rows = [doc(f"Report {i}", f"{FILLER} number {i}", owner_id=OWNER) for i in range(ROWS - 6)]
            rows += [
                doc("Zebrafish husbandry", "care of fish", owner_id=OWNER),
                doc("Aquarium notes", f"{FILLER} zebrafish", owner_id=OWNER),
                doc("Optimisation", "optimizer and optimal control"),
                doc("Café résumé", "Москва и Київ, 東京; 5 < 6 & tiger"),
                doc("Linear models", "a model that is linear"),
                doc("Deleted zebrafish", "zebrafish", is_deleted=True),
            ]
            await connection.execute(insert(Document), rows)
        yield engine


@pytest.fixture
async def session(search_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with async_sessionmaker(search_engine, expire_on_commit=False)() as db_session:
        yield db_session


async def titles(session: AsyncSession, query: str, **kwargs) -> list[str]:
    return [doc.title for doc, _ in await DocumentRepository(session).search(query, **kwargs)]


async def test_finds_a_word_in_10000_rows_ranked_with_a_snippet(session: AsyncSession):
    results = await DocumentRepository(session).search("zebrafish")
    # The title match ranks above the body match; the soft-deleted row is not found.
    assert [doc.title for doc, _ in results] == ["Zebrafish husbandry", "Aquarium notes"]
    (_, first), (_, second) = results
    assert first.score > second.score
    assert "<mark>Zebrafish</mark>" in first.snippet
    assert "<mark>zebrafish</mark>" in second.snippet


async def test_common_words_match_many_rows_and_limit_offset_page_them(session: AsyncSession):
    page_one = await DocumentRepository(session).search("quarterly revenue", limit=5)
    page_two = await DocumentRepository(session).search("quarterly revenue", limit=5, offset=5)
    assert len(page_one) == 5 and len(page_two) == 5
    assert not {d.id for d, _ in page_one} & {d.id for d, _ in page_two}
    assert all("<mark>" in hit.snippet for _, hit in page_one)


async def test_prefix_phrase_or_and_exclusion(session: AsyncSession):
    assert await titles(session, "optim*") == ["Optimisation"]
    assert await titles(session, '"linear models"') == ["Linear models"]
    assert await titles(session, '"models linear"') == []
    assert sorted(await titles(session, "husbandry OR aquarium")) == ["Aquarium notes", "Zebrafish husbandry"]
    assert await titles(session, "zebrafish -aquarium") == ["Zebrafish husbandry"]


async def test_filters_apply_to_search(session: AsyncSession):
    assert await titles(session, "zebrafish", owner_id=uuid.uuid4()) == []
    assert sorted(await titles(session, "zebrafish", include_deleted=True)) == [
        "Aquarium notes",
        "Deleted zebrafish",
        "Zebrafish husbandry",
    ]
    assert await titles(session, "optimisation", filters=[Document.owner_id == OWNER]) == []


async def test_non_english_text_and_snippets_are_escaped(session: AsyncSession):
    assert await titles(session, "café") == ["Café résumé"]
    assert await titles(session, "москва") == ["Café résumé"]
    assert await titles(session, "Київ") == ["Café résumé"]
    ((_, hit),) = await DocumentRepository(session).search("tiger")
    assert "<mark>tiger</mark>" in hit.snippet
    assert "&lt; 6 &amp;" in hit.snippet and "< 6" not in hit.snippet


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"""',
        "*",
        "-",
        "- zebrafish",
        "OR",
        "AND OR NOT",
        "NEAR(a b)",
        "title:zebrafish",
        "zebra* *fish",
        "(((",
        "a & b | !c <-> d:*",
        "'; DROP TABLE test_documents; --",
        "\\",
        "\x00zebrafish",
        "x" * 5000,
        "zebrafish " * 100,
        "🦓🐟",
    ],
)
async def test_odd_queries_never_fail(session: AsyncSession, query: str):
    results = await DocumentRepository(session).search(query)
    assert isinstance(results, list)


async def test_odd_queries_keep_their_words(session: AsyncSession):
    assert await titles(session, "zebrafish, (husbandry)!") == ["Zebrafish husbandry"]
    assert await titles(session, "zebrafish:husbandry") == ["Zebrafish husbandry"]  # one token: a phrase
    assert await titles(session, '"zebrafish husbandry') == ["Zebrafish husbandry"]  # unclosed quote
    assert await titles(session, "-zebrafish") == []  # only exclusions: nothing, not everything


async def test_updates_and_deletes_keep_the_index_in_sync(session: AsyncSession):
    repo = DocumentRepository(session)
    doc = await repo.create(title="Narwhal", body="tusks")
    await session.commit()
    assert await titles(session, "narwhal") == ["Narwhal"]
    await session.execute(update(Document).where(Document.id == doc.id).values(title="Walrus"))
    await session.commit()
    assert await titles(session, "narwhal") == [] and await titles(session, "walrus") == ["Walrus"]
    await repo.delete(doc)
    await session.commit()
    assert await titles(session, "walrus") == []


def test_parse_query_renders_only_quoted_words():
    parsed = parse_query('optim* "linear model" -noise a OR b c:d')
    assert parsed.fts5() == '("optim" * AND "linear model" AND ("a" OR "b") AND "c d") NOT ("noise")'
    assert parsed.tsquery() == "'optim':* & ('linear' <-> 'model') & ('a' | 'b') & ('c' <-> 'd') & !'noise'"
    assert not parse_query("!!! ... ***")


def test_search_index_rejects_unsafe_names():
    with pytest.raises(ValueError, match="identifiers"):
        SearchIndex("notes; drop", {"title": 1.0})
    with pytest.raises(ValueError, match="identifiers"):
        SearchIndex("notes", {"title": 1.0}, language="english'")
    with pytest.raises(ValueError, match="positive"):
        SearchIndex("notes", {"title": 0.0})


async def test_drop_search_index_removes_its_objects(tmp_path: Path):
    async with fresh_engine(tmp_path, "searchdrop") as engine:
        async with engine.begin() as connection:
            await connection.run_sync(create_schema)
            await connection.run_sync(
                lambda c: drop_search_index(Operations(MigrationContext.configure(c)), DOCUMENTS_SEARCH)
            )
            names = await connection.run_sync(
                lambda c: {
                    *c.dialect.get_table_names(c),
                    *(col["name"] for col in c.dialect.get_columns(c, "test_documents")),
                }
            )
        assert not names & DOCUMENTS_SEARCH.database_objects()


class TitleSortedDocuments(DocumentRepository):
    sortable = frozenset({"title"})


async def test_count_covers_every_page_under_the_same_conditions(session: AsyncSession):
    repo = DocumentRepository(session)
    assert await repo.search_count("zebrafish") == 2  # the soft-deleted one is not counted
    assert await repo.search_count("zebrafish", include_deleted=True) == 3
    assert (
        await repo.search_count("zebrafish", owner_id=OWNER, filters=[Document.title != "Aquarium notes"])
        == 1
    )
    assert await repo.search_count("quarterly revenue") == ROWS - 6 + 1  # the filler rows and the aquarium
    assert await repo.search_count("!!! ---") == 0


async def test_sort_orders_the_matches_by_a_column_with_the_same_scores_and_snippets(session: AsyncSession):
    repo = TitleSortedDocuments(session)
    ranked = await repo.search("zebrafish")
    by_title = await repo.search("zebrafish", sort="title")
    reverse = await repo.search("zebrafish", sort="-title")
    assert [d.title for d, _ in ranked] == ["Zebrafish husbandry", "Aquarium notes"]
    assert [d.title for d, _ in by_title] == ["Aquarium notes", "Zebrafish husbandry"]
    assert [d.title for d, _ in reverse] == ["Zebrafish husbandry", "Aquarium notes"]
    assert {d.id: hit for d, hit in by_title} == {d.id: hit for d, hit in ranked}
    paged = await repo.search("quarterly revenue", sort="title", limit=3, offset=1)
    titles_sorted = [d.title for d, _ in await repo.search("quarterly revenue", sort="title", limit=4)]
    assert [d.title for d, _ in paged] == titles_sorted[1:]


async def test_search_page_answers_the_rows_hits_and_total_in_one_query(session: AsyncSession):
    repo = TitleSortedDocuments(session)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sync_engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(sync_engine, "before_cursor_execute", record)
    try:
        page, total = await repo.search_page("quarterly revenue", limit=5, offset=5)
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)
    assert len(statements) == 1  # no second SELECT ... IN, no separate count
    assert total == ROWS - 6 + 1 and len(page) == 5
    assert [(d.id, hit) for d, hit in page] == [
        (d.id, hit) for d, hit in await repo.search("quarterly revenue", limit=5, offset=5)
    ]
    # The same filters, sort, ownership and soft delete as search() and search_count().
    ranked, ranked_total = await repo.search_page("zebrafish")
    assert [d.title for d, _ in ranked] == ["Zebrafish husbandry", "Aquarium notes"] and ranked_total == 2
    by_title, _ = await repo.search_page("zebrafish", sort="title")
    assert [d.title for d, _ in by_title] == ["Aquarium notes", "Zebrafish husbandry"]
    assert {d.id: hit for d, hit in by_title} == {d.id: hit for d, hit in ranked}
    assert (await repo.search_page("zebrafish", include_deleted=True))[1] == 3
    mine, mine_total = await repo.search_page(
        "zebrafish", owner_id=OWNER, filters=[Document.title != "Aquarium notes"]
    )
    assert [d.title for d, _ in mine] == ["Zebrafish husbandry"] and mine_total == 1
    assert "<mark>" in ranked[0][1].snippet.lower()
    # Past the last match the page is empty and the total still counts every match.
    assert await repo.search_page("zebrafish", offset=10) == ([], 2)
    assert await repo.search_page("no such word anywhere") == ([], 0)
    assert await repo.search_page("!!! ---") == ([], 0)
