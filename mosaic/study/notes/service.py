"""Notes: owner-scoped CRUD, full-text search through the core index, tag and category counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from markdown_it import MarkdownIt
from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Owned, put_values
from mosaic.core.database import utcnow
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.core.search import SearchHit
from mosaic.study.notes.models import NOTES_SEARCH, Note, NoteTag
from mosaic.study.notes.schemas import (
    CategoryCount,
    NoteIn,
    NoteListItem,
    NoteUpdate,
    TagCount,
    tag_key,
)

RELEVANCE = "relevance"
MAX_COUNTS = 1000  # tags or categories listed at most, the most used first
_MAX_SQL_OFFSET = 2**63 - 1
_MARKDOWN = MarkdownIt("commonmark")
_SENTENCE_END = (".", "!", "?", ":", ";")


class NoteRepository(Repository[Note]):
    model = Note
    label = "Note"
    owner_field = "user_id"
    # `relevance` is the search rank (the default with `q`), never a column: `list_notes` strips it.
    sortable = frozenset({"created_at", "updated_at", "title", RELEVANCE})
    default_sort = "-updated_at"
    search_index = NOTES_SEARCH


def _owned(session: AsyncSession, user_id: uuid.UUID) -> Owned[Note]:
    return Owned(NoteRepository(session), user_id)


def _filters(tags: Sequence[str], category: str | None) -> list[ColumnElement[bool]]:
    """All of `tags` (one indexed EXISTS per tag, on the (note_id, tag) key), and the category."""
    wanted = dict.fromkeys(tag_key(tag) for tag in tags)  # a tag no note can have matches nothing
    clauses: list[ColumnElement[bool]] = [
        exists().where(NoteTag.note_id == Note.id, NoteTag.tag == tag) for tag in wanted if tag
    ]
    if category is not None:
        clauses.append(Note.category == " ".join(category.split()))
    return clauses


async def create_note(session: AsyncSession, user_id: uuid.UUID, data: NoteIn) -> Note:
    return await _owned(session, user_id).create(
        title=data.title,
        content=data.content,
        category=data.category,
        tag_rows=[NoteTag(tag=tag) for tag in data.tags],
    )


async def list_notes(
    session: AsyncSession,
    user_id: uuid.UUID,
    page: PageParams,
    *,
    q: str | None = None,
    tags: Sequence[str] = (),
    category: str | None = None,
) -> tuple[list[NoteListItem], int]:
    """With `q`: full-text matches, best first (or by the date `sort`), each with score and snippet.

    Without: the owner's notes by `sort` (newest change first). `sort=relevance` is the default
    with `q` and means the default order without.
    """
    filters = _filters(tags, category)
    sort = ",".join(f for f in (page.sort or "").split(",") if f and f.removeprefix("-") != RELEVANCE) or None
    repo = NoteRepository(session)
    if q is None or not q.strip():
        rows, total = await _owned(session, user_id).list(
            PageParams(page.limit, page.offset, sort), filters=filters
        )
        return [NoteListItem.model_validate(row) for row in rows], total
    found: list[tuple[Note, SearchHit]]
    if page.offset > _MAX_SQL_OFFSET:  # no database takes it, and no page is there
        found, total = [], await repo.search_count(q, owner_id=user_id, filters=filters)
    else:
        # One ranked query: the page's notes, their hits and the total (tags: one more, selectin).
        found, total = await repo.search_page(
            q, owner_id=user_id, filters=filters, limit=page.limit, offset=page.offset, sort=sort
        )
    items = [
        NoteListItem.model_validate(row).model_copy(update={"score": hit.score, "snippet": hit.snippet})
        for row, hit in found
    ]
    return items, total


async def get_note(session: AsyncSession, user_id: uuid.UUID, note_id: uuid.UUID) -> Note:
    return await _owned(session, user_id).get(note_id)


async def update_note(
    session: AsyncSession, user_id: uuid.UUID, note_id: uuid.UUID, data: NoteUpdate
) -> Note:
    owned = _owned(session, user_id)
    row = await owned.get(note_id)
    values = put_values(data, Note, exclude={"tags"})
    if data.tags is not None and set(data.tags) != set(row.tags):
        kept = {tag_row.tag: tag_row for tag_row in row.tag_rows}
        row.tag_rows = [kept.get(tag) or NoteTag(tag=tag) for tag in data.tags]
        values["updated_at"] = utcnow()  # a tag change is a change of the note
    return await owned.update(row, values)


async def delete_note(session: AsyncSession, user_id: uuid.UUID, note_id: uuid.UUID) -> None:
    await _owned(session, user_id).delete(note_id)


async def tag_counts(session: AsyncSession, user_id: uuid.UUID) -> list[TagCount]:
    """Each tag of the owner's live notes with how many notes carry it, the most used first."""
    count = func.count().label("count")
    statement = (
        select(NoteTag.tag, count)
        .join(Note, Note.id == NoteTag.note_id)
        .where(*NoteRepository(session).conditions(owner_id=user_id))
        .group_by(NoteTag.tag)
        .order_by(count.desc(), NoteTag.tag)
        .limit(MAX_COUNTS)
    )
    return [TagCount(tag=tag, count=n) for tag, n in (await session.execute(statement)).all()]


async def category_counts(session: AsyncSession, user_id: uuid.UUID) -> list[CategoryCount]:
    count = func.count().label("count")
    conditions = NoteRepository(session).conditions(owner_id=user_id, filters=[Note.category.is_not(None)])
    statement = (
        select(Note.category, count)
        .where(*conditions)
        .group_by(Note.category)
        .order_by(count.desc(), Note.category)
        .limit(MAX_COUNTS)
    )
    return [
        CategoryCount(category=str(name), count=n) for name, n in (await session.execute(statement)).all()
    ]


def plain_text(markdown: str) -> str:
    """A note's Markdown as prose for the question generator: inline text of every block, without
    markup (`**`, links, headings' `#`), a heading or list item closed as its own sentence; code
    blocks left out (they make no questions)."""
    blocks: list[str] = []
    for token in _MARKDOWN.parse(markdown):
        if token.type != "inline" or not token.children:
            continue
        text = "".join(
            " " if child.type in ("softbreak", "hardbreak") else child.content
            for child in token.children
            if child.type in ("text", "code_inline", "softbreak", "hardbreak")
        ).strip()
        if text:
            blocks.append(text if text.endswith(_SENTENCE_END) else f"{text}.")
    return "\n".join(blocks)
