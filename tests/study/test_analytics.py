"""Analytics in the user's local days: a DST change (Europe/Madrid) and UTC+13 (Pacific/Tongatapu)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mosaic.study.analytics.service import streaks
from mosaic.study.sessions.models import StudyInterval
from tests.accounts.conftest import Account
from tests.study.conftest import API, new_quiz

SETTINGS = f"{API}/users/me/settings"


async def _zone(client, account: Account, name: str) -> None:
    response = await client.put(SETTINGS, json={"timezone": name}, headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["timezone"] == name


async def _intervals(client, app, account: Account, spans: list[tuple[datetime, int, str]]) -> None:
    """Recorded study intervals (start, minutes, subject) on a session of the account."""
    started = await client.post(f"{API}/study-sessions", json={"subject": "Any"}, headers=account.headers)
    session_id = uuid.UUID(started.json()["data"]["id"])
    async with app.state.database.transaction() as session:
        for start, minutes, subject in spans:
            session.add(
                StudyInterval(
                    session_id=session_id,
                    user_id=uuid.UUID(account.id),
                    subject=subject,
                    started_at=start,
                    ended_at=start + timedelta(minutes=minutes),
                    seconds=minutes * 60,
                )
            )


async def test_the_timezone_setting_is_an_iana_name(client, user_a: Account):
    assert (await client.get(SETTINGS, headers=user_a.headers)).json()["data"]["timezone"] == "UTC"
    bad = await client.put(SETTINGS, json={"timezone": "Mars/Olympus"}, headers=user_a.headers)
    assert bad.status_code == 422
    await _zone(client, user_a, "Pacific/Auckland")


async def test_study_time_buckets_follow_local_days_across_a_dst_change(client, app, user_a: Account):
    await _zone(client, user_a, "Europe/Madrid")
    # Summer time ends on 2026-10-25 at 03:00 local (01:00 UTC): +02:00 before, +01:00 after.
    await _intervals(
        client,
        app,
        user_a,
        [
            (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), 30, "Biology"),  # 00:30 on the 25th (CEST)
            (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), 20, "History"),  # 23:30 on the 25th (CET)
            (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), 10, "Biology"),  # 00:30 on the 26th (CET)
            (datetime(2026, 10, 23, 21, 59, tzinfo=UTC), 15, "Biology"),  # 23:59 on the 23rd (CEST)
        ],
    )
    response = await client.get(
        f"{API}/analytics/study-time",
        params={"start": "2026-10-23", "end": "2026-10-26"},
        headers=user_a.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    by_day = {d["date"]: d for d in data["days"]}
    assert [d["date"] for d in data["days"]] == ["2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26"]
    assert by_day["2026-10-23"]["minutes"] == 15
    assert by_day["2026-10-24"]["minutes"] == 0
    assert by_day["2026-10-25"] == {
        "date": "2026-10-25",
        "minutes": 50,
        "by_subject": {"Biology": 30, "History": 20},
    }
    assert by_day["2026-10-26"]["minutes"] == 10
    assert data["total_minutes"] == 75 and data["by_subject"] == {"Biology": 55, "History": 20}
    dashboard = (await client.get(f"{API}/analytics/dashboard", headers=user_a.headers)).json()["data"]
    # 23rd, 25th, 26th: the 24th is empty (UTC days or a fixed +01:00 would fill it)
    assert dashboard["longest_streak"] == 2 and dashboard["timezone"] == "Europe/Madrid"


async def test_days_and_streaks_in_utc_plus_13(client, app, user_a: Account):
    zone = ZoneInfo("Pacific/Tongatapu")  # UTC+13 all year
    await _zone(client, user_a, zone.key)
    today = datetime.now(UTC).astimezone(zone).date()

    def local(day_offset: int, hour: int, minute: int) -> datetime:
        day = today - timedelta(days=day_offset)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)

    await _intervals(
        client,
        app,
        user_a,
        [
            (local(1, 23, 30), 20, "Maths"),  # yesterday 23:30 local: still yesterday, 10:30 UTC
            (
                local(2, 0, 15),
                25,
                "Maths",
            ),  # two days ago just after midnight: the UTC date is the day before
            (local(4, 12, 0), 5, "Maths"),  # a gap on day 3 ends that run
        ],
    )
    quiz = await new_quiz(client, user_a, num_questions=2)
    attempt = await client.post(f"{API}/quiz/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    await client.post(
        f"{API}/quiz/submit",
        json={"attempt_id": attempt.json()["data"]["id"], "answers": []},
        headers=user_a.headers,
    )
    dashboard = (await client.get(f"{API}/analytics/dashboard", headers=user_a.headers)).json()["data"]
    assert (
        dashboard["current_streak"] == 3 and dashboard["longest_streak"] == 3
    )  # today, yesterday, the day before
    assert dashboard["quizzes"] == 1 and dashboard["attempts"] == 1 and dashboard["average_score"] == 0.0
    assert dashboard["due_reviews"] == 0
    data = (
        await client.get(
            f"{API}/analytics/study-time",
            params={"start": (today - timedelta(days=4)).isoformat(), "end": today.isoformat()},
            headers=user_a.headers,
        )
    ).json()["data"]
    minutes = [d["minutes"] for d in data["days"]]
    assert minutes == [5, 0, 25, 20, 0]
    performance = (await client.get(f"{API}/analytics/quiz-performance", headers=user_a.headers)).json()[
        "data"
    ]
    assert performance["attempts"] == 1 and performance["over_time"] == [
        {"date": today.isoformat(), "attempts": 1, "average_score": 0.0}
    ]


async def test_quiz_performance_by_subject_and_weakest_questions(client, user_a: Account, user_b: Account):
    quiz = await new_quiz(client, user_a, num_questions=3, subject="Chemistry", question_types=["cloze"])
    first = quiz["questions"][0]
    for _ in range(2):
        attempt = await client.post(
            f"{API}/quiz/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers
        )
        result = await client.post(
            f"{API}/quiz/submit",
            json={"attempt_id": attempt.json()["data"]["id"], "answers": []},
            headers=user_a.headers,
        )
    right = next(
        r["correct_index"] for r in result.json()["data"]["results"] if r["question_id"] == first["id"]
    )
    attempt = await client.post(f"{API}/quiz/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    wrong = (right + 1) % len(first["options"])
    await client.post(
        f"{API}/quiz/submit",
        json={
            "attempt_id": attempt.json()["data"]["id"],
            "answers": [{"question_id": first["id"], "answer_index": wrong}],
        },
        headers=user_a.headers,
    )
    data = (await client.get(f"{API}/analytics/quiz-performance", headers=user_a.headers)).json()["data"]
    assert data["by_subject"] == [{"subject": "Chemistry", "attempts": 3, "average_score": 0.0}]
    assert [w["question_id"] for w in data["weakest_questions"]] == [first["id"]]
    theirs = (await client.get(f"{API}/analytics/quiz-performance", headers=user_b.headers)).json()["data"]
    assert theirs["attempts"] == 0 and theirs["weakest_questions"] == [] and theirs["average_score"] is None


async def test_study_time_range_is_validated(client, user_a: Account):
    backwards = await client.get(
        f"{API}/analytics/study-time",
        params={"start": "2026-10-05", "end": "2026-10-01"},
        headers=user_a.headers,
    )
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "INVALID_RANGE"
    too_long = await client.get(
        f"{API}/analytics/study-time",
        params={"start": "2024-01-01", "end": "2026-10-01"},
        headers=user_a.headers,
    )
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "INVALID_RANGE"
    # A start alone far back: the default end (today) makes the range too long, still a 400.
    old_start = await client.get(
        f"{API}/analytics/study-time", params={"start": "1976-11-02"}, headers=user_a.headers
    )
    assert old_start.status_code == 400 and old_start.json()["error"]["code"] == "INVALID_RANGE"
    assert (await client.get(f"{API}/analytics/dashboard")).status_code == 401


def test_streaks():
    assert streaks([], 10) == (0, 0)
    assert streaks([8, 9], 10) == (2, 2)  # today not yet studied: the run through yesterday counts
    assert streaks([1, 2, 3, 7, 10], 10) == (1, 3)
    assert streaks([5, 6], 10) == (0, 2)
