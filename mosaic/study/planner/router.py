"""HTTP layer of the study planner: my plans only; another user's id answers 404."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, status

from mosaic.accounts.deps import CurrentUser
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams
from mosaic.study.planner import service
from mosaic.study.planner.models import StudyPlan
from mosaic.study.planner.schemas import (
    PlanTaskOut,
    PlanTaskUpdate,
    StudyPlanDay,
    StudyPlanIn,
    StudyPlanOut,
    StudyPlanSummary,
)

router = APIRouter(prefix="/planner", tags=["planner"])


def summary(plan: StudyPlan, done: int) -> StudyPlanSummary:
    return StudyPlanSummary(
        id=plan.id,
        title=plan.title,
        start_date=plan.start_date,
        deadline=plan.deadline,
        planner=plan.planner,
        total_minutes=plan.total_minutes,
        done_minutes=done,
        progress=round(done / plan.total_minutes, 4) if plan.total_minutes else 0.0,
        created_at=plan.created_at,
    )


def plan_out(plan: StudyPlan) -> StudyPlanOut:
    done = sum(t.minutes for t in plan.tasks if t.done)
    days = [
        StudyPlanDay(
            date=day,
            minutes=sum(t.minutes for t in group_tasks),
            tasks=[PlanTaskOut.model_validate(t) for t in group_tasks],
        )
        for day, group in groupby(plan.tasks, key=lambda t: t.date)
        for group_tasks in [list(group)]
    ]
    return StudyPlanOut(**summary(plan, done).model_dump(), days=days)


@router.post(
    "/generate",
    response_model=Envelope[StudyPlanOut],
    status_code=status.HTTP_201_CREATED,
    summary="Generate and store a study plan",
    # 400: the dates the schema cannot relate (also `PLAN_TOO_LONG`'s message, same code).
    responses=error_responses(401, codes={400: [("VALIDATION_ERROR", service.DEADLINE_BEFORE_START)]}),
)
async def generate_plan(
    body: StudyPlanIn, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Envelope[StudyPlanOut]:
    plan = await service.generate_plan(session, settings, user.id, body)
    return created(plan_out(plan), "Study plan generated")


@router.get(
    "/plans",
    response_model=Envelope[Page[StudyPlanSummary]],
    summary="My study plans",
    responses=error_responses(401),
)
async def list_plans(
    session: SessionDep, page: Annotated[PageParams, service.PlanRepository.pagination], user: CurrentUser
) -> Envelope[Page[StudyPlanSummary]]:
    rows, total = await service.list_plans(session, user.id, page)
    done = await service.done_minutes(session, [p.id for p in rows])
    items = [summary(p, done.get(p.id, 0)) for p in rows]
    return ok(Page[StudyPlanSummary].build(items, total, page), "Study plans retrieved successfully")


@router.get(
    "/plans/{plan_id}",
    response_model=Envelope[StudyPlanOut],
    summary="One of my study plans, day by day",
    responses=error_responses(401, 404),
)
async def get_plan(plan_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[StudyPlanOut]:
    return ok(
        plan_out(await service.get_plan(session, user.id, plan_id)), "Study plan retrieved successfully"
    )


@router.put(
    "/plans/{plan_id}/tasks/{task_id}",
    response_model=Envelope[StudyPlanOut],
    summary="Mark a task of my plan done (or not)",
    responses=error_responses(401, 404),
)
async def mark_task(
    plan_id: uuid.UUID, task_id: uuid.UUID, body: PlanTaskUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[StudyPlanOut]:
    plan = await service.mark_task(session, user.id, plan_id, task_id, body.done)
    return ok(plan_out(plan), "Task updated")
