"""Agent catalogue rules: unique live names; traders see active agents only."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.errors import Conflict, NotFound
from mosaic.core.pagination import PageParams
from mosaic.trading.agents.models import Agent
from mosaic.trading.agents.schemas import AgentIn, AgentUpdate
from mosaic.trading.common import DecimalSortRepository, contains

logger = logging.getLogger("mosaic.trading")


class AgentRepository(DecimalSortRepository[Agent]):
    model = Agent
    label = "Agent"
    sortable = frozenset({"created_at", "updated_at", "name", "provider", "model_id", "cost_per_call"})
    decimal_columns = frozenset({"cost_per_call"})
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
    agent = await AgentRepository(session).get_or_404(agent_id)
    if not manage and not agent.is_active:
        raise NotFound("Agent not found")
    return agent


async def usable_agent(session: AsyncSession, agent_id: uuid.UUID) -> Agent:
    """An agent a user may reference (a trade's `agent_id`, a flow step): live and active."""
    return await get_agent(session, agent_id, manage=False)


async def _ensure_unique_name(repo: AgentRepository, name: str) -> None:
    if await repo.find_one(Agent.name == name):
        raise Conflict(f"Agent '{name}' already exists")


async def create_agent(session: AsyncSession, data: AgentIn) -> Agent:
    repo = AgentRepository(session)
    await _ensure_unique_name(repo, data.name)
    agent = await repo.create(**data.model_dump())
    logger.info("agent %s created (%s)", agent.id, agent.provider)
    return agent


async def update_agent(session: AsyncSession, agent_id: uuid.UUID, data: AgentUpdate) -> Agent:
    repo = AgentRepository(session)
    agent = await repo.get_or_404(agent_id)
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if "name" in values and values["name"] != agent.name:
        await _ensure_unique_name(repo, values["name"])
    return await repo.update(agent, values)


async def delete_agent(session: AsyncSession, agent_id: uuid.UUID) -> None:
    repo = AgentRepository(session)
    await repo.soft_delete(await repo.get_or_404(agent_id))
    logger.info("agent %s deleted", agent_id)
