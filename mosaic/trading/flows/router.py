"""HTTP layer of flows and their runs: the caller's own only; another user's id answers 404.

No permission is needed for one's own flows (ownership is the check); `flows:*` stay declared
for admin tooling. Running a flow queues a job and answers 202 with the queued run.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from mosaic.accounts.deps import CurrentPrincipal, CurrentUser
from mosaic.accounts.plans.limits import require_within_limit
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.jobs import enqueue_after_commit, get_jobs
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.trading.flows import service
from mosaic.trading.flows.jobs import RUN_FLOW
from mosaic.trading.flows.schemas import (
    FlowIn,
    FlowOut,
    FlowRunIn,
    FlowRunOut,
    FlowStatus,
    FlowUpdate,
    RunStatus,
)

router = APIRouter(prefix="/flows", tags=["flows"])
runs_router = APIRouter(prefix="/flow-runs", tags=["flows"])

TEMPLATE_HELP = (
    "Each step's prompt is rendered with `{name}` placeholders: `input[name]` of the run, and "
    "`{previous_output}` (the previous step's output; for the first step the input's `input`, "
    "else `text`). Unknown placeholders and any other braces are left as written."
)


@router.get(
    "",
    response_model=Envelope[Page[FlowOut]],
    summary="List my flows",
    responses=error_responses(401),
)
async def list_flows(
    session: SessionDep,
    page: Annotated[PageParams, service.FlowRepository.pagination],
    user: CurrentUser,
    status: Annotated[FlowStatus | None, Query(description="Only flows in this status.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring of the title")] = None,
) -> Envelope[Page[FlowOut]]:
    flows, total = await service.list_flows(session, user.id, page, status=status, q=q)
    return ok(
        page_of(FlowOut, flows, total, page),
        "Flows retrieved successfully",
    )


@router.post(
    "",
    response_model=Envelope[FlowOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a flow",
    description="1 to 20 steps, each a visible prompt (public, or my private prompt) and an active "
    "agent. Counts against the plan's `flows` limit, and its `agents` limit (distinct agents "
    "across my flows): 402 PLAN_LIMIT_REACHED. " + TEMPLATE_HELP,
    responses=error_responses(401, 402, 404),
    dependencies=[Depends(require_within_limit("flows"))],
)
async def create_flow(body: FlowIn, session: SessionDep, principal: CurrentPrincipal) -> Envelope[FlowOut]:
    flow = await service.create_flow(session, principal.user.id, body, exempt=principal.is_superadmin)
    return created(FlowOut.model_validate(flow), "Flow created successfully")


@router.get(
    "/{flow_id}",
    response_model=Envelope[FlowOut],
    summary="Get one of my flows",
    responses=error_responses(401, 404),
)
async def get_flow(flow_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[FlowOut]:
    return ok(
        FlowOut.model_validate(await service.get_flow(session, user.id, flow_id)),
        "Flow retrieved successfully",
    )


@router.put(
    "/{flow_id}",
    response_model=Envelope[FlowOut],
    summary="Update one of my flows",
    description="Partial update; `status` pauses, stops or re-activates the flow. New agents count "
    "against the plan's `agents` limit (402).",
    responses=error_responses(401, 402, 404),
)
async def update_flow(
    flow_id: uuid.UUID, body: FlowUpdate, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[FlowOut]:
    flow = await service.update_flow(
        session, principal.user.id, flow_id, body, exempt=principal.is_superadmin
    )
    return ok(FlowOut.model_validate(flow), "Flow updated successfully")


@router.delete(
    "/{flow_id}",
    response_model=Envelope[None],
    summary="Delete one of my flows (soft delete)",
    responses=error_responses(401, 404),
)
async def delete_flow(flow_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[None]:
    await service.delete_flow(session, user.id, flow_id)
    return ok(None, "Flow deleted successfully")


@router.post(
    "/{flow_id}/run",
    response_model=Envelope[FlowRunOut],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run one of my flows",
    description="Queues a run (202, status `queued`) that a background job executes step by step; "
    "follow it with `GET /flow-runs/{id}`. Only an `active` flow runs (else 409). A notification "
    "tells the owner when it finished or failed. " + TEMPLATE_HELP,
    responses=error_responses(401, 404, 409),
)
async def run_flow(
    flow_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    body: FlowRunIn | None = None,
) -> Envelope[FlowRunOut]:
    run = await service.create_run(session, user.id, flow_id, body.input if body else {})
    out = FlowRunOut.model_validate(run)
    enqueue_after_commit(session, get_jobs(request), RUN_FLOW, str(run.id))
    return ok(out, "Flow run queued", status_code=status.HTTP_202_ACCEPTED)


@router.get(
    "/{flow_id}/runs",
    response_model=Envelope[Page[FlowRunOut]],
    summary="List the runs of one of my flows",
    responses=error_responses(401, 404),
)
async def list_runs(
    flow_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, service.FlowRunRepository.pagination],
    user: CurrentUser,
    status: Annotated[RunStatus | None, Query(description="Only runs in this status.")] = None,
) -> Envelope[Page[FlowRunOut]]:
    runs, total = await service.list_runs(session, user.id, flow_id, page, status=status)
    return ok(
        page_of(FlowRunOut, runs, total, page),
        "Flow runs retrieved successfully",
    )


@runs_router.get(
    "/{run_id}",
    response_model=Envelope[FlowRunOut],
    summary="Get one of my flow runs",
    description="Steps appear as they finish: each with its rendered input, output, tokens, cost, "
    "duration and error.",
    responses=error_responses(401, 404),
)
async def get_run(run_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[FlowRunOut]:
    return ok(
        FlowRunOut.model_validate(await service.get_run(session, user.id, run_id)),
        "Flow run retrieved successfully",
    )
