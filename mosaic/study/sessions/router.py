"""HTTP layer of study sessions: mine only; another user's id answers 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from mosaic.accounts.deps import CurrentUser
from mosaic.core.deps import SessionDep, WriteSessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.study.sessions import service
from mosaic.study.sessions.models import StudySession
from mosaic.study.sessions.schemas import SessionIn, SessionOut, SessionStatus, SessionUpdate

router = APIRouter(prefix="/study-sessions", tags=["study-sessions"])


def session_out(row: StudySession, ended_session_id: uuid.UUID | None = None) -> SessionOut:
    return SessionOut(
        id=row.id,
        subject=row.subject,
        quiz_id=row.quiz_id,
        note_id=row.note_id,
        planned_minutes=row.planned_minutes,
        status=row.status,
        progress=row.progress,
        notes=row.notes,
        started_at=row.started_at,
        ended_at=row.ended_at,
        duration_seconds=service.running_seconds(row),
        ended_session_id=ended_session_id,
    )


@router.post(
    "",
    response_model=Envelope[SessionOut],
    status_code=status.HTTP_201_CREATED,
    summary="Start a study session",
    responses=error_responses(
        401,
        404,
        409,
        codes={409: [("SESSION_CONFLICT", "Another study session was started at the same time")]},
    ),
)
async def start_session(body: SessionIn, session: WriteSessionDep, user: CurrentUser) -> Envelope[SessionOut]:
    row, ended = await service.start(session, user.id, body)
    message = "Study session started" + ("; the previous open session was ended" if ended else "")
    return created(session_out(row, ended), message)


@router.put(
    "/{session_id}",
    response_model=Envelope[SessionOut],
    summary="Update one of my study sessions (progress, pause, resume, end)",
    responses=error_responses(
        401,
        404,
        409,
        codes={
            409: [
                ("SESSION_ENDED", "This study session has ended"),
                ("INVALID_TRANSITION", "Only a running session can be paused"),
            ]
        },
    ),
)
async def update_session(
    session_id: uuid.UUID, body: SessionUpdate, session: WriteSessionDep, user: CurrentUser
) -> Envelope[SessionOut]:
    row = await service.update(session, user.id, session_id, body)
    return ok(session_out(row), "Study session updated")


@router.get(
    "",
    response_model=Envelope[Page[SessionOut]],
    summary="My study sessions",
    responses=error_responses(401),
)
async def list_sessions(
    session: SessionDep,
    page: Annotated[PageParams, service.StudySessionRepository.pagination],
    user: CurrentUser,
    status: Annotated[SessionStatus | None, Query(description="Only sessions in this status.")] = None,
    subject: Annotated[str | None, Query(max_length=100, description="Only this subject.")] = None,
    started_from: Annotated[datetime | None, Query(description="started_at >= this.")] = None,
    started_to: Annotated[datetime | None, Query(description="started_at <= this.")] = None,
) -> Envelope[Page[SessionOut]]:
    rows, total = await service.list_sessions(
        session,
        user.id,
        page,
        status=status,
        subject=subject,
        started_from=started_from,
        started_to=started_to,
    )
    return ok(page_of(SessionOut, rows, total, page, session_out), "Study sessions retrieved successfully")
