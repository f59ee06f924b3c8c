"""HTTP layer of spaced review: my due cards and rating one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from mosaic.accounts.deps import CurrentUser
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.study.quizzes.models import QuizQuestion
from mosaic.study.reviews import service
from mosaic.study.reviews.models import ReviewCard
from mosaic.study.reviews.schemas import ReviewCardOut, ReviewIn, ReviewQuestion

router = APIRouter(prefix="/reviews", tags=["reviews"])

_STATES = {1: "learning", 2: "review", 3: "relearning"}
_RATING_NAMES = {int(value): name for name, value in service.RATINGS.items()}


def card_out(pair: tuple[ReviewCard, QuizQuestion]) -> ReviewCardOut:
    card, question = pair
    return ReviewCardOut.model_validate(
        {
            "id": card.id,
            "question_id": card.question_id,
            "due": card.due,
            "state": _STATES.get(int(card.card.get("state", 1)), "learning"),
            "reps": card.reps,
            "lapses": card.lapses,
            "last_rating": _RATING_NAMES.get(card.last_rating) if card.last_rating else None,
            "last_review": card.last_review,
            "question": ReviewQuestion(
                id=question.id,
                quiz_id=question.quiz_id,
                type=question.type,
                question=question.question,
                options=list(question.options),
            ),
        }
    )


@router.get(
    "/due",
    response_model=Envelope[Page[ReviewCardOut]],
    summary="My review cards due now",
    responses=error_responses(401),
)
async def due_reviews(
    session: SessionDep,
    page: Annotated[PageParams, service.ReviewCardRepository.pagination],
    user: CurrentUser,
) -> Envelope[Page[ReviewCardOut]]:
    rows, total = await service.due_cards(session, user.id, page)
    return ok(page_of(ReviewCardOut, rows, total, page, card_out), "Due reviews retrieved successfully")


@router.post(
    "/{card_id}",
    response_model=Envelope[ReviewCardOut],
    summary="Rate one of my review cards",
    responses=error_responses(401, 404),
)
async def review_card(
    card_id: uuid.UUID, body: ReviewIn, session: SessionDep, user: CurrentUser
) -> Envelope[ReviewCardOut]:
    pair = await service.review(session, user.id, card_id, body.rating)
    return ok(card_out(pair), "Review recorded")
