"""HTTP layer of the agent catalogue: any user reads active entries; writes need `agents:write`/`delete`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from mosaic.accounts.deps import CurrentPrincipal, require_permission
from mosaic.core.cache import cache_key, cached_model, entity_tag, request_cache
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import ActiveFilter, IncludeDeleted, Page, PageParams, page_of
from mosaic.trading.agents import service
from mosaic.trading.agents.schemas import AgentIn, AgentOut, AgentProvider, AgentUpdate

router = APIRouter(prefix="/agents", tags=["agents"])

# Admin view: inactive and soft-deleted entries too.
MANAGE = "agents:read"


@router.get(
    "",
    response_model=Envelope[Page[AgentOut]],
    summary="List agents",
    description="Traders see active agents; holders of `agents:read` may filter by `is_active` "
    "and list soft-deleted ones with `include_deleted=true`.",
    responses=error_responses(401),
)
async def list_agents(
    session: SessionDep,
    page: Annotated[PageParams, service.AgentRepository.pagination],
    principal: CurrentPrincipal,
    request: Request,
    name: Annotated[str | None, Query(max_length=100, description="Substring of the name")] = None,
    provider: Annotated[AgentProvider | None, Query(description="Only agents of this AI provider.")] = None,
    is_active: ActiveFilter = None,
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[AgentOut]]:
    # Cached per filter set and view (managers see more); any write to an agent invalidates it.
    filters: dict[str, Any] = {"name": name, "provider": provider, "is_active": is_active}
    manage = principal.can(MANAGE)

    async def load() -> Page[AgentOut]:
        items, total = await service.list_agents(
            session, page, manage=manage, include_deleted=include_deleted, **filters
        )
        return page_of(AgentOut, items, total, page)

    key = cache_key("agents", "list", {**filters, "page": page, "manage": manage, "deleted": include_deleted})
    data = await cached_model(
        request_cache(request), key, load, Page[AgentOut], tags=["agents"], session=session
    )
    return ok(data, "Agents retrieved successfully")


@router.get(
    "/{agent_id}",
    response_model=Envelope[AgentOut],
    summary="Get an agent",
    responses=error_responses(401, 404),
)
async def get_agent(
    agent_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> Envelope[AgentOut]:
    manage = principal.can(MANAGE)

    async def load() -> AgentOut:
        return AgentOut.model_validate(await service.get_agent(session, agent_id, manage=manage))

    key = cache_key("agents", "get", {"id": agent_id, "manage": manage})
    tags = [entity_tag("agents", agent_id)]
    data = await cached_model(request_cache(request), key, load, AgentOut, tags=tags, session=session)
    return ok(data, "Agent retrieved successfully")


@router.post(
    "",
    response_model=Envelope[AgentOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create an agent (admin)",
    responses=error_responses(401, 403, 409),
    dependencies=[Depends(require_permission("agents", "write"))],
)
async def create_agent(body: AgentIn, session: SessionDep) -> Envelope[AgentOut]:
    agent = await service.create_agent(session, body)
    return created(AgentOut.model_validate(agent), "Agent created successfully")


@router.put(
    "/{agent_id}",
    response_model=Envelope[AgentOut],
    summary="Update an agent (admin)",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[Depends(require_permission("agents", "write"))],
)
async def update_agent(agent_id: uuid.UUID, body: AgentUpdate, session: SessionDep) -> Envelope[AgentOut]:
    agent = await service.update_agent(session, agent_id, body)
    return ok(AgentOut.model_validate(agent), "Agent updated successfully")


@router.delete(
    "/{agent_id}",
    response_model=Envelope[None],
    summary="Delete an agent (admin, soft delete)",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("agents", "delete"))],
)
async def delete_agent(agent_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.delete_agent(session, agent_id)
    return ok(None, "Agent deleted successfully")
