"""Quizzes through HTTP: generation from text (now, queued, cached, limited), reading, deleting."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from mosaic.accounts.plans.models import Plan
from mosaic.accounts.plans.service import subscribe
from mosaic.study.quizzes.models import AIUsage, Quiz
from tests.accounts.conftest import Account
from tests.study.conftest import API, FACTS, generate, new_quiz, study_text

URL = f"{API}/quiz"
STOPWORDS_ONLY = "and the of to in is it that was for on are with as but or " * 3


async def test_generate_answers_the_quiz_without_answers(client, user_a: Account):
    text = study_text()
    response = await generate(client, user_a, text=text, num_questions=6, subject="Science", title="Pioneers")
    assert response.status_code == 201, response.text
    quiz = response.json()["data"]
    assert quiz["title"] == "Pioneers" and quiz["subject"] == "Science"
    assert len(quiz["questions"]) == 6 == quiz["question_count"]
    assert {q["type"] for q in quiz["questions"]} == {"multiple_choice", "true_false", "cloze"}
    for question in quiz["questions"]:
        assert set(question) >= {"id", "type", "question", "options"}
        assert question["answer_index"] is None and question["passage"] is None
        assert len(set(question["options"])) == len(question["options"]) >= 2
        if question["type"] == "true_false":
            assert question["options"] == ["True", "False"]
    fetched = (await client.get(f"{URL}/{quiz['id']}", headers=user_a.headers)).json()["data"]
    assert [q["id"] for q in fetched["questions"]] == [q["id"] for q in quiz["questions"]]
    assert all(q["answer_index"] is None for q in fetched["questions"])


async def test_questions_come_from_the_text_and_keep_their_passage(client, app, user_a: Account):
    text = study_text()
    quiz = await new_quiz(client, user_a, text=text, num_questions=8, question_types=["cloze"])
    async with app.state.database.transaction() as session:
        row = await session.get_one(Quiz, uuid.UUID(quiz["id"]))
        from mosaic.study.quizzes.models import QuizQuestion

        questions = (await session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == row.id))).all()
    assert {q.type for q in questions} == {"cloze"}
    for question in questions:
        assert question.passage in text
        assert question.options[question.answer_index] in question.passage
        assert "_____" in question.question


async def test_hyphenated_types_are_accepted_and_unknown_ones_refused(client, user_a: Account):
    quiz = await new_quiz(client, user_a, question_types=["true-false"], num_questions=3)
    assert {q["type"] for q in quiz["questions"]} == {"true_false"}
    bad = await generate(client, user_a, question_types=["essay"])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_invalid_generation_bodies(client, user_a: Account):
    for body in (
        {"text": "short", "num_questions": 3},
        {"text": study_text(), "num_questions": 0},
        {"text": study_text(), "num_questions": 101},
        {"text": study_text(), "difficulty": "extreme"},
        {"text": study_text(), "user_id": user_a.id},
    ):
        response = await client.post(f"{URL}/generate", json=body, headers=user_a.headers)
        assert response.status_code == 422, body
    assert (await client.post(f"{URL}/generate", json={"text": study_text()})).status_code == 401


async def test_text_without_usable_sentences_is_too_short(client, user_a: Account):
    # Schema-valid text whose content makes no question: a business rule, 400 with its code.
    for text in (STOPWORDS_ONLY, "0" * 20):
        response = await generate(client, user_a, text=text)
        assert response.status_code == 400 and response.json()["error"]["code"] == "TEXT_TOO_SHORT"
        assert response.json()["error"]["details"][0]["field"] == "text"
    assert (await client.get(f"{URL}", headers=user_a.headers)).json()["data"]["total"] == 0


async def test_difficulty_sets_the_option_count(client, user_a: Account):
    easy = await new_quiz(client, user_a, difficulty="easy", question_types=["cloze"], num_questions=3)
    hard = await new_quiz(client, user_a, difficulty="hard", question_types=["cloze"], num_questions=3)
    assert {len(q["options"]) for q in easy["questions"]} == {3}
    assert {len(q["options"]) for q in hard["questions"]} == {5}


async def test_another_users_quiz_is_not_found(client, user_a: Account, user_b: Account):
    quiz = await new_quiz(client, user_a)
    for method, path in (("GET", f"{URL}/{quiz['id']}"), ("DELETE", f"{URL}/{quiz['id']}")):
        response = await client.request(method, path, headers=user_b.headers)
        assert response.status_code == 404
    attempt = await client.post(f"{URL}/attempt", json={"quiz_id": quiz["id"]}, headers=user_b.headers)
    assert attempt.status_code == 404
    history = await client.get(f"{URL}/attempts/{quiz['id']}", headers=user_b.headers)
    assert history.status_code == 404
    assert (await client.get(f"{URL}/{quiz['id']}", headers=user_a.headers)).status_code == 200


async def test_list_my_quizzes_with_filters_and_delete(client, user_a: Account, user_b: Account):
    tag = uuid.uuid4().hex[:6]
    first = await new_quiz(client, user_a, subject=f"Biology{tag}", title="Cells and energy")
    await new_quiz(client, user_a, subject=f"History{tag}", title="Old cities")
    await new_quiz(client, user_b, subject=f"Biology{tag}", title="Not mine")
    mine = (await client.get(URL, params={"subject": f"biology{tag}"}, headers=user_a.headers)).json()
    assert [q["id"] for q in mine["data"]["items"]] == [first["id"]]
    assert "questions" not in mine["data"]["items"][0]
    found = (await client.get(URL, params={"q": "old cit"}, headers=user_a.headers)).json()["data"]
    assert [q["title"] for q in found["items"]] == ["Old cities"]
    page = (await client.get(URL, params={"limit": 1}, headers=user_a.headers)).json()["data"]
    seed_path = await client.get(f"{URL}/", headers=user_a.headers)  # the NestJS front end's `GET /quiz/`
    assert seed_path.status_code == 307 and seed_path.headers["location"].endswith("/api/v1/quiz")
    assert len(page["items"]) == 1 and page["total"] >= 2 and page["has_more"] is True
    assert (await client.delete(f"{URL}/{first['id']}", headers=user_a.headers)).status_code == 200
    assert (await client.get(f"{URL}/{first['id']}", headers=user_a.headers)).status_code == 404
    assert (await client.delete(f"{URL}/{first['id']}", headers=user_a.headers)).status_code == 404


async def test_the_same_text_twice_costs_once(client, app, user_a: Account, user_b: Account):
    text = study_text()
    first = await new_quiz(client, user_a, text=text)
    second = await new_quiz(client, user_b, text=text)
    assert first["id"] != second["id"]
    assert [q["question"] for q in first["questions"]] == [q["question"] for q in second["questions"]]
    async with app.state.database.transaction() as session:
        rows = (
            await session.scalars(
                select(AIUsage).where(AIUsage.quiz_id.in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])]))
            )
        ).all()
    by_quiz = {str(row.quiz_id): row for row in rows}
    assert by_quiz[first["id"]].cached is False and by_quiz[first["id"]].provider == "offline"
    assert by_quiz[first["id"]].prompt_tokens > 0
    assert by_quiz[second["id"]].cached is True and by_quiz[second["id"]].cost_usd == 0


async def test_ai_generations_per_day_follow_the_plan_limit(client, app, user_a: Account):
    async with app.state.database.transaction() as session:
        plan = Plan(
            name=f"Tiny study {uuid.uuid4().hex[:8]}",
            limits=[{"resource": "ai_generations_per_day", "title": "AI", "description": "", "value": 2}],
            features=[],
        )
        session.add(plan)
        await session.flush()
        await subscribe(session, uuid.UUID(user_a.id), plan.id)
    cached_text = study_text()
    await new_quiz(client, user_a, text=cached_text)
    await new_quiz(client, user_a)
    refused = await generate(client, user_a)
    assert refused.status_code == 402 and refused.json()["error"]["code"] == "PLAN_LIMIT_REACHED"
    assert refused.json()["error"]["details"] == {"resource": "ai_generations_per_day", "limit": 2, "used": 2}
    again = await generate(client, user_a, text=cached_text)  # a cache hit spends nothing
    assert again.status_code == 201


async def test_a_large_text_is_queued_and_polled(client, make_client, app, user_a: Account):
    _, small_client = await make_client(QUIZ_SYNC_MAX_CHARS=500)
    text = " ".join(study_text(str(i)) for i in range(4))
    response = await small_client.post(
        f"{URL}/generate", json={"text": text, "num_questions": 5}, headers=user_a.headers
    )
    assert response.status_code == 202, response.text
    generation = response.json()["data"]
    assert generation["status"] in ("queued", "running", "completed")
    polled = await small_client.get(f"{URL}/generations/{generation['id']}", headers=user_a.headers)
    data = polled.json()["data"]
    assert data["status"] == "completed" and data["error"] is None and data["finished_at"]
    quiz = (await small_client.get(f"{URL}/{data['quiz_id']}", headers=user_a.headers)).json()["data"]
    assert quiz["question_count"] == 5


async def test_a_failed_generation_says_why(client, make_client, user_a: Account, user_b: Account):
    _, small_client = await make_client(QUIZ_SYNC_MAX_CHARS=30)
    text = STOPWORDS_ONLY
    response = await small_client.post(
        f"{URL}/generate", json={"text": text, "num_questions": 3}, headers=user_a.headers
    )
    assert response.status_code == 202
    generation_id = response.json()["data"]["id"]
    data = (await small_client.get(f"{URL}/generations/{generation_id}", headers=user_a.headers)).json()[
        "data"
    ]
    assert (
        data["status"] == "failed" and data["error"]["code"] == "TEXT_TOO_SHORT" and data["quiz_id"] is None
    )
    other = await small_client.get(f"{URL}/generations/{generation_id}", headers=user_b.headers)
    assert other.status_code == 404


async def test_long_texts_draw_questions_from_every_part(client, app, user_a: Account):
    parts = [
        f"Section {i}. " + study_text(f"part{i}").replace("Lesson", f"Volume{i} Lesson") for i in range(5)
    ]
    text = "\n\n".join(parts)
    quiz = await new_quiz(client, user_a, text=text, num_questions=10)
    async with app.state.database.transaction() as session:
        from mosaic.study.quizzes.models import QuizQuestion

        passages = (
            await session.scalars(
                select(QuizQuestion.passage).where(QuizQuestion.quiz_id == uuid.UUID(quiz["id"]))
            )
        ).all()
        count = await session.scalar(
            select(func.count()).select_from(Quiz).where(Quiz.id == uuid.UUID(quiz["id"]))
        )
    assert count == 1
    first_part, last_part = parts[0], parts[-1]
    assert any(p in first_part for p in passages) and any(p in last_part for p in passages)
    assert len(FACTS) > 0
