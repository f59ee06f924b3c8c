"""Flow rules: owner-scoped CRUD, references checked on every write, plan limits, queuing runs.

A step may reference a prompt the owner can see (a public template or one of their private
prompts; custom `user_prompts` are not step prompts) and an active agent. Two plan limits
apply: `flows` (the owner's live flows) and `agents` (distinct agents across them); the second
is checked only when a write brings in an agent the owner's flows do not use yet, so editing a
flow never fails because a downgrade left the owner over a limit.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.plans.limits import check_within_limit
from mosaic.core.crud import Owned, put_values
from mosaic.core.errors import Conflict, NotFound, ValidationFailed
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.agents.service import usable_agent
from mosaic.trading.common import contains
from mosaic.trading.flows.models import Flow, FlowRun
from mosaic.trading.flows.schemas import FlowIn, FlowStep, FlowUpdate
from mosaic.trading.prompts.service import visible_prompt

logger = logging.getLogger("mosaic.trading")


class FlowRepository(Repository[Flow]):
    model = Flow
    label = "Flow"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "updated_at", "title", "status", "last_run_at"})


class FlowRunRepository(Repository[FlowRun]):
    model = FlowRun
    label = "Flow run"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "updated_at", "status", "started_at", "finished_at", "total_tokens"})


# -- plan-limit counters (registered in mosaic.trading) -----------------------------------------
async def count_live_flows(session: AsyncSession, user_id: uuid.UUID) -> int:
    where = FlowRepository(session).conditions(owner_id=user_id)
    return int((await session.execute(select(func.count()).select_from(Flow).where(*where))).scalar_one())


async def agents_in_flows(
    session: AsyncSession, user_id: uuid.UUID, *, excluding: uuid.UUID | None = None
) -> set[str]:
    """Agent ids across the user's live flows (read in Python: JSON queries differ per backend)."""
    statement = select(Flow.steps).where(Flow.user_id == user_id, Flow.is_deleted.is_(False))
    if excluding is not None:
        statement = statement.where(Flow.id != excluding)
    rows = (await session.execute(statement)).scalars().all()
    return {str(step["agent_id"]) for steps in rows for step in steps}


async def count_flow_agents(session: AsyncSession, user_id: uuid.UUID) -> int:
    return len(await agents_in_flows(session, user_id))


# -- checks --------------------------------------------------------------------------------------
def _not_found(message: str, field: str) -> NotFound:
    return NotFound(
        message, details=[{"field": field, "location": "body", "message": message, "type": "not_found"}]
    )


def unique_step_numbers(steps: list[FlowStep]) -> None:
    """Step numbers are unique in a flow: a rule across items the schema cannot state (400)."""
    seen: set[int] = set()
    for index, step in enumerate(steps):
        if step.step in seen:
            raise ValidationFailed(
                "step numbers must be unique",
                details=[
                    {
                        "field": f"steps.{index}.step",
                        "location": "body",
                        "message": "another step has this number",
                        "type": "value_error",
                    }
                ],
            )
        seen.add(step.step)


async def _check_references(session: AsyncSession, user_id: uuid.UUID, steps: list[FlowStep]) -> None:
    unique_step_numbers(steps)
    for index, step in enumerate(steps):
        try:
            await visible_prompt(session, user_id, step.prompt_id)
        except NotFound:
            raise _not_found("Prompt not found", f"steps.{index}.prompt_id") from None
        try:
            await usable_agent(session, step.agent_id)
        except NotFound:
            raise _not_found("Agent not found or inactive", f"steps.{index}.agent_id") from None


async def _check_agent_limit(
    session: AsyncSession,
    user_id: uuid.UUID,
    steps: list[FlowStep],
    *,
    flow_id: uuid.UUID | None,
    exempt: bool,
) -> None:
    if exempt:
        return
    current = await agents_in_flows(session, user_id)
    wanted = {str(step.agent_id) for step in steps}
    if not wanted - current:
        return
    projected = await agents_in_flows(session, user_id, excluding=flow_id) | wanted
    await check_within_limit(
        session, user_id, "agents", count_flow_agents, adding=len(projected) - len(current)
    )


def _stored(steps: list[FlowStep]) -> list[dict[str, Any]]:
    return [step.model_dump(mode="json") for step in steps]


# -- CRUD ----------------------------------------------------------------------------------------
async def create_flow(session: AsyncSession, user_id: uuid.UUID, data: FlowIn, *, exempt: bool) -> Flow:
    await _check_references(session, user_id, data.steps)
    await _check_agent_limit(session, user_id, data.steps, flow_id=None, exempt=exempt)
    flow = await FlowRepository(session).create(
        user_id=user_id,
        title=data.title,
        description=data.description,
        steps=_stored(data.steps),
        status="active",
    )
    logger.info("user %s created flow %s with %d step(s)", user_id, flow.id, len(data.steps))
    return flow


async def list_flows(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    status: str | None = None,
    q: str | None = None,
) -> tuple[list[Flow], int]:
    return await Owned(FlowRepository(session), user_id).list(
        params,
        filters=[contains(Flow.title, q)] if q else [],
        filter_by={"status": status},
    )


async def get_flow(session: AsyncSession, user_id: uuid.UUID, flow_id: uuid.UUID) -> Flow:
    return await Owned(FlowRepository(session), user_id).get(flow_id)


async def update_flow(
    session: AsyncSession, user_id: uuid.UUID, flow_id: uuid.UUID, data: FlowUpdate, *, exempt: bool
) -> Flow:
    flow = await get_flow(session, user_id, flow_id)
    values: dict[str, Any] = put_values(data, Flow, exclude={"steps"})
    if data.steps is not None:
        await _check_references(session, user_id, data.steps)
        await _check_agent_limit(session, user_id, data.steps, flow_id=flow.id, exempt=exempt)
        values["steps"] = _stored(data.steps)
    if not values:
        return flow
    flow = await FlowRepository(session).update(flow, values)
    logger.info("user %s updated flow %s (%s)", user_id, flow.id, ", ".join(sorted(values)))
    return flow


async def delete_flow(session: AsyncSession, user_id: uuid.UUID, flow_id: uuid.UUID) -> None:
    await Owned(FlowRepository(session), user_id).delete(flow_id)


# -- runs ----------------------------------------------------------------------------------------
async def create_run(
    session: AsyncSession, user_id: uuid.UUID, flow_id: uuid.UUID, run_input: dict[str, Any]
) -> FlowRun:
    """A queued run; the caller enqueues the job once this transaction commits."""
    flow = await get_flow(session, user_id, flow_id)
    if flow.status != "active":
        raise Conflict(f"Only an active flow can be run; this one is {flow.status}")
    run = await FlowRunRepository(session).create(
        flow_id=flow.id, user_id=user_id, status="queued", input=run_input, steps=[]
    )
    logger.info("user %s queued run %s of flow %s", user_id, run.id, flow.id)
    return run


async def list_runs(
    session: AsyncSession,
    user_id: uuid.UUID,
    flow_id: uuid.UUID,
    params: PageParams,
    *,
    status: str | None = None,
) -> tuple[list[FlowRun], int]:
    await get_flow(session, user_id, flow_id)
    return await Owned(FlowRunRepository(session), user_id).list(
        params, filter_by={"flow_id": flow_id, "status": status}
    )


async def get_run(session: AsyncSession, user_id: uuid.UUID, run_id: uuid.UUID) -> FlowRun:
    return await Owned(FlowRunRepository(session), user_id).get(run_id)
