"""Study sessions: one open per user, durations from the recorded running intervals.

Starting a session ends my open one (its running interval is closed and recorded) in the same
write transaction: `WriteSessionDep` (SQLite's write lock) and `FOR UPDATE` on the open row
(PostgreSQL) serialise two starts, and the partial unique index `uq_study_sessions_one_open`
turns a race that slips through into a 409 instead of a second open session.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Owned
from mosaic.core.database import utcnow
from mosaic.core.errors import Conflict
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.study.quizzes.service import QuizRepository
from mosaic.study.sessions.models import StudyInterval, StudySession
from mosaic.study.sessions.schemas import SessionIn, SessionUpdate

ONE_OPEN_INDEX = "uq_study_sessions_one_open"


class StudySessionRepository(Repository[StudySession]):
    model = StudySession
    label = "Study session"
    owner_field = "user_id"
    sortable = frozenset({"started_at", "ended_at", "subject", "duration_seconds"})
    default_sort = "-started_at"


def running_seconds(row: StudySession, now: datetime | None = None) -> int:
    """Closed intervals plus the running one, if any."""
    extra = 0
    if row.running_since is not None:
        extra = max(0, int(((now or utcnow()) - row.running_since).total_seconds()))
    return row.duration_seconds + extra


def _close_interval(session: AsyncSession, row: StudySession, now: datetime) -> None:
    if row.running_since is None:
        return
    seconds = max(0, int((now - row.running_since).total_seconds()))
    session.add(
        StudyInterval(
            session_id=row.id,
            user_id=row.user_id,
            subject=row.subject,
            started_at=row.running_since,
            ended_at=now,
            seconds=seconds,
        )
    )
    row.duration_seconds += seconds
    row.running_since = None


async def start(
    session: AsyncSession, user_id: uuid.UUID, data: SessionIn
) -> tuple[StudySession, uuid.UUID | None]:
    """A new running session, and the id of the open one it ended (if any)."""
    if data.quiz_id is not None:
        await Owned(QuizRepository(session), user_id).get(data.quiz_id)
    now = utcnow()
    open_row = await session.scalar(
        select(StudySession)
        .where(StudySession.user_id == user_id, StudySession.status != "ended")
        .with_for_update()
    )
    ended: uuid.UUID | None = None
    if open_row is not None:
        _close_interval(session, open_row, now)
        open_row.status = "ended"
        open_row.ended_at = now
        ended = open_row.id
        await session.flush()
    row = await Owned(StudySessionRepository(session), user_id).create(
        subject=data.subject,
        quiz_id=data.quiz_id,
        note_id=data.note_id,
        planned_minutes=data.planned_minutes,
        status="active",
        progress=0,
        started_at=now,
        running_since=now,
        duration_seconds=0,
    )
    return row, ended


async def update(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID, data: SessionUpdate
) -> StudySession:
    row = await StudySessionRepository(session).get_or_404(session_id, owner_id=user_id, for_update=True)
    if row.status == "ended":
        raise Conflict("This study session has ended", code="SESSION_ENDED")
    now = utcnow()
    if data.action == "pause":
        if row.status != "active":
            raise Conflict("Only a running session can be paused", code="INVALID_TRANSITION")
        _close_interval(session, row, now)
        row.status = "paused"
    elif data.action == "resume":
        if row.status != "paused":
            raise Conflict("Only a paused session can be resumed", code="INVALID_TRANSITION")
        row.running_since = now
        row.status = "active"
    elif data.action == "end":
        _close_interval(session, row, now)
        row.status = "ended"
        row.ended_at = now
    if data.progress is not None:
        row.progress = data.progress
    if data.notes is not None:
        row.notes = data.notes
    row.updated_at = now
    await session.flush()
    return row


async def list_sessions(
    session: AsyncSession,
    user_id: uuid.UUID,
    page: PageParams,
    *,
    status: str | None,
    subject: str | None,
    started_from: datetime | None,
    started_to: datetime | None,
) -> tuple[list[StudySession], int]:
    filters = []
    if status:
        filters.append(StudySession.status == status)
    if subject:
        filters.append(StudySession.subject == subject)
    if started_from:
        filters.append(StudySession.started_at >= started_from)
    if started_to:
        filters.append(StudySession.started_at <= started_to)
    return await Owned(StudySessionRepository(session), user_id).list(page, filters=filters)
