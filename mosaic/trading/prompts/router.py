"""HTTP layer of prompts: any user reads public templates and their own prompts; template writes
need `prompts:write`/`delete`; a user writes their private prompts under `/prompts/mine`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from mosaic.accounts.deps import CurrentPrincipal, CurrentUser, Principal, require_permission
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams
from mosaic.core.params import QueryFlag
from mosaic.trading.prompts import service
from mosaic.trading.prompts.schemas import (
    CATEGORY_PATTERN,
    PrivatePromptIn,
    PrivatePromptUpdate,
    PromptIn,
    PromptOut,
    PromptUpdate,
)

router = APIRouter(prefix="/prompts", tags=["prompts"])

Writer = Annotated[Principal, Depends(require_permission("prompts", "write"))]
Deleter = Annotated[Principal, Depends(require_permission("prompts", "delete"))]


@router.get(
    "",
    response_model=Envelope[Page[PromptOut]],
    summary="List prompts",
    description="Public templates and the caller's own private prompts (`mine=true`: only their own).",
    responses=error_responses(401),
)
async def list_prompts(
    session: SessionDep,
    page: Annotated[PageParams, service.PromptRepository.pagination],
    principal: CurrentPrincipal,
    category: Annotated[str | None, Query(pattern=CATEGORY_PATTERN)] = None,
    is_public: QueryFlag | None = None,
    mine: QueryFlag = False,
    q: Annotated[str | None, Query(max_length=200, description="Substring of the title")] = None,
) -> Envelope[Page[PromptOut]]:
    items, total = await service.list_prompts(
        session, principal.user.id, page, category=category, is_public=is_public, mine=mine, q=q
    )
    return ok(
        Page[PromptOut].build([PromptOut.model_validate(p) for p in items], total, page),
        "Prompts retrieved successfully",
    )


@router.post(
    "/mine",
    response_model=Envelope[PromptOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a private prompt of my own",
    responses=error_responses(401),
)
async def create_private_prompt(
    body: PrivatePromptIn, session: SessionDep, user: CurrentUser
) -> Envelope[PromptOut]:
    prompt = await service.create_private(session, user.id, body)
    return created(PromptOut.model_validate(prompt), "Prompt created successfully")


@router.put(
    "/mine/{prompt_id}",
    response_model=Envelope[PromptOut],
    summary="Update a private prompt of my own",
    responses=error_responses(401, 404),
)
async def update_private_prompt(
    prompt_id: uuid.UUID, body: PrivatePromptUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[PromptOut]:
    prompt = await service.update_private(session, user.id, prompt_id, body)
    return ok(PromptOut.model_validate(prompt), "Prompt updated successfully")


@router.delete(
    "/mine/{prompt_id}",
    response_model=Envelope[None],
    summary="Delete a private prompt of my own (soft delete)",
    responses=error_responses(401, 404),
)
async def delete_private_prompt(
    prompt_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[None]:
    await service.delete_private(session, user.id, prompt_id)
    return ok(None, "Prompt deleted successfully")


@router.get(
    "/{prompt_id}",
    response_model=Envelope[PromptOut],
    summary="Get a prompt",
    responses=error_responses(401, 404),
)
async def get_prompt(
    prompt_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[PromptOut]:
    prompt = await service.visible_prompt(session, principal.user.id, prompt_id)
    return ok(PromptOut.model_validate(prompt), "Prompt retrieved successfully")


@router.post(
    "",
    response_model=Envelope[PromptOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a prompt template (admin)",
    responses=error_responses(401, 403),
)
async def create_template(body: PromptIn, session: SessionDep, principal: Writer) -> Envelope[PromptOut]:
    prompt = await service.create_template(session, principal.user.id, body)
    return created(PromptOut.model_validate(prompt), "Prompt created successfully")


@router.put(
    "/{prompt_id}",
    response_model=Envelope[PromptOut],
    summary="Update a prompt template (admin)",
    responses=error_responses(401, 403, 404),
)
async def update_template(
    prompt_id: uuid.UUID, body: PromptUpdate, session: SessionDep, principal: Writer
) -> Envelope[PromptOut]:
    prompt = await service.update_template(session, principal.user.id, prompt_id, body)
    return ok(PromptOut.model_validate(prompt), "Prompt updated successfully")


@router.delete(
    "/{prompt_id}",
    response_model=Envelope[None],
    summary="Delete a prompt template (admin, soft delete)",
    responses=error_responses(401, 403, 404),
)
async def delete_template(prompt_id: uuid.UUID, session: SessionDep, principal: Deleter) -> Envelope[None]:
    await service.delete_template(session, principal.user.id, prompt_id)
    return ok(None, "Prompt deleted successfully")
