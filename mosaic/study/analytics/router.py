"""HTTP layer of study analytics: my own figures, in my time zone."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from mosaic.accounts.deps import CurrentUser
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.study.analytics import service
from mosaic.study.analytics.schemas import Dashboard, QuizPerformance, StudyTime

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get(
    "/dashboard",
    response_model=Envelope[Dashboard],
    summary="My study dashboard",
    responses=error_responses(401),
)
async def get_dashboard(session: SessionDep, user: CurrentUser) -> Envelope[Dashboard]:
    return ok(await service.dashboard(session, user.id), "Dashboard retrieved successfully")


@router.get(
    "/quiz-performance",
    response_model=Envelope[QuizPerformance],
    summary="My quiz scores over time, by subject, and my weakest questions",
    responses=error_responses(401),
)
async def get_quiz_performance(session: SessionDep, user: CurrentUser) -> Envelope[QuizPerformance]:
    return ok(await service.quiz_performance(session, user.id), "Quiz performance retrieved successfully")


@router.get(
    "/study-time",
    response_model=Envelope[StudyTime],
    summary="My study minutes by local day and subject",
    responses=error_responses(401, codes={400: [("INVALID_RANGE", "start is after end")]}),
)
async def get_study_time(
    session: SessionDep,
    user: CurrentUser,
    start: Annotated[date | None, Query(description="First local day (default: 6 days before end).")] = None,
    end: Annotated[
        date | None, Query(description="Last local day (default: today, in my time zone).")
    ] = None,
) -> Envelope[StudyTime]:
    return ok(await service.study_time(session, user.id, start, end), "Study time retrieved successfully")
