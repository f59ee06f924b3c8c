"""The shipped study-app mapping (docs/examples/mongo-study-app.yaml) on a generated NestJS export:
users and their Markdown notes import once, the notes are searchable and quizzable through the API
by the migrated user (old bcrypt password), and a re-run imports nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt
from bson import ObjectId, json_util

from mosaic.legacy.mongo.importer import import_dump
from mosaic.legacy.mongo.mapping import load_mappings
from tests.legacy.test_import_mongo import counts
from tests.study.conftest import FACTS

MAPPING = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mongo-study-app.yaml"
API = "/api/v1"
PASSWORD = "Old-Study-Passw0rd!"
CREATED = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def write_export(folder: Path) -> dict[str, Any]:
    """Two students (mongoexport JSON lines, camelCase Mongoose fields) and their five notes."""
    tag = uuid.uuid4().hex[:8]
    password = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    users = [
        {
            "_id": ObjectId(),
            "email": f"Student{i}-{tag}@Example.com",
            "password": password,
            "firstName": f"Student{i}",
            "lastName": "Lee",
            "isEmailVerified": True,
            "createdAt": CREATED,
            "updatedAt": CREATED,
        }
        for i in range(2)
    ]
    body = " ".join(f"**{name}** {fact}." for name, fact in FACTS)
    notes = [
        {
            "_id": ObjectId(),
            "userId": users[i % 2]["_id"],
            "title": f"Scientists {i} {tag}",
            "content": f"# Chapter {i}\n\n{body}",
            "tags": ["history"],
            "category": "Science" if i else None,
            "isDeleted": i == 4,
            "createdAt": CREATED,
            "updatedAt": CREATED,
        }
        for i in range(5)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for name, docs in (("users", users), ("notes", notes)):
        lines = [json_util.dumps(d, json_options=json_util.RELAXED_JSON_OPTIONS) for d in docs]
        (folder / f"{name}.json").write_text("\n".join(lines) + "\n")
    return {"tag": tag, "users": users, "notes": notes}


async def test_a_nestjs_study_export_imports_once_and_its_notes_work(app, client, settings, tmp_path):
    export = write_export(tmp_path / "study")
    mappings = load_mappings(MAPPING)
    report = await import_dump(app.state.database, settings, mappings, tmp_path / "study")
    assert report.failures == [] and report.committed and report.unmapped == []
    assert counts(report) == {"users": (2, 2, 0, 0, 0), "notes": (5, 5, 0, 0, 0)}

    again = await import_dump(app.state.database, settings, mappings, tmp_path / "study")
    assert again.failures == [] and counts(again) == {"users": (2, 0, 2, 0, 0), "notes": (5, 0, 5, 0, 0)}

    login = await client.post(
        f"{API}/auth/login", json={"email": export["users"][0]["email"].lower(), "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
    mine = (await client.get(f"{API}/notes", headers=headers)).json()["data"]
    # Notes 0 and 2 are the first student's (4 was deleted in the old app and stays hidden).
    assert sorted(n["title"] for n in mine["items"]) == [f"Scientists {i} {export['tag']}" for i in (0, 2)]
    note = next(n for n in mine["items"] if n["title"].startswith("Scientists 2"))
    assert note["category"] == "Science" and note["content"].startswith("# Chapter 2")
    assert note["created_at"].startswith("2025-03-04")
    found = (await client.get(f"{API}/notes", params={"q": "Lovelace"}, headers=headers)).json()["data"]
    assert found["total"] == 2
    quiz = await client.post(f"{API}/notes/{note['id']}/quiz", json={"num_questions": 3}, headers=headers)
    assert quiz.status_code == 201, quiz.text
    assert quiz.json()["data"]["subject"] == "Science" and quiz.json()["data"]["source"] == "note"
