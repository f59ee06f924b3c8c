"""`POST /notes/{id}/quiz` through the HTTP API: the owner's note becomes a quiz like any text."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from mosaic.accounts.plans.models import Plan
from mosaic.accounts.plans.service import subscribe
from tests.accounts.conftest import Account
from tests.study.conftest import API, FACTS, study_text

NOTES = f"{API}/notes"


async def note(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    response = await client.post(NOTES, json={"title": "Scientists", **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def markdown_note() -> str:
    """The study facts as a Markdown note: a heading, bold terms, a list, a link and a code block."""
    facts = [f"**{name}** {fact}." for name, fact in FACTS]
    return (
        f"# Famous scientists {uuid.uuid4().hex[:8]}\n\n"
        + " ".join(facts[:5])
        + "\n\n"
        + "\n".join(f"- {fact}" for fact in facts[5:])
        + "\n\nSee [the archive](https://example.com/archive) for the sources.\n\n"
        + "```python\nprint('not a question')\n```\n"
    )


async def test_my_note_becomes_a_quiz_with_its_title_and_category(client, user_a: Account):
    created = await note(client, user_a, content=markdown_note(), category="Science")
    response = await client.post(
        f"{NOTES}/{created['id']}/quiz",
        json={"num_questions": 6, "difficulty": "easy", "question_types": ["multiple-choice", "cloze"]},
        headers=user_a.headers,
    )
    assert response.status_code == 201, response.text
    quiz = response.json()["data"]
    assert quiz["source"] == "note" and quiz["title"] == "Scientists" and quiz["subject"] == "Science"
    assert quiz["question_count"] == 6 and {q["type"] for q in quiz["questions"]} <= {
        "multiple_choice",
        "cloze",
    }
    assert all(q["answer_index"] is None and len(q["options"]) == 3 for q in quiz["questions"])
    # Markup never reaches the questions; the code block makes none.
    text = " ".join(q["question"] + " ".join(q["options"]) for q in quiz["questions"])
    assert "**" not in text and "](" not in text and "print(" not in text
    stored = (await client.get(f"{API}/quiz/{quiz['id']}", headers=user_a.headers)).json()["data"]
    assert stored["source"] == "note" and stored["question_count"] == 6
    listed = (await client.get(f"{API}/quiz", params={"subject": "Science"}, headers=user_a.headers)).json()
    assert quiz["id"] in [item["id"] for item in listed["data"]["items"]]


async def test_body_title_and_subject_win_and_bad_options_are_refused(client, user_a: Account):
    created = await note(client, user_a, content=study_text())
    url = f"{NOTES}/{created['id']}/quiz"
    response = await client.post(url, json={"title": "Week 1", "subject": "History"}, headers=user_a.headers)
    assert response.status_code == 201, response.text
    assert (response.json()["data"]["title"], response.json()["data"]["subject"]) == ("Week 1", "History")
    without = await client.post(url, json={"num_questions": 3}, headers=user_a.headers)
    assert without.json()["data"]["subject"] is None  # no category, no subject
    bodies: list[dict[str, Any]] = [
        {"text": "extra"},
        {"num_questions": 0},
        {"difficulty": "brutal"},
        {"question_types": []},
    ]
    for body in bodies:
        refused = await client.post(url, json=body, headers=user_a.headers)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_another_users_or_a_deleted_note_is_not_found(client, user_a: Account, user_b: Account):
    mine = await note(client, user_a, content=study_text())
    theirs = await client.post(f"{NOTES}/{mine['id']}/quiz", json={}, headers=user_b.headers)
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "NOT_FOUND"
    unknown = await client.post(f"{NOTES}/{uuid.uuid4()}/quiz", json={}, headers=user_a.headers)
    assert unknown.status_code == 404
    assert (await client.delete(f"{NOTES}/{mine['id']}", headers=user_a.headers)).status_code == 200
    deleted = await client.post(f"{NOTES}/{mine['id']}/quiz", json={}, headers=user_a.headers)
    assert deleted.status_code == 404
    anonymous = await client.post(f"{NOTES}/{mine['id']}/quiz", json={})
    assert anonymous.status_code == 401
    quizzes = (await client.get(f"{API}/quiz", headers=user_b.headers)).json()["data"]
    assert quizzes["total"] == 0


async def test_an_empty_or_contentless_note_is_too_short(client, user_a: Account):
    for content in ("", "# Heading", "the of and to in a is it that."):
        created = await note(client, user_a, content=content)
        response = await client.post(f"{NOTES}/{created['id']}/quiz", json={}, headers=user_a.headers)
        assert response.status_code == 400, (content, response.text)
        error = response.json()["error"]
        assert error["code"] == "TEXT_TOO_SHORT"
        assert error["details"][0]["field"] == "note_id" and error["details"][0]["location"] == "path"
    quizzes = (await client.get(f"{API}/quiz", headers=user_a.headers)).json()["data"]
    assert quizzes["total"] == 0


async def test_a_long_note_is_queued(make_client, user_a: Account):
    _, small_client = await make_client(QUIZ_SYNC_MAX_CHARS=500)
    created = await note(small_client, user_a, content=" ".join(study_text(str(i)) for i in range(4)))
    response = await small_client.post(
        f"{NOTES}/{created['id']}/quiz", json={"num_questions": 4}, headers=user_a.headers
    )
    assert response.status_code == 202, response.text
    polled = await small_client.get(
        f"{API}/quiz/generations/{response.json()['data']['id']}", headers=user_a.headers
    )
    data = polled.json()["data"]
    assert data["status"] == "completed", data
    quiz = (await small_client.get(f"{API}/quiz/{data['quiz_id']}", headers=user_a.headers)).json()["data"]
    assert quiz["source"] == "note" and quiz["title"] == "Scientists" and quiz["question_count"] == 4


async def test_note_quizzes_count_against_the_plan_limit(client, app, user_a: Account):
    async with app.state.database.transaction() as session:
        plan = Plan(
            name=f"Tiny notes {uuid.uuid4().hex[:8]}",
            limits=[{"resource": "ai_generations_per_day", "title": "AI", "description": "", "value": 1}],
            features=[],
        )
        session.add(plan)
        await session.flush()
        await subscribe(session, uuid.UUID(user_a.id), plan.id)
    first = await note(client, user_a, content=study_text())
    second = await note(client, user_a, content=study_text())
    assert (
        await client.post(f"{NOTES}/{first['id']}/quiz", json={}, headers=user_a.headers)
    ).status_code == 201
    refused = await client.post(f"{NOTES}/{second['id']}/quiz", json={}, headers=user_a.headers)
    assert refused.status_code == 402 and refused.json()["error"]["code"] == "PLAN_LIMIT_REACHED"
    assert refused.json()["error"]["details"] == {"resource": "ai_generations_per_day", "limit": 1, "used": 1}
    # The same note again is a cache hit: no generation spent.
    again = await client.post(f"{NOTES}/{first['id']}/quiz", json={}, headers=user_a.headers)
    assert again.status_code == 201
