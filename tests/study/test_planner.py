"""The planner through HTTP (stored plans, tasks done -> progress, weak subjects weighted) and a
property test of the scheduler: never more than the hours given, nothing on or after the deadline."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import httpx
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic.study.planner.schedule import TopicWeight, build_plan
from tests.accounts.conftest import Account
from tests.study.conftest import API, new_quiz
from tests.study.test_providers import DEEPSEEK_URL, deepseek_completion

URL = f"{API}/planner"


def plan_body(**overrides: Any) -> dict[str, Any]:
    return {
        "goals": [
            {"subject": "Biology", "topics": ["Cells", "Genetics"], "weight": 2},
            {"subject": "History", "topics": ["Rome"]},
        ],
        "start_date": "2026-12-07",  # a Monday
        "deadline": "2026-12-21",
        "hours_per_weekday": {"0": 2, "2": 1, "5": 3},
        **overrides,
    }


async def test_a_plan_fits_the_hours_and_the_deadline_and_tracks_progress(
    client, user_a: Account, user_b: Account
):
    response = await client.post(f"{URL}/generate", json=plan_body(title="Finals"), headers=user_a.headers)
    assert response.status_code == 201, response.text
    plan = response.json()["data"]
    assert plan["title"] == "Finals" and plan["planner"] == "offline" and plan["progress"] == 0
    hours = {"0": 120, "2": 60, "5": 180}
    for day in plan["days"]:
        weekday = str(date.fromisoformat(day["date"]).weekday())
        assert day["minutes"] == sum(t["minutes"] for t in day["tasks"]) <= hours.get(weekday, 0)
        assert "2026-12-07" <= day["date"] < "2026-12-21"
    tasks = [t for d in plan["days"] for t in d["tasks"]]
    assert {t["topic"] for t in tasks if t["kind"] == "study"} == {"Cells", "Genetics", "Rome"}
    assert {t["topic"] for t in tasks if t["kind"] == "quiz"} <= {"Cells", "Genetics", "Rome"}
    assert plan["total_minutes"] == sum(t["minutes"] for t in tasks)
    study: defaultdict[str, int] = defaultdict(int)
    for t in tasks:
        if t["kind"] == "study":
            study[t["topic"]] += t["minutes"]
    assert study["Cells"] >= study["Rome"]  # weight 2 over two topics vs weight 1 over one
    task = tasks[0]
    done = await client.put(
        f"{URL}/plans/{plan['id']}/tasks/{task['id']}", json={"done": True}, headers=user_a.headers
    )
    assert done.status_code == 200
    assert done.json()["data"]["done_minutes"] == task["minutes"]
    assert done.json()["data"]["progress"] == round(task["minutes"] / plan["total_minutes"], 4)
    listed = (await client.get(f"{URL}/plans", headers=user_a.headers)).json()["data"]
    assert any(p["id"] == plan["id"] and p["done_minutes"] == task["minutes"] for p in listed["items"])
    for method, path, body in (
        ("GET", f"{URL}/plans/{plan['id']}", None),
        ("PUT", f"{URL}/plans/{plan['id']}/tasks/{task['id']}", {"done": False}),
    ):
        assert (await client.request(method, path, json=body, headers=user_b.headers)).status_code == 404
    missing = await client.put(
        f"{URL}/plans/{plan['id']}/tasks/{uuid.uuid4()}", json={"done": True}, headers=user_a.headers
    )
    assert missing.status_code == 404
    fetched = (await client.get(f"{URL}/plans/{plan['id']}", headers=user_a.headers)).json()["data"]
    assert fetched["days"] == done.json()["data"]["days"]


async def test_weak_subjects_get_more_time(client, user_a: Account):
    quiz = await new_quiz(client, user_a, num_questions=2, subject="Physics")
    attempt = await client.post(f"{API}/quiz/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    answers = [{"question_id": quiz["questions"][0]["id"], "answer_index": 0}]
    result = await client.post(
        f"{API}/quiz/submit",
        json={"attempt_id": attempt.json()["data"]["id"], "answers": answers},
        headers=user_a.headers,
    )
    assert result.json()["data"]["score"] <= 0.5  # Physics is my weakest subject
    body = plan_body(
        goals=[{"subject": "Physics", "topics": ["Optics"]}, {"subject": "Art", "topics": ["Baroque"]}]
    )
    plan = (await client.post(f"{URL}/generate", json=body, headers=user_a.headers)).json()["data"]
    study: defaultdict[str, int] = defaultdict(int)
    for day in plan["days"]:
        for task in day["tasks"]:
            if task["kind"] == "study":
                study[task["subject"]] += task["minutes"]
    assert study["Physics"] > study["Art"]
    reviews = [t for d in plan["days"] for t in d["tasks"] if t["kind"] == "review"]
    assert reviews and reviews[0]["date"] == plan["days"][0]["date"]  # my answered card comes due
    no_reviews = (
        await client.post(f"{URL}/generate", json=plan_body(include_reviews=False), headers=user_a.headers)
    ).json()["data"]
    assert not [t for d in no_reviews["days"] for t in d["tasks"] if t["kind"] == "review"]


async def test_invalid_plans_are_refused(client, user_a: Account):
    # Dates the schema cannot relate: 400 VALIDATION_ERROR naming `deadline` (as trading's ranges).
    for deadline, message in (
        ("2026-12-07", "deadline must be after start_date"),
        ("2026-12-01", "deadline must be after start_date"),
        ("2028-12-07", "a plan spans at most 366 days"),
    ):
        response = await client.post(
            f"{URL}/generate", json=plan_body(deadline=deadline), headers=user_a.headers
        )
        assert response.status_code == 400, deadline
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["message"] == message
        assert error["details"][0]["field"] == "deadline"
    plans = await client.get(f"{URL}/plans", headers=user_a.headers)
    assert plans.json()["data"]["total"] == 0  # nothing stored
    cases: tuple[dict[str, Any], ...] = (
        {"hours_per_weekday": {"7": 2}},
        {"hours_per_weekday": {"0": 0}},
        {"hours_per_weekday": {"0": 25}},
        {"goals": []},
        {"goals": [{"subject": "A", "topics": [" "]}]},
    )
    for overrides in cases:
        response = await client.post(f"{URL}/generate", json=plan_body(**overrides), headers=user_a.headers)
        assert response.status_code == 422, overrides
    assert (await client.post(f"{URL}/generate", json=plan_body())).status_code == 401


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    span=st.integers(min_value=1, max_value=60),
    hours=st.dictionaries(
        st.sampled_from([str(d) for d in range(7)]), st.floats(min_value=0, max_value=16, allow_nan=False)
    ),
    weights=st.lists(st.floats(min_value=0.01, max_value=20, allow_nan=False), min_size=1, max_size=8),
    reviews=st.booleans(),
)
def test_the_plan_never_exceeds_the_hours_nor_the_deadline(start, span, hours, weights, reviews):
    deadline = start + timedelta(days=span)
    topics = [TopicWeight(f"S{i % 3}", f"T{i}", w) for i, w in enumerate(weights)]
    tasks = build_plan(topics, start, deadline, hours, reviews=reviews)
    used: dict[date, int] = defaultdict(int)
    for task in tasks:
        assert start <= task.date < deadline
        assert task.minutes > 0 and task.minutes % 15 == 0
        used[task.date] += task.minutes
    for day, minutes in used.items():
        assert minutes <= hours.get(str(day.weekday()), 0) * 60


@respx.mock
async def test_an_ai_provider_weighs_the_topics_and_a_failure_falls_back(make_client, user_a: Account):
    _, client = await make_client(AI_PROVIDER="deepseek", DEEPSEEK_API_KEY="sk-test", AI_MAX_RETRIES=0)
    priorities = {
        "priorities": [
            {"subject": "Biology", "topic": "Genetics", "weight": 4},
            {"subject": "Biology", "topic": "Cells", "weight": 0.25},
            {"subject": "Unknown", "topic": "Ignored", "weight": 4},
        ]
    }
    route = respx.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_completion(json.dumps(priorities)))
    )
    body = plan_body(goals=[{"subject": "Biology", "topics": ["Cells", "Genetics"]}])
    plan = (await client.post(f"{URL}/generate", json=body, headers=user_a.headers)).json()["data"]
    assert plan["planner"] == "deepseek" and route.called
    assert "Genetics" in json.loads(route.calls.last.request.content)["messages"][-1]["content"]
    study: defaultdict[str, int] = defaultdict(int)
    for day in plan["days"]:
        for task in day["tasks"]:
            if task["kind"] == "study":
                study[task["topic"]] += task["minutes"]
    assert study["Genetics"] > study["Cells"]
    respx.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_completion("not json")))
    other = plan_body(goals=[{"subject": "Biology", "topics": ["Ecology"]}])  # not the cached prompt
    fallback = (await client.post(f"{URL}/generate", json=other, headers=user_a.headers)).json()["data"]
    assert fallback["planner"] == "offline" and fallback["total_minutes"] > 0
