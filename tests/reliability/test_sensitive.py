"""The checklist 1.07 scan itself (tests/reliability/sensitive.py), on planted leaks: the fuzz
runs it on every answer, so it must see what it claims to."""

from __future__ import annotations

from tests.reliability.sensitive import SECRETS, leaks


def test_sensitive_keys_are_found_at_any_depth():
    body = {"data": {"items": [{"id": 1, "owner": {"password_hash": "x"}}], "google_id": "g"}}
    found = leaks(body, declared=set())
    assert found == ["data.items[0].owner: key 'password_hash'", "data: key 'google_id'"]


def test_bearer_tokens_only_where_the_answer_declares_them():
    body = {"data": {"access_token": "a", "refresh_token": "r"}}
    assert leaks(body, declared={"access_token", "refresh_token"}) == []
    assert len(leaks(body, declared=set())) == 2


def test_hashes_and_configured_secrets_are_found_as_values():
    assert leaks({"error": {"message": "$argon2id$v=19$m=65536..."}}, declared=set())
    assert leaks({"data": {"note": f"key is {SECRETS[0]}"}}, declared=set())
    assert leaks({"data": {"masked_credentials": {"api_key": "ab12cd34"}}}, declared=set()) == [
        "data.masked_credentials: key 'api_key'"
    ]
    assert leaks({"data": {"masked_credentials": {"api_key": "********cd34"}}}, declared=set()) == []
