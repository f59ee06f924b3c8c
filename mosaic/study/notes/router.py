"""HTTP layer of notes: the caller's own only; another user's id answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from mosaic.accounts.deps import CurrentUser
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.core.search import MAX_QUERY_CHARS
from mosaic.study.notes import service
from mosaic.study.notes.schemas import (
    MAX_TAGS,
    CategoryCount,
    NoteIn,
    NoteListItem,
    NoteOut,
    NoteUpdate,
    TagCount,
)

router = APIRouter(prefix="/notes", tags=["notes"])


@router.get(
    "",
    response_model=Envelope[Page[NoteListItem]],
    summary="List or search my notes",
    responses=error_responses(401),
)
async def list_notes(
    session: SessionDep,
    page: Annotated[PageParams, service.NoteRepository.pagination],
    user: CurrentUser,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_CHARS,
            description=(
                'Full-text search: all words must match; `"a phrase"`, `prefix*`, `-exclude`, `a OR b`. '
                "Results carry a score and a highlighted snippet; a title match ranks above a body match."
            ),
            examples=["photosynth* -exam"],
        ),
    ] = None,
    tags: Annotated[
        list[str],
        Query(
            max_length=MAX_TAGS,
            description="Only notes carrying every one of these tags (repeat the parameter).",
        ),
    ] = [],  # noqa: B006 - FastAPI copies the default per request
    category: Annotated[
        str | None, Query(max_length=100, description="Only notes in this category (exact).")
    ] = None,
) -> Envelope[Page[NoteListItem]]:
    items, total = await service.list_notes(session, user.id, page, q=q, tags=tags, category=category)
    return ok(page_of(NoteListItem, items, total, page, lambda item: item), "Notes retrieved successfully")


@router.get(
    "/tags",
    response_model=Envelope[list[TagCount]],
    summary="My tags with how many notes carry each",
    responses=error_responses(401),
)
async def list_tags(session: SessionDep, user: CurrentUser) -> Envelope[list[TagCount]]:
    return ok(await service.tag_counts(session, user.id), "Tags retrieved successfully")


@router.get(
    "/categories",
    response_model=Envelope[list[CategoryCount]],
    summary="My categories with how many notes each holds",
    responses=error_responses(401),
)
async def list_categories(session: SessionDep, user: CurrentUser) -> Envelope[list[CategoryCount]]:
    return ok(await service.category_counts(session, user.id), "Categories retrieved successfully")


@router.post(
    "",
    response_model=Envelope[NoteOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a note",
    responses=error_responses(401),
)
async def create_note(body: NoteIn, session: SessionDep, user: CurrentUser) -> Envelope[NoteOut]:
    row = await service.create_note(session, user.id, body)
    return created(NoteOut.model_validate(row), "Note created successfully")


@router.get(
    "/{note_id}",
    response_model=Envelope[NoteOut],
    summary="Get one of my notes",
    responses=error_responses(401, 404),
)
async def get_note(note_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[NoteOut]:
    row = await service.get_note(session, user.id, note_id)
    return ok(NoteOut.model_validate(row), "Note retrieved successfully")


@router.put(
    "/{note_id}",
    response_model=Envelope[NoteOut],
    summary="Update one of my notes",
    responses=error_responses(401, 404),
)
async def update_note(
    note_id: uuid.UUID, body: NoteUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[NoteOut]:
    row = await service.update_note(session, user.id, note_id, body)
    return ok(NoteOut.model_validate(row), "Note updated successfully")


@router.delete(
    "/{note_id}",
    response_model=Envelope[None],
    summary="Delete one of my notes (soft delete)",
    responses=error_responses(401, 404),
)
async def delete_note(note_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[None]:
    await service.delete_note(session, user.id, note_id)
    return ok(None, "Note deleted successfully")
