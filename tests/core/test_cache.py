"""The shared cache: keys, tags, invalidation on commit, Redis (real server) and Redis outages."""

from __future__ import annotations

import logging
import uuid

import orjson
import pytest

from mosaic.core.cache import MemoryCache, RedisCache, cache_key, get_or_set, params_hash
from tests.accounts.conftest import new_account
from tests.conftest import TEST_REDIS_URL
from tests.core.conftest import mount_widgets
from tests.core.widgets import WidgetRepository

REDIS_URL = TEST_REDIS_URL or "redis://127.0.0.1:6379/15"  # only used by tests marked redis


def test_keys_are_module_operation_hash_and_scoped_by_user():
    assert params_hash({"a": 1, "b": 2}) == params_hash({"b": 2, "a": 1})
    public = cache_key("users", "list", {"limit": 10})
    alice = cache_key("users", "me", {"limit": 10}, user_id="alice")
    bob = cache_key("users", "me", {"limit": 10}, user_id="bob")
    assert public.startswith("users:list:") and len(public.split(":")) == 3
    assert alice.startswith("users:me:alice:") and alice != bob


async def test_memory_cache_tags_ttl_and_copy_semantics():
    cache = MemoryCache(default_ttl=60)
    await cache.set("users:me:1:x", {"name": "a"}, tags=["roles"])
    await cache.set("plans:list:y", [1, 2], tags=["plans"])
    value = await cache.get("users:me:1:x")
    assert isinstance(value, dict)
    value["name"] = "mutated"
    assert await cache.get("users:me:1:x") == {"name": "a"}
    await cache.invalidate("roles")
    assert await cache.get("users:me:1:x") is None and await cache.get("plans:list:y") == [1, 2]
    await cache.invalidate("plans")
    assert await cache.get("plans:list:y") is None
    await cache.set("short:k:z", 1, ttl=1)
    cache._entries["short:k:z"] = (0.0, *cache._entries["short:k:z"][1:])  # expire it without sleeping
    assert await cache.get("short:k:z") is None


async def test_memory_cache_is_bounded():
    cache = MemoryCache(default_ttl=60, max_entries=3)
    for index in range(5):
        await cache.set(f"m:op:{index}", index)
    assert [await cache.get(f"m:op:{i}") for i in range(5)] == [None, None, 2, 3, 4]
    assert all(len(keys) <= 3 for keys in cache._tags.values())


async def test_get_or_set_loads_once():
    cache = MemoryCache(default_ttl=60)
    calls = []

    async def load():
        calls.append(1)
        return {"v": 1}

    assert await get_or_set(cache, "m:o:h", load) == {"v": 1}
    assert await get_or_set(cache, "m:o:h", load) == {"v": 1}
    assert len(calls) == 1


async def test_a_commit_invalidates_the_tables_it_wrote_and_a_rollback_does_not(app):
    await mount_widgets(app)
    cache = app.state.cache
    key = cache_key("widgets", "list", {"probe": uuid.uuid4().hex})
    await cache.set(key, ["cached"], tags=["test_widgets"])

    async def write_then_fail() -> None:
        async with app.state.database.transaction() as session:
            await WidgetRepository(session).create(name=f"w-{uuid.uuid4().hex}")
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert await cache.get(key) == ["cached"]

    async with app.state.database.transaction() as session:
        await WidgetRepository(session).create(name=f"w-{uuid.uuid4().hex}")
    assert await cache.get(key) is None


async def test_profile_reads_are_cached_per_user_and_fresh_after_an_update(client):
    alice = await new_account(client, first_name="Alice")
    bob = await new_account(client, first_name="Bob")
    first = await client.get("/api/v1/users/me", headers=alice.headers)
    assert first.json()["data"]["first_name"] == "Alice"
    assert (await client.get("/api/v1/users/me", headers=bob.headers)).json()["data"]["first_name"] == "Bob"
    updated = await client.put("/api/v1/users/me", headers=alice.headers, json={"first_name": "Alicia"})
    assert updated.json()["data"]["first_name"] == "Alicia"
    assert (await client.get("/api/v1/users/me", headers=alice.headers)).json()["data"][
        "first_name"
    ] == "Alicia"


# -- Redis --------------------------------------------------------------------------------------
def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis():
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


async def _keys(redis, prefix: str, pattern: str) -> list[str]:
    return sorted([key.decode() async for key in redis.scan_iter(match=f"{prefix}:{pattern}", count=500)])


@pytest.mark.redis
async def test_redis_serves_hits_scopes_by_user_and_invalidates_on_update(make_client, redis):
    prefix = _prefix()
    _, client = await make_client(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    alice = await new_account(client, first_name="Alice")
    bob = await new_account(client, first_name="Bob")
    settings_path = "/api/v1/users/me/settings"
    # The first read creates the settings row, and that commit invalidates what it just cached.
    for _ in range(2):
        await client.get(settings_path, headers=alice.headers)
    (alice_key,) = await _keys(redis, prefix, f"settings:me:{alice.id}:*")
    assert 0 < await redis.ttl(alice_key) <= 86400

    # A hit is served from Redis: change the stored copy and the API answers with it.
    cached = orjson.loads(await redis.get(alice_key))
    await redis.set(alice_key, orjson.dumps({**cached, "theme": "dark"}), ex=60)
    hit = await client.get(settings_path, headers=alice.headers)
    assert hit.json()["data"]["theme"] == "dark"

    # Bob gets his own entry and never Alice's data.
    for _ in range(2):
        bob_settings = await client.get(settings_path, headers=bob.headers)
    assert bob_settings.json()["data"]["theme"] == "system"
    assert await _keys(redis, prefix, f"settings:me:{bob.id}:*")

    # An update invalidates the cached read (the user_settings tag), then reads are fresh.
    await client.put(settings_path, headers=alice.headers, json={"theme": "light"})
    assert await redis.exists(alice_key) == 0
    fresh = await client.get(settings_path, headers=alice.headers)
    assert fresh.json()["data"]["theme"] == "light"
    for key in await _keys(redis, prefix, "*"):
        assert await redis.ttl(key) > 0, key


@pytest.mark.redis
async def test_redis_delete_pattern_uses_scan(redis):
    prefix = _prefix()
    cache = RedisCache(REDIS_URL, 60, prefix)
    try:
        for index in range(30):
            await cache.set(f"plans:list:{index}", index)
        await cache.set("users:me:1:x", 1)
        await cache.delete_pattern("plans:*")
        assert await _keys(redis, prefix, "plans:*") == []
        assert await cache.get("users:me:1:x") == 1
    finally:
        await cache.delete_pattern("*")
        await cache.invalidate("users", "plans")
        await cache.close()


async def test_a_redis_outage_serves_uncached_with_one_warning(make_client, caplog):
    _, client = await make_client(REDIS_URL="redis://127.0.0.1:1/0", SEED_ON_STARTUP=False)
    cache = RedisCache("redis://127.0.0.1:1/0", 60)
    with caplog.at_level(logging.WARNING, logger="mosaic.cache"):
        assert await cache.get("users:me:1:x") is None
        await cache.set("users:me:1:x", 1)
        await cache.invalidate("users")
    await cache.close()
    assert caplog.text.count("Redis cache unavailable") == 1

    account = await new_account(client)
    for _ in range(3):
        response = await client.get("/api/v1/users/me", headers=account.headers)
        assert response.status_code == 200 and response.json()["data"]["id"] == account.id
