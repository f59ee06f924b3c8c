"""Dashboard, quiz performance and study time, aggregated in SQL over the user's local days.

A study interval counts on the local day it started; an attempt on the day it was submitted.
A streak is a run of consecutive local days with at least one of either; the current streak
ends today, or yesterday when today has no activity yet (a streak is not lost before the day is).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.settings.models import UserSettings
from mosaic.core.database import utcnow
from mosaic.core.errors import ValidationFailed
from mosaic.study.analytics.localtime import day_number, from_day_number, local_day, local_midnight
from mosaic.study.analytics.schemas import (
    Dashboard,
    QuizPerformance,
    ScorePoint,
    StudyDay,
    StudyTime,
    SubjectScore,
    WeakQuestion,
)
from mosaic.study.errors import field_details
from mosaic.study.quizzes.models import Attempt, Quiz, QuizQuestion
from mosaic.study.reviews.models import ReviewCard
from mosaic.study.reviews.service import count_due
from mosaic.study.sessions.models import StudyInterval

MAX_RANGE_DAYS = 366


async def user_zone(session: AsyncSession, user_id: uuid.UUID) -> ZoneInfo:
    name = await session.scalar(select(UserSettings.timezone).where(UserSettings.user_id == user_id))
    return ZoneInfo(name or "UTC")


def _minutes(seconds: int | None) -> float:
    return round((seconds or 0) / 60, 1)


def streaks(days: list[int], today: int) -> tuple[int, int]:
    """(current, longest) runs of consecutive day numbers."""
    longest = run = 0
    previous: int | None = None
    for day in sorted(set(days)):
        run = run + 1 if previous is not None and day == previous + 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    active = set(days)
    cursor = today if today in active else today - 1
    while cursor in active:
        current += 1
        cursor -= 1
    return current, longest


async def _activity_days(
    session: AsyncSession, user_id: uuid.UUID, zone: ZoneInfo, now: datetime
) -> list[int]:
    first_interval = await session.scalar(
        select(func.min(StudyInterval.started_at)).where(StudyInterval.user_id == user_id)
    )
    first_attempt = await session.scalar(
        select(func.min(Attempt.submitted_at)).where(
            Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)
        )
    )
    firsts = [d for d in (first_interval, first_attempt) if d is not None]
    if not firsts:
        return []
    start = min(firsts)
    interval_day = local_day(StudyInterval.started_at, zone, start, now).label("day")
    attempt_day = local_day(Attempt.submitted_at, zone, start, now).label("day")
    query = union(
        select(interval_day).where(StudyInterval.user_id == user_id),
        select(attempt_day).where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)),
    )
    return [int(day) for day in (await session.scalars(query)).all()]


async def dashboard(session: AsyncSession, user_id: uuid.UUID) -> Dashboard:
    zone = await user_zone(session, user_id)
    now = utcnow()
    today = now.astimezone(zone).date()
    week_start = local_midnight(today - timedelta(days=today.weekday()), zone)
    quizzes = await session.scalar(
        select(func.count()).select_from(Quiz).where(Quiz.user_id == user_id, Quiz.deleted_at.is_(None))
    )
    attempts, average = (
        await session.execute(
            select(func.count(), func.avg(Attempt.score)).where(
                Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)
            )
        )
    ).one()
    week_seconds = await session.scalar(
        select(func.sum(StudyInterval.seconds)).where(
            StudyInterval.user_id == user_id, StudyInterval.started_at >= week_start
        )
    )
    current, longest = streaks(await _activity_days(session, user_id, zone, now), day_number(today))
    return Dashboard(
        timezone=zone.key,
        quizzes=quizzes or 0,
        attempts=attempts or 0,
        average_score=round(float(average), 4) if average is not None else None,
        study_minutes_week=_minutes(week_seconds),
        current_streak=current,
        longest_streak=longest,
        due_reviews=await count_due(session, user_id, now),
    )


async def quiz_performance(session: AsyncSession, user_id: uuid.UUID) -> QuizPerformance:
    zone = await user_zone(session, user_id)
    now = utcnow()
    submitted = (Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
    attempts, average = (
        await session.execute(select(func.count(), func.avg(Attempt.score)).where(*submitted))
    ).one()
    over_time: list[ScorePoint] = []
    first = await session.scalar(select(func.min(Attempt.submitted_at)).where(*submitted))
    if first is not None:
        day = local_day(Attempt.submitted_at, zone, first, now).label("day")
        rows = await session.execute(
            select(day, func.count(), func.avg(Attempt.score)).where(*submitted).group_by(day).order_by(day)
        )
        over_time = [
            ScorePoint(date=from_day_number(int(d)), attempts=n, average_score=round(float(s or 0), 4))
            for d, n, s in rows.all()
        ]
    by_subject_rows = await session.execute(
        select(Quiz.subject, func.count(), func.avg(Attempt.score))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(*submitted)
        .group_by(Quiz.subject)
        .order_by(Quiz.subject)
    )
    weak_rows = await session.execute(
        select(
            QuizQuestion.id, QuizQuestion.quiz_id, QuizQuestion.question, ReviewCard.reps, ReviewCard.lapses
        )
        .join(ReviewCard, ReviewCard.question_id == QuizQuestion.id)
        .where(ReviewCard.user_id == user_id, ReviewCard.lapses > 0)
        .order_by(ReviewCard.lapses.desc(), ReviewCard.reps, QuizQuestion.id)
        .limit(10)
    )
    return QuizPerformance(
        timezone=zone.key,
        attempts=attempts or 0,
        average_score=round(float(average), 4) if average is not None else None,
        over_time=over_time,
        by_subject=[
            SubjectScore(subject=s, attempts=n, average_score=round(float(a or 0), 4))
            for s, n, a in by_subject_rows.all()
        ],
        weakest_questions=[
            WeakQuestion(question_id=q, quiz_id=quiz, question=text, reviews=reps, misses=lapses)
            for q, quiz, text, reps, lapses in weak_rows.all()
        ],
    )


async def study_time(
    session: AsyncSession, user_id: uuid.UUID, start: date | None, end: date | None
) -> StudyTime:
    """Minutes per local day and subject over [start, end] (default: the last 7 local days)."""
    zone = await user_zone(session, user_id)
    now = utcnow()
    end = end or now.astimezone(zone).date()
    start = start or end - timedelta(days=6)
    if start > end or (end - start).days + 1 > MAX_RANGE_DAYS:
        message = "start is after end" if start > end else f"The range is longer than {MAX_RANGE_DAYS} days"
        details = field_details("start", message, "INVALID_RANGE", location="query")
        # Two parameters (and their defaults) together: no schema states it, so a 400 as trading's
        # ranges answer, with its own code.
        raise ValidationFailed(message, code="INVALID_RANGE", details=details)
    lower, upper = local_midnight(start, zone), local_midnight(end + timedelta(days=1), zone)
    day = local_day(StudyInterval.started_at, zone, lower, upper).label("day")
    rows = await session.execute(
        select(day, StudyInterval.subject, func.sum(StudyInterval.seconds))
        .where(
            StudyInterval.user_id == user_id,
            StudyInterval.started_at >= lower,
            StudyInterval.started_at < upper,
        )
        .group_by(day, StudyInterval.subject)
    )
    seconds: dict[int, dict[str, int]] = {}
    for number, subject, total in rows.all():
        seconds.setdefault(int(number), {})[subject] = int(total or 0)
    days = []
    subjects: dict[str, int] = {}
    for offset in range((end - start).days + 1):
        current = start + timedelta(days=offset)
        per_subject = seconds.get(day_number(current), {})
        for subject, value in per_subject.items():
            subjects[subject] = subjects.get(subject, 0) + value
        days.append(
            StudyDay(
                date=current,
                minutes=_minutes(sum(per_subject.values())),
                by_subject={s: _minutes(v) for s, v in sorted(per_subject.items())},
            )
        )
    return StudyTime(
        timezone=zone.key,
        start=start,
        end=end,
        total_minutes=_minutes(sum(subjects.values())),
        by_subject={s: _minutes(v) for s, v in sorted(subjects.items())},
        days=days,
    )
