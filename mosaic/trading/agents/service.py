"""Agent catalogue rules: unique live names; traders see active agents only."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Catalogue
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.agents.models import Agent
from mosaic.trading.agents.schemas import AgentIn, AgentUpdate
from mosaic.trading.common import contains


class AgentRepository(Repository[Agent]):
    model = Agent
    label = "Agent"
    sortable = frozenset({"created_at", "updated_at", "name", "provider", "model_id", "cost_per_call"})
    default_sort = "name"


async def list_agents(
    session: AsyncSession,
    params: PageParams,
    *,
    manage: bool,
    name: str | None = None,
    provider: str | None = None,
    is_active: bool | None = None,
    include_deleted: bool = False,
) -> tuple[list[Agent], int]:
    """Catalogue managers see everything they ask for; everyone else sees live, active agents."""
    if not manage:
        is_active, include_deleted = True, False
    return await AgentRepository(session).paginate(
        params,
        include_deleted=include_deleted,
        filters=[contains(Agent.name, name)] if name else [],
        filter_by={"provider": provider, "is_active": is_active},
    )


async def get_agent(session: AsyncSession, agent_id: uuid.UUID, *, manage: bool) -> Agent:
    return await Catalogue(AgentRepository(session)).get(agent_id, manage=manage)


async def usable_agent(session: AsyncSession, agent_id: uuid.UUID) -> Agent:
    """An agent a user may reference (a trade's `agent_id`, a flow step): live and active."""
    return await get_agent(session, agent_id, manage=False)


async def create_agent(session: AsyncSession, data: AgentIn) -> Agent:
    return await Catalogue(AgentRepository(session)).create(data)


async def update_agent(session: AsyncSession, agent_id: uuid.UUID, data: AgentUpdate) -> Agent:
    return await Catalogue(AgentRepository(session)).update(agent_id, data)


async def delete_agent(session: AsyncSession, agent_id: uuid.UUID) -> None:
    await Catalogue(AgentRepository(session)).delete(agent_id)
