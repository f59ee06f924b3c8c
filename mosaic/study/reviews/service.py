"""Spaced review with FSRS (the `fsrs` package): every answered question becomes a card.

A submitted attempt rates each answered question `good` when right and `again` when wrong, so a
missed question comes back within minutes while a recalled one waits days. Fuzzing is off: the
same history gives the same schedule, which the tests and the planner rely on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import fsrs
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Owned
from mosaic.core.database import utcnow
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.study.quizzes.models import QuizQuestion
from mosaic.study.reviews.models import ReviewCard

RATINGS: dict[str, fsrs.Rating] = {
    "again": fsrs.Rating.Again,
    "hard": fsrs.Rating.Hard,
    "good": fsrs.Rating.Good,
    "easy": fsrs.Rating.Easy,
}
_scheduler = fsrs.Scheduler(enable_fuzzing=False)


class ReviewCardRepository(Repository[ReviewCard]):
    model = ReviewCard
    label = "Review card"
    owner_field = "user_id"
    sortable = frozenset({"due", "created_at"})
    default_sort = "due"


def schedule(card: dict[str, Any] | None, rating: fsrs.Rating, now: datetime) -> fsrs.Card:
    current = fsrs.Card.from_dict(card) if card else fsrs.Card(due=now)  # type: ignore[arg-type]
    updated, _ = _scheduler.review_card(current, rating, now)
    return updated


def _apply(row: ReviewCard, rating: fsrs.Rating, now: datetime) -> None:
    updated = schedule(row.card, rating, now)
    row.card = dict(updated.to_dict())
    row.due = updated.due
    row.reps += 1
    row.lapses += 1 if rating == fsrs.Rating.Again else 0
    row.last_rating = int(rating)
    row.last_review = now


async def record_answers(
    session: AsyncSession, user_id: uuid.UUID, outcomes: Iterable[tuple[uuid.UUID, bool]], now: datetime
) -> None:
    """Rate each answered question of a submitted attempt (right: good, wrong: again)."""
    outcomes = list(outcomes)
    if not outcomes:
        return
    ids = [question_id for question_id, _ in outcomes]
    existing = {
        row.question_id: row
        for row in (
            await session.scalars(
                select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.question_id.in_(ids))
            )
        ).all()
    }
    for question_id, correct in outcomes:
        row = existing.get(question_id)
        if row is None:
            row = ReviewCard(user_id=user_id, question_id=question_id, card={}, due=now, reps=0, lapses=0)
            session.add(row)
            existing[question_id] = row
        _apply(row, fsrs.Rating.Good if correct else fsrs.Rating.Again, now)
    await session.flush()


async def due_cards(
    session: AsyncSession, user_id: uuid.UUID, page: PageParams, now: datetime | None = None
) -> tuple[list[tuple[ReviewCard, QuizQuestion]], int]:
    """My cards due by `now`, most overdue first (or by `sort`), each with its question."""
    now = now or utcnow()
    where = (ReviewCard.user_id == user_id, ReviewCard.due <= now)
    total = await session.scalar(select(func.count()).select_from(ReviewCard).where(*where)) or 0
    rows = await session.execute(
        select(ReviewCard, QuizQuestion)
        .join(QuizQuestion, QuizQuestion.id == ReviewCard.question_id)
        .where(*where)
        .order_by(*ReviewCardRepository(session).order_by(page.sort))
        .limit(page.limit)
        .offset(page.offset)
    )
    return [(card, question) for card, question in rows.all()], total


async def count_due(session: AsyncSession, user_id: uuid.UUID, now: datetime | None = None) -> int:
    now = now or utcnow()
    count = await session.scalar(
        select(func.count())
        .select_from(ReviewCard)
        .where(ReviewCard.user_id == user_id, ReviewCard.due <= now)
    )
    return count or 0


async def review(
    session: AsyncSession, user_id: uuid.UUID, card_id: uuid.UUID, rating: str
) -> tuple[ReviewCard, QuizQuestion]:
    row = await Owned(ReviewCardRepository(session), user_id).get(card_id)
    _apply(row, RATINGS[rating], utcnow())
    await session.flush()
    question = await session.get_one(QuizQuestion, row.question_id)
    return row, question
