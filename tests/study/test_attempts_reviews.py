"""Attempts (start, submit once, late, history) and FSRS review cards made from the answers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from mosaic.core.database import utcnow
from mosaic.study.quizzes.models import Attempt
from mosaic.study.reviews.models import ReviewCard
from tests.accounts.conftest import Account
from tests.study.conftest import API, new_quiz

QUIZ = f"{API}/quiz"


async def _answers(client, account: Account, quiz_id: str) -> dict[str, int]:
    """The correct option of each question, read from a first (revealing) attempt."""
    attempt = (
        await client.post(f"{QUIZ}/attempt", json={"quiz_id": quiz_id}, headers=account.headers)
    ).json()
    submitted = await client.post(
        f"{QUIZ}/submit", json={"attempt_id": attempt["data"]["id"], "answers": []}, headers=account.headers
    )
    return {r["question_id"]: r["correct_index"] for r in submitted.json()["data"]["results"]}


async def test_scoring_reveals_answers_and_a_second_submit_conflicts(client, user_a: Account):
    quiz = await new_quiz(client, user_a, num_questions=5)
    started = await client.post(f"{QUIZ}/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    assert started.status_code == 201
    attempt = started.json()["data"]
    assert attempt["submitted_at"] is None and attempt["score"] is None and attempt["total"] == 5
    questions = quiz["questions"]
    # Unknown before submitting: answer the first three with option 0 and see how they score.
    answers = [{"question_id": q["id"], "answer_index": 0} for q in questions[:3]]
    response = await client.post(
        f"{QUIZ}/submit", json={"attempt_id": attempt["id"], "answers": answers}, headers=user_a.headers
    )
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    expected = sum(1 for r in result["results"] if r["answer_index"] == 0 and r["correct_index"] == 0)
    assert result["correct"] == expected and result["total"] == 5
    assert result["score"] == round(expected / 5, 4) and result["late"] is False
    assert all(r["explanation"] and r["passage"] for r in result["results"])
    assert [r["answer_index"] for r in result["results"]][3:] == [None, None]
    again = await client.post(
        f"{QUIZ}/submit", json={"attempt_id": attempt["id"], "answers": answers}, headers=user_a.headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "ATTEMPT_ALREADY_SUBMITTED"
    revealed = (await client.get(f"{QUIZ}/{quiz['id']}", headers=user_a.headers)).json()["data"]
    assert [q["answer_index"] for q in revealed["questions"]] == [
        r["correct_index"] for r in result["results"]
    ]


async def test_all_correct_scores_one_and_history_lists_mine(client, user_a: Account, user_b: Account):
    quiz = await new_quiz(client, user_a, num_questions=4)
    correct = await _answers(client, user_a, quiz["id"])
    attempt = (
        await client.post(f"{QUIZ}/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    ).json()
    body = {
        "attempt_id": attempt["data"]["id"],
        "answers": [{"question_id": qid, "answer_index": index} for qid, index in correct.items()],
    }
    result = (await client.post(f"{QUIZ}/submit", json=body, headers=user_a.headers)).json()["data"]
    assert result["score"] == 1.0 and result["correct"] == 4
    history = (await client.get(f"{QUIZ}/attempts/{quiz['id']}", headers=user_a.headers)).json()["data"]
    assert history["total"] == 2 and {a["score"] for a in history["items"]} == {0.0, 1.0}
    other = await client.post(f"{QUIZ}/submit", json=body, headers=user_b.headers)
    assert other.status_code == 404


async def test_invalid_answers_are_refused(client, user_a: Account):
    quiz = await new_quiz(client, user_a, num_questions=3)
    other_quiz = await new_quiz(client, user_a, num_questions=3)
    attempt = (
        await client.post(f"{QUIZ}/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    ).json()
    first = quiz["questions"][0]["id"]
    cases = {
        "UNKNOWN_QUESTION": [{"question_id": other_quiz["questions"][0]["id"], "answer_index": 0}],
        "DUPLICATE_ANSWER": [
            {"question_id": first, "answer_index": 0},
            {"question_id": first, "answer_index": 1},
        ],
        "INVALID_ANSWER": [{"question_id": first, "answer_index": 5}],
    }
    for code, answers in cases.items():
        body = {"attempt_id": attempt["data"]["id"], "answers": answers}
        response = await client.post(f"{QUIZ}/submit", json=body, headers=user_a.headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == code
    missing = await client.post(
        f"{QUIZ}/submit", json={"attempt_id": str(uuid.uuid4()), "answers": []}, headers=user_a.headers
    )
    assert missing.status_code == 404
    short = await client.post(
        f"{QUIZ}/attempt", json={"quiz_id": quiz["id"], "time_limit_seconds": 1}, headers=user_a.headers
    )
    assert short.status_code == 422


async def test_a_late_submit_is_flagged_and_scores_zero(client, app, user_a: Account):
    quiz = await new_quiz(client, user_a, num_questions=3)
    correct = await _answers(client, user_a, quiz["id"])
    started = await client.post(
        f"{QUIZ}/attempt", json={"quiz_id": quiz["id"], "time_limit_seconds": 60}, headers=user_a.headers
    )
    attempt = started.json()["data"]
    assert attempt["deadline"] is not None
    async with app.state.database.transaction() as session:  # the attempt began two minutes ago
        await session.execute(
            update(Attempt)
            .where(Attempt.id == uuid.UUID(attempt["id"]))
            .values(started_at=utcnow() - timedelta(minutes=2))
        )
    body = {
        "attempt_id": attempt["id"],
        "answers": [{"question_id": qid, "answer_index": index} for qid, index in correct.items()],
    }
    result = (await client.post(f"{QUIZ}/submit", json=body, headers=user_a.headers)).json()["data"]
    assert result["late"] is True and result["score"] == 0.0 and result["correct"] == 0
    assert all(r["correct"] for r in result["results"])  # the feedback still shows they were right


async def test_a_missed_question_is_due_before_a_recalled_one(client, app, user_a: Account, user_b: Account):
    quiz = await new_quiz(client, user_a, num_questions=2, question_types=["cloze"])
    first, second = quiz["questions"]
    attempt = (
        await client.post(f"{QUIZ}/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    ).json()
    result = await client.post(
        f"{QUIZ}/submit",
        json={
            "attempt_id": attempt["data"]["id"],
            "answers": [{"question_id": first["id"], "answer_index": 0}],
        },
        headers=user_a.headers,
    )
    right_index = result.json()["data"]["results"][0]["correct_index"]
    wrong_index = (right_index + 1) % len(first["options"])
    # A second attempt: first question missed, second recalled.
    correct = {r["question_id"]: r["correct_index"] for r in result.json()["data"]["results"]}
    attempt = (
        await client.post(f"{QUIZ}/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    ).json()
    answers = [
        {"question_id": first["id"], "answer_index": wrong_index},
        {"question_id": second["id"], "answer_index": correct[second["id"]]},
    ]
    await client.post(
        f"{QUIZ}/submit",
        json={"attempt_id": attempt["data"]["id"], "answers": answers},
        headers=user_a.headers,
    )
    async with app.state.database.transaction() as session:
        cards = {
            str(card.question_id): card
            for card in (
                await session.scalars(select(ReviewCard).where(ReviewCard.user_id == uuid.UUID(user_a.id)))
            ).all()
        }
    missed, recalled = cards[first["id"]], cards[second["id"]]
    assert missed.lapses >= 1 and recalled.lapses == 0
    assert missed.due < recalled.due
    # Nothing is due this instant; make both due and review through the API.
    assert (await client.get(f"{API}/reviews/due", headers=user_a.headers)).json()["data"]["total"] == 0
    async with app.state.database.transaction() as session:
        await session.execute(
            update(ReviewCard)
            .where(ReviewCard.user_id == uuid.UUID(user_a.id))
            .values(due=utcnow() - timedelta(minutes=1))
        )
    due = (await client.get(f"{API}/reviews/due", headers=user_a.headers)).json()["data"]
    assert due["total"] == 2 and {c["question_id"] for c in due["items"]} == {first["id"], second["id"]}
    assert "answer_index" not in due["items"][0]["question"]
    card_id = next(c["id"] for c in due["items"] if c["question_id"] == first["id"])
    assert (
        await client.post(f"{API}/reviews/{card_id}", json={"rating": "good"}, headers=user_b.headers)
    ).status_code == 404
    reviewed = await client.post(f"{API}/reviews/{card_id}", json={"rating": "good"}, headers=user_a.headers)
    assert reviewed.status_code == 200 and reviewed.json()["data"]["last_rating"] == "good"
    assert reviewed.json()["data"]["due"] > utcnow().isoformat()
    bad = await client.post(f"{API}/reviews/{card_id}", json={"rating": "perfect"}, headers=user_a.headers)
    assert bad.status_code == 422
    after = (await client.get(f"{API}/reviews/due", headers=user_a.headers)).json()["data"]
    assert after["total"] == 1
