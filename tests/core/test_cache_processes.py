"""The cache across processes: generation-checked stores, entity tags, principals seen everywhere.

Two apps built by `make_client` stand for two API processes: each has its own database pool,
shared cache client and principal cache (nothing process-global is involved any more), so
what one sees of the other's writes went through Redis.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from mosaic.core.cache import Cache, MemoryCache, RedisCache, cache_key, get_or_set
from tests.accounts.conftest import new_account, set_role
from tests.accounts.test_principal_cache import StatementCounter
from tests.conftest import TEST_REDIS_URL
from tests.core.conftest import mount_widgets
from tests.core.widgets import Widget, WidgetRepository

REDIS_URL = TEST_REDIS_URL or "redis://127.0.0.1:6379/15"  # only used by tests marked redis


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def shared_cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    cache: Cache = MemoryCache(60) if request.param == "memory" else RedisCache(REDIS_URL, 60, _prefix())
    yield cache
    await cache.delete_pattern("*")
    await cache.close()


async def test_a_value_read_during_a_concurrent_invalidation_is_not_stored(shared_cache: Cache):
    key = cache_key("widgets", "get", {"probe": uuid.uuid4().hex})
    row = f"test_widgets:{uuid.uuid4()}"

    async def raced(tag: str):
        async def load() -> str:
            await shared_cache.invalidate(tag)  # another process commits while this one reads
            return "stale"

        return load

    assert await get_or_set(shared_cache, key, await raced(row), tags=[row]) == "stale"
    assert await shared_cache.get(key) is None
    # A bulk write to the table (`test_widgets:*`) counts as an invalidation of every row tag.
    assert await get_or_set(shared_cache, key, await raced("test_widgets:*"), tags=[row]) == "stale"
    assert await shared_cache.get(key) is None
    # Another row's invalidation does not stop the store, and a quiet read is stored.
    other = f"test_widgets:{uuid.uuid4()}"
    assert await get_or_set(shared_cache, key, await raced(other), tags=[row]) == "stale"
    assert await shared_cache.get(key) == "stale"
    await shared_cache.invalidate(row)
    assert await shared_cache.get(key) is None


async def test_an_unconditional_set_and_a_stale_stamp(shared_cache: Cache):
    stamp = await shared_cache.stamp(["plans"])
    assert stamp is not None
    await shared_cache.invalidate("plans")
    assert await shared_cache.set("plans:list:a", [1], stamp=stamp) is False
    assert await shared_cache.get("plans:list:a") is None
    fresh = await shared_cache.stamp(["plans"])
    assert fresh != stamp
    assert await shared_cache.set("plans:list:a", [1], stamp=fresh) is True
    assert await shared_cache.get("plans:list:a") == [1]


async def _race_a_commit(app, cache: Cache) -> None:
    """A read inside a transaction; a second transaction renames the row and commits meanwhile."""
    await mount_widgets(app)
    database = app.state.database
    async with database.transaction() as session:
        widget = await WidgetRepository(session).create(name=f"w-{uuid.uuid4().hex}")
    tag = f"test_widgets:{widget.id}"
    key = cache_key("widgets", "get", {"id": widget.id})

    async def read_while_renamed() -> str:
        async with database.transaction() as reader:
            name = (await reader.get(Widget, widget.id)).name
            async with database.transaction() as writer:
                (await writer.get(Widget, widget.id)).name = f"renamed-{widget.id}"
            return name

    stale = await get_or_set(cache, key, read_while_renamed, tags=[tag])
    assert stale == widget.name
    assert await cache.get(key) is None  # not pinned for the TTL

    async def read() -> str:
        async with database.transaction() as reader:
            return (await reader.get(Widget, widget.id)).name

    assert await get_or_set(cache, key, read, tags=[tag]) == f"renamed-{widget.id}"
    assert await cache.get(key) == f"renamed-{widget.id}"


async def test_a_commit_during_a_read_keeps_the_stale_value_out_in_process(app):
    await _race_a_commit(app, app.state.cache)


@pytest.mark.redis
async def test_a_commit_during_a_read_keeps_the_stale_value_out_of_redis(make_client):
    app, _ = await make_client(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=_prefix(), SEED_ON_STARTUP=False)
    await _race_a_commit(app, app.state.cache)


async def _login_keeps_other_users_entries(app, client) -> None:
    alice = await new_account(client)
    settings_path = "/api/v1/users/me/settings"
    for _ in range(2):  # the first read creates the row (a write), the second is stored
        assert (await client.get(settings_path, headers=alice.headers)).status_code == 200
    bob = await new_account(client)
    await client.post("/api/v1/auth/login", json={"email": bob.email, "password": bob.password})
    await client.put(settings_path, json={"theme": "dark"}, headers=bob.headers)
    # Alice's principal and settings are still cached: her next read costs no SQL at all.
    with StatementCounter(app.state.database.engine) as counter:
        response = await client.get(settings_path, headers=alice.headers)
    assert response.status_code == 200 and response.json()["data"]["theme"] == "system"
    assert counter.count == 0
    # Her own write does drop her entries.
    await client.put(settings_path, json={"theme": "light"}, headers=alice.headers)
    with StatementCounter(app.state.database.engine) as counter:
        response = await client.get(settings_path, headers=alice.headers)
    assert response.json()["data"]["theme"] == "light" and counter.count > 0


async def test_a_login_does_not_evict_another_users_cache_entry(app, client):
    await _login_keeps_other_users_entries(app, client)


@pytest.mark.redis
async def test_a_login_does_not_evict_another_users_redis_entry(make_client):
    app, client = await make_client(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=_prefix())
    await _login_keeps_other_users_entries(app, client)


@pytest.mark.redis
async def test_a_logout_and_a_role_change_reach_a_second_process_on_its_next_request(make_client):
    prefix = _prefix()
    app_a, api_a = await make_client(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    app_b, api_b = await make_client(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix, SEED_ON_STARTUP=False)
    # Nothing in-process is shared between the two "processes".
    assert app_a.state.cache is not app_b.state.cache
    assert app_a.state.database is not app_b.state.database
    alice = await new_account(api_a)
    for _ in range(2):  # B now holds Alice's principal in its own cache
        assert (await api_b.get("/api/v1/users/me", headers=alice.headers)).status_code == 200
    assert app_b.state.principal_cache is not getattr(app_a.state, "principal_cache", None)

    logout = await api_a.post(
        "/api/v1/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.headers
    )
    assert logout.status_code == 200
    assert (await api_b.get("/api/v1/users/me", headers=alice.headers)).status_code == 401

    bob = await new_account(api_a)
    for _ in range(2):
        assert (await api_b.get("/api/v1/users", headers=bob.headers)).status_code == 403
    await set_role(app_a, bob.id, "admin")  # committed by process A
    assert (await api_b.get("/api/v1/users", headers=bob.headers)).status_code == 200
    await set_role(app_a, bob.id, "user")
    assert (await api_b.get("/api/v1/users", headers=bob.headers)).status_code == 403


async def test_without_a_shared_cache_a_second_process_waits_for_the_ttl(make_client):
    """The counter-test: with in-process caches, B's entry outlives A's logout (until the TTL)."""
    _, api_a = await make_client(AUTH_CACHE_TTL_SECONDS=60)
    _, api_b = await make_client(AUTH_CACHE_TTL_SECONDS=60, SEED_ON_STARTUP=False)
    alice = await new_account(api_a)
    for _ in range(2):
        assert (await api_b.get("/api/v1/users/me", headers=alice.headers)).status_code == 200
    body = {"refresh_token": alice.refresh_token}
    await api_a.post("/api/v1/auth/logout", json=body, headers=alice.headers)
    assert (await api_a.get("/api/v1/users/me", headers=alice.headers)).status_code == 401
    assert (await api_b.get("/api/v1/users/me", headers=alice.headers)).status_code == 200


@pytest.mark.redis
async def test_an_invalidation_redis_missed_is_replayed_once_it_answers(monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    cache = RedisCache(REDIS_URL, 60, _prefix())
    try:
        await cache.set("plans:list:a", [1], tags=["plans"])
        stamp = await cache.stamp(["plans"])
        script = cache._invalidate

        async def down(**_: object) -> None:
            raise RedisConnectionError("connection refused")

        monkeypatch.setattr(cache, "_invalidate", down)
        await cache.invalidate("plans")  # a commit while Redis is unreachable
        monkeypatch.setattr(cache, "_invalidate", script)
        cache.gate._down_until = 0.0  # the back-off is over
        assert await cache.get("plans:list:a") is None  # replayed before the read
        assert await cache.stamp(["plans"]) != stamp
        assert cache._lost == set()
    finally:
        await cache.delete_pattern("*")
        await cache.close()
