"""The per-token principal cache: no database work on a warm token, immediate invalidation here."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import event

from mosaic.accounts.deps import PrincipalCache, principal_tags
from mosaic.accounts.users.models import User
from mosaic.core.cache import MemoryCache
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


async def test_entries_expire_after_the_ttl_and_a_zero_ttl_caches_nothing(monkeypatch):
    shared = MemoryCache(60)
    stamp = await shared.stamp(principal_tags("u1", "jti"))
    cache = PrincipalCache(ttl=5)
    sentinel = object()
    cache.put("jti", sentinel, stamp)  # type: ignore[arg-type]
    assert await cache.fresh("jti", shared) is sentinel
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 6)
    assert await cache.fresh("jti", shared) is None
    disabled = PrincipalCache(ttl=0)
    disabled.put("jti", sentinel, stamp)  # type: ignore[arg-type]
    assert disabled.get("jti") is None


async def test_only_invalidations_of_its_own_tags_make_an_entry_stale():
    shared = MemoryCache(60)
    cache = PrincipalCache(ttl=5)
    cache.put("jti", object(), await shared.stamp(principal_tags("u1", "jti")))  # type: ignore[arg-type]
    cache.put("other", object(), await shared.stamp(principal_tags("u2", "other")))  # type: ignore[arg-type]
    await shared.invalidate("trades", "users:u2", "revoked_access_tokens:other")
    assert await cache.fresh("jti", shared) is not None
    assert await cache.fresh("other", shared) is None
    await shared.invalidate("roles")
    assert await cache.fresh("jti", shared) is None


def test_an_entry_without_a_stamp_is_not_kept():
    cache = PrincipalCache(ttl=5)
    cache.put("jti", object(), None)  # type: ignore[arg-type]
    assert cache.get("jti") is None
