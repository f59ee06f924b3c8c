"""The per-token principal cache: no database work on a warm token, immediate invalidation here."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import event

from mosaic.accounts.deps import PrincipalCache
from mosaic.accounts.users.models import User
from tests.accounts.conftest import Account


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.count = 0

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_: object) -> None:
        self.count += 1


async def test_warm_token_reads_me_without_touching_the_database(client, app, user_a: Account):
    assert (await client.get("/api/v1/users/me", headers=user_a.headers)).status_code == 200
    with StatementCounter(app.state.database.engine) as counter:
        response = await client.get("/api/v1/users/me", headers=user_a.headers)
    assert response.status_code == 200 and response.json()["data"]["id"] == user_a.id
    assert counter.count == 0


async def test_a_change_committed_here_applies_on_the_next_request(client, app, user_a: Account):
    assert (await client.get("/api/v1/users/me", headers=user_a.headers)).status_code == 200
    async with app.state.database.transaction() as session:
        user = await session.get(User, uuid.UUID(user_a.id))
        assert user is not None
        user.is_active = False
    assert (await client.get("/api/v1/users/me", headers=user_a.headers)).status_code == 401


async def test_profile_update_is_visible_at_once(client, user_a: Account):
    await client.get("/api/v1/users/me", headers=user_a.headers)
    await client.put("/api/v1/users/me", json={"first_name": "Renamed"}, headers=user_a.headers)
    me = await client.get("/api/v1/users/me", headers=user_a.headers)
    assert me.json()["data"]["first_name"] == "Renamed"


def test_entries_expire_after_the_ttl_and_a_zero_ttl_caches_nothing(monkeypatch):
    cache = PrincipalCache(ttl=5)
    sentinel = object()
    cache.put("jti", sentinel)  # type: ignore[arg-type]
    assert cache.get("jti") is sentinel
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 6)
    assert cache.get("jti") is None
    disabled = PrincipalCache(ttl=0)
    disabled.put("jti", sentinel)  # type: ignore[arg-type]
    assert disabled.get("jti") is None


def test_only_writes_to_identity_tables_clear_it():
    cache = PrincipalCache(ttl=5)
    cache.put("jti", object())  # type: ignore[arg-type]
    PrincipalCache.invalidate_all({"trades", "notifications"})
    assert cache.get("jti") is not None
    PrincipalCache.invalidate_all({"roles"})
    assert cache.get("jti") is None
