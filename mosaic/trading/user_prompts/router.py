"""HTTP layer of custom prompts: the caller's own only; another user's id answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from mosaic.accounts.deps import CurrentUser
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.trading.user_prompts import service
from mosaic.trading.user_prompts.schemas import UserPromptIn, UserPromptOut, UserPromptUpdate

router = APIRouter(prefix="/user-prompts", tags=["user-prompts"])


@router.get(
    "",
    response_model=Envelope[Page[UserPromptOut]],
    summary="List my custom prompts",
    responses=error_responses(401),
)
async def list_user_prompts(
    session: SessionDep,
    page: Annotated[PageParams, service.UserPromptRepository.pagination],
    user: CurrentUser,
    prompt_id: Annotated[
        uuid.UUID | None, Query(description="Only custom prompts based on this prompt.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring of the title")] = None,
) -> Envelope[Page[UserPromptOut]]:
    rows, total = await service.list_user_prompts(session, user.id, page, prompt_id=prompt_id, q=q)
    return ok(
        page_of(UserPromptOut, rows, total, page),
        "Prompts retrieved successfully",
    )


@router.post(
    "",
    response_model=Envelope[UserPromptOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a custom prompt",
    responses=error_responses(401, 404),
)
async def create_user_prompt(
    body: UserPromptIn, session: SessionDep, user: CurrentUser
) -> Envelope[UserPromptOut]:
    row = await service.create_user_prompt(session, user.id, body)
    return created(UserPromptOut.model_validate(row), "Prompt created successfully")


@router.get(
    "/{user_prompt_id}",
    response_model=Envelope[UserPromptOut],
    summary="Get one of my custom prompts",
    responses=error_responses(401, 404),
)
async def get_user_prompt(
    user_prompt_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[UserPromptOut]:
    row = await service.get_user_prompt(session, user.id, user_prompt_id)
    return ok(UserPromptOut.model_validate(row), "Prompt retrieved successfully")


@router.put(
    "/{user_prompt_id}",
    response_model=Envelope[UserPromptOut],
    summary="Update one of my custom prompts",
    responses=error_responses(401, 404),
)
async def update_user_prompt(
    user_prompt_id: uuid.UUID, body: UserPromptUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[UserPromptOut]:
    row = await service.update_user_prompt(session, user.id, user_prompt_id, body)
    return ok(UserPromptOut.model_validate(row), "Prompt updated successfully")


@router.delete(
    "/{user_prompt_id}",
    response_model=Envelope[None],
    summary="Delete one of my custom prompts (soft delete)",
    responses=error_responses(401, 404),
)
async def delete_user_prompt(
    user_prompt_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[None]:
    await service.delete_user_prompt(session, user.id, user_prompt_id)
    return ok(None, "Prompt deleted successfully")
