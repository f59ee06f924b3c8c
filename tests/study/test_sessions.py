"""Study sessions through HTTP: one open per user, pause/resume/end, server-side durations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from mosaic.core.database import utcnow
from mosaic.study.sessions.models import StudyInterval, StudySession
from tests.accounts.conftest import Account
from tests.study.conftest import API, new_quiz

URL = f"{API}/study-sessions"


async def _start(client, account: Account, **body) -> dict:
    response = await client.post(URL, json={"subject": "Biology", **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict = response.json()["data"]
    return data


async def _shift(app, session_id: str, minutes: int) -> None:
    """Move a session's running interval back in time (as if `minutes` had passed)."""
    async with app.state.database.transaction() as session:
        row = await session.get_one(StudySession, uuid.UUID(session_id))
        assert row.running_since is not None
        row.running_since = row.running_since - timedelta(minutes=minutes)
        row.started_at = row.started_at - timedelta(minutes=minutes)


async def test_pause_resume_end_and_durations_from_intervals(client, app, user_a: Account):
    quiz = await new_quiz(client, user_a, num_questions=2)
    started = await _start(client, user_a, quiz_id=quiz["id"], planned_minutes=30, note_id=str(uuid.uuid4()))
    assert started["status"] == "active" and started["ended_session_id"] is None
    await _shift(app, started["id"], 20)
    paused = (
        await client.put(
            f"{URL}/{started['id']}", json={"action": "pause", "progress": 40}, headers=user_a.headers
        )
    ).json()["data"]
    assert paused["status"] == "paused" and paused["progress"] == 40
    assert 20 * 60 <= paused["duration_seconds"] < 20 * 60 + 30
    again = await client.put(f"{URL}/{started['id']}", json={"action": "pause"}, headers=user_a.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_TRANSITION"
    resumed = (
        await client.put(f"{URL}/{started['id']}", json={"action": "resume"}, headers=user_a.headers)
    ).json()["data"]
    assert resumed["status"] == "active"
    await _shift(app, started["id"], 10)
    ended = (
        await client.put(f"{URL}/{started['id']}", json={"action": "end"}, headers=user_a.headers)
    ).json()["data"]
    assert ended["status"] == "ended" and ended["ended_at"]
    assert 30 * 60 <= ended["duration_seconds"] < 30 * 60 + 30  # the pause is not counted
    closed = await client.put(f"{URL}/{started['id']}", json={"progress": 90}, headers=user_a.headers)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "SESSION_ENDED"
    async with app.state.database.transaction() as session:
        seconds = (
            await session.scalars(
                select(StudyInterval.seconds).where(StudyInterval.session_id == uuid.UUID(started["id"]))
            )
        ).all()
    assert len(seconds) == 2 and sum(seconds) == ended["duration_seconds"]


async def test_starting_another_session_ends_the_open_one(client, app, user_a: Account):
    first = await _start(client, user_a, subject="History")
    second = await _start(client, user_a, subject="Chemistry")
    assert second["ended_session_id"] == first["id"]
    listed = (
        await client.get(URL, params={"status": "ended", "subject": "History"}, headers=user_a.headers)
    ).json()
    assert first["id"] in [s["id"] for s in listed["data"]["items"]]
    async with app.state.database.transaction() as session:
        open_count = await session.scalar(
            select(func.count())
            .select_from(StudySession)
            .where(StudySession.user_id == uuid.UUID(user_a.id), StudySession.status != "ended")
        )
    assert open_count == 1


async def test_concurrent_starts_leave_one_open_session(client, app, user_a: Account):
    responses = await asyncio.gather(
        *(client.post(URL, json={"subject": f"Topic {i}"}, headers=user_a.headers) for i in range(4))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    assert any(r.status_code == 201 for r in responses)
    async with app.state.database.transaction() as session:
        open_count = await session.scalar(
            select(func.count())
            .select_from(StudySession)
            .where(StudySession.user_id == uuid.UUID(user_a.id), StudySession.status != "ended")
        )
    assert open_count == 1


async def test_sessions_are_mine_only_and_validated(client, user_a: Account, user_b: Account):
    mine = await _start(client, user_a)
    assert (
        await client.put(f"{URL}/{mine['id']}", json={"action": "end"}, headers=user_b.headers)
    ).status_code == 404
    theirs = (await client.get(URL, headers=user_b.headers)).json()["data"]["items"]
    assert mine["id"] not in [s["id"] for s in theirs]
    quiz = await new_quiz(client, user_b, num_questions=2)
    foreign = await client.post(URL, json={"subject": "X", "quiz_id": quiz["id"]}, headers=user_a.headers)
    assert foreign.status_code == 404
    for body in (
        {"subject": ""},
        {"subject": "A", "planned_minutes": 0},
        {"subject": "A", "status": "ended"},
    ):
        assert (await client.post(URL, json=body, headers=user_a.headers)).status_code == 422
    bad = await client.put(f"{URL}/{mine['id']}", json={"action": "stop"}, headers=user_a.headers)
    assert bad.status_code == 422
    assert (await client.get(URL)).status_code == 401


async def test_history_filters_by_start_time(client, app, user_a: Account):
    row = await _start(client, user_a, subject="Geology")
    async with app.state.database.transaction() as session:
        await session.execute(
            update(StudySession)
            .where(StudySession.id == uuid.UUID(row["id"]))
            .values(started_at=utcnow() - timedelta(days=3))
        )
    recent = (
        await client.get(
            URL, params={"started_from": (utcnow() - timedelta(days=1)).isoformat()}, headers=user_a.headers
        )
    ).json()["data"]["items"]
    assert row["id"] not in [s["id"] for s in recent]
    older = (
        await client.get(
            URL, params={"started_to": (utcnow() - timedelta(days=2)).isoformat()}, headers=user_a.headers
        )
    ).json()["data"]["items"]
    assert row["id"] in [s["id"] for s in older]
