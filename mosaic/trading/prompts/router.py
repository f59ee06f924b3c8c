"""HTTP layer of prompts: any user reads public templates and their own prompts; template writes
need `prompts:write`/`delete`; a user writes their private prompts under `/prompts/mine`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from mosaic.accounts.deps import CurrentPrincipal, CurrentUser, Principal, require_permission
from mosaic.core.cache import cache_key, cached_model, entity_tag, request_cache
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
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
    request: Request,
    category: Annotated[
        str | None, Query(pattern=CATEGORY_PATTERN, description="Only prompts of this category.")
    ] = None,
    is_public: Annotated[
        QueryFlag | None, Query(description="Only public templates (`true`) or only private prompts.")
    ] = None,
    mine: Annotated[QueryFlag, Query(description="Only the caller's own private prompts.")] = False,
    q: Annotated[str | None, Query(max_length=200, description="Substring of the title")] = None,
) -> Envelope[Page[PromptOut]]:
    # Cached per caller (their private prompts are in it); any write to a prompt invalidates it.
    user_id = principal.user.id
    filters: dict[str, Any] = {"category": category, "is_public": is_public, "mine": mine, "q": q}

    async def load() -> Page[PromptOut]:
        items, total = await service.list_prompts(session, user_id, page, **filters)
        return page_of(PromptOut, items, total, page)

    key = cache_key("prompts", "list", {**filters, "page": page}, user_id=user_id)
    data = await cached_model(
        request_cache(request), key, load, Page[PromptOut], tags=["prompts"], session=session
    )
    return ok(data, "Prompts retrieved successfully")


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
    prompt_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> Envelope[PromptOut]:
    user_id = principal.user.id

    async def load() -> PromptOut:
        return PromptOut.model_validate(await service.visible_prompt(session, user_id, prompt_id))

    key = cache_key("prompts", "get", {"id": prompt_id}, user_id=user_id)
    tags = [entity_tag("prompts", prompt_id)]
    data = await cached_model(request_cache(request), key, load, PromptOut, tags=tags, session=session)
    return ok(data, "Prompt retrieved successfully")


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
