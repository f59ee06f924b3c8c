"""The shared cache: one small interface, an in-process default and Redis when `REDIS_URL` is set.

Keys read `{module}:{operation}:{params_hash}`, with the caller's id before the hash whenever the
result depends on who asks (`users:me:{user_id}:{hash}`), so one user can never be served another
user's entry.

Tags name what an entry was read from, per entity: `users:{id}` for one row, `plans` for a
whole collection (a list). A commit drops the tags of the rows it wrote — `{table}` and
`{table}:{primary key}`, plus the parents a model names in `__cache_parents__` (a user's
settings row also drops `users:{user_id}`); a bulk `update()`/`delete()` drops `{table}` and
`{table}:*`, which every entity tag of that table implies. So a login (it writes the user's
row and a refresh token) drops that user's entries and the user lists, never another user's.
`attach_invalidation` arranges it for every session of a `Database`, so no service has to
remember to.

Generations close the read/invalidate race: every tag has a counter that each invalidation
bumps. `get_or_set` reads the counters of its tags *before* loading, and the store succeeds
only if they are unchanged (atomically: one Lua script in Redis), so a value computed while a
concurrent commit invalidated its tags is returned but never stored, and cannot pin stale data
for the TTL. The same counters tell other processes that an in-process copy (the principal
cache) is stale: see `Cache.stamp`.

Why not a library: `cashews` and `aiocache` would cover get/set, but neither gives the outage
policy we need (a Redis failure is a logged warning and a miss, never an error, with a short
back-off so a dead Redis costs no latency) nor invalidation tied to SQLAlchemy commits; what is
left once those are written here is a few lines over `redis.asyncio`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from mosaic.core.config import Settings
from mosaic.core.database import Database, on_commit

logger = logging.getLogger("mosaic.cache")

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)

# A failing Redis is not retried for this long: requests stay fast while it is down.
OUTAGE_BACKOFF_SECONDS = 5.0
# Past this many invalidations lost in an outage, the whole prefix is dropped once Redis is back.
MAX_LOST_TAGS = 10_000
ALL = "*"


def params_hash(params: Mapping[str, Any] | None) -> str:
    """A stable hash of the parameters that shape a result (key order and types normalised)."""
    canonical = orjson.dumps(params or {}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:32]


def serialised(value: Any) -> bytes | None:
    """The cached form of a value, or None when it has none: orjson stops at 64-bit integers
    (and would read a bigger one back as a float), and a free-form JSON field may hold one. Such a
    value is served uncached rather than failing the request or coming back rounded."""
    try:
        return orjson.dumps(value)
    except TypeError:
        logger.debug("value not cached: orjson cannot serialise it exactly")
        return None


def cache_key(
    module: str, operation: str, params: Mapping[str, Any] | None = None, *, user_id: object = None
) -> str:
    """`{module}:{operation}:{params_hash}`, or `{module}:{operation}:{user_id}:{params_hash}`."""
    scope = f"{user_id}:" if user_id is not None else ""
    return f"{module}:{operation}:{scope}{params_hash(params)}"


def entity_tag(table: str, row_id: object) -> str:
    """The tag of one row: `users:{id}`."""
    return f"{table}:{row_id}"


def expand_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Sorted, unique, and each entity tag `t:x` with its table's `t:*` (dropped by bulk writes)."""
    expanded = set(tags)
    for tag in list(expanded):
        table, sep, rest = tag.partition(":")
        if sep and rest != ALL:
            expanded.add(f"{table}:{ALL}")
    return tuple(sorted(expanded))


@dataclass(frozen=True, slots=True)
class Stamp:
    """The generations of some tags at one moment; equal stamps mean no invalidation in between."""

    tags: tuple[str, ...]
    values: tuple[Any, ...]


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def set(
        self,
        key: str,
        value: Any,
        *,
        ttl: int | None = None,
        tags: Iterable[str] = (),
        stamp: Stamp | None = None,
    ) -> bool:
        """Store `value`; with `stamp`, only if none of its tags was invalidated since. True if stored."""
        ...

    async def stamp(self, tags: Iterable[str]) -> Stamp | None:
        """The current generations of `tags` (None when they cannot be read: treat as unknown)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def invalidate(self, *tags: str) -> None:
        """Drop every entry carrying one of `tags` and bump their generations."""
        ...

    async def delete_pattern(self, pattern: str) -> None: ...

    async def close(self) -> None: ...


class OutageGate:
    """Remembers that a backing service just failed, logging one warning per outage."""

    def __init__(self, service: str, logger: logging.Logger, backoff: float = OUTAGE_BACKOFF_SECONDS) -> None:
        self.service = service
        self.logger = logger
        self.backoff = backoff
        self._down_until = 0.0
        self._warned = False

    @property
    def open(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, exc: BaseException, action: str) -> None:
        self._down_until = time.monotonic() + self.backoff
        if not self._warned:
            self.logger.warning("%s unavailable (%s): %s", self.service, type(exc).__name__, action)
            self._warned = True

    def succeeded(self) -> None:
        if self._warned:
            self.logger.warning("%s reachable again", self.service)
        self._warned = False


class MemoryCache:
    """Per-process LRU with expiry: the embedded default, and the right answer for one process."""

    def __init__(self, default_ttl: int, max_entries: int = 10_000) -> None:
        self.default_ttl = default_ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes, tuple[str, ...]]] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        # Generations of invalidated tags; bounded: past the cap they restart under a new epoch,
        # which makes every stamp taken before unequal (a few skipped stores, never a stale one).
        self._generations: dict[str, int] = {}
        self._epoch = 0

    async def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, payload, _ = entry
        if expires_at <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return orjson.loads(payload)

    def _stamp_now(self, tags: tuple[str, ...]) -> Stamp:
        return Stamp(tags, (self._epoch, *(self._generations.get(tag, 0) for tag in tags)))

    async def stamp(self, tags: Iterable[str]) -> Stamp | None:
        return self._stamp_now(expand_tags(tags))

    async def set(
        self,
        key: str,
        value: Any,
        *,
        ttl: int | None = None,
        tags: Iterable[str] = (),
        stamp: Stamp | None = None,
    ) -> bool:
        all_tags = stamp.tags if stamp is not None else expand_tags(tags)
        if stamp is not None and self._stamp_now(stamp.tags) != stamp:
            return False
        # Stored serialised, like Redis: a caller mutating its copy cannot change the cached value.
        payload = serialised(value)
        if payload is None:
            return False
        self._drop(key)
        self._entries[key] = (time.monotonic() + (ttl or self.default_ttl), payload, all_tags)
        for tag in all_tags:
            self._tags.setdefault(tag, set()).add(key)
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))
        return True

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry[2]:
            keys = self._tags.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tags[tag]

    async def delete(self, key: str) -> None:
        self._drop(key)

    async def invalidate(self, *tags: str) -> None:
        if len(self._generations) + len(tags) > self.max_entries * 4:
            self._generations.clear()
            self._epoch += 1
        for tag in tags:
            self._generations[tag] = self._generations.get(tag, 0) + 1
            for key in list(self._tags.get(tag, ())):
                self._drop(key)

    async def delete_pattern(self, pattern: str) -> None:
        for key in [k for k in self._entries if fnmatch.fnmatchcase(k, pattern)]:
            self._drop(key)

    async def close(self) -> None:
        self._entries.clear()
        self._tags.clear()


# KEYS: the entry, then n generation keys, then n tag sets. ARGV: payload, ttl, n expected values.
_SET_IF_FRESH = """
local n = (#KEYS - 1) / 2
for i = 1, n do
  local current = redis.call('GET', KEYS[1 + i]) or ''
  if current ~= ARGV[2 + i] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 1, n do
  local tag = KEYS[1 + n + i]
  redis.call('SADD', tag, KEYS[1])
  redis.call('EXPIRE', tag, ARGV[2], 'GT')
  redis.call('EXPIRE', tag, ARGV[2], 'NX')
end
return 1
"""

# KEYS: n generation keys, then their n tag sets. ARGV: how long a generation is kept.
_INVALIDATE = """
local n = #KEYS / 2
for i = 1, n do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  local members = redis.call('SMEMBERS', KEYS[n + i])
  for j = 1, #members, 500 do
    redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('DEL', KEYS[n + i])
end
return n
"""


class RedisCache:
    """Redis-backed cache shared by every process; any Redis failure is a miss, never an error.

    Tags are Redis sets of keys (`{prefix}:tag:{tag}`), expiring with the longest entry they
    hold, so invalidating a tag costs one script call instead of a keyspace scan. Generations
    are counters (`{prefix}:gen:{tag}`) kept twice the default TTL, longer than any entry or
    computation they guard.
    """

    def __init__(self, url: str, default_ttl: int, prefix: str = "mosaic") -> None:
        from redis.asyncio import Redis

        self.default_ttl = default_ttl
        self.prefix = prefix
        self.redis = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.gate = OutageGate("Redis cache", logger)
        self._set_if_fresh = self.redis.register_script(_SET_IF_FRESH)
        self._invalidate = self.redis.register_script(_INVALIDATE)
        # Invalidations Redis did not take (an outage), replayed before the next operation.
        self._lost: set[str] = set()
        self._flush_all = False

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def _tag(self, tag: str) -> str:
        return f"{self.prefix}:tag:{tag}"

    def _gen(self, tag: str) -> str:
        return f"{self.prefix}:gen:{tag}"

    async def _guard(self, action: str, operation: Callable[[], Awaitable[T]]) -> T | None:
        from redis.exceptions import RedisError

        if not self.gate.open:
            return None
        if self._lost or self._flush_all:
            await self._replay_lost()
            if not self.gate.open:
                return None
        try:
            result = await operation()
        except (RedisError, OSError, TimeoutError) as exc:
            self.gate.failed(exc, f"{action} served without cache")
            return None
        self.gate.succeeded()
        return result

    async def get(self, key: str) -> Any | None:
        payload = await self._guard("read", lambda: self.redis.get(self._k(key)))
        return None if payload is None else orjson.loads(payload)

    async def stamp(self, tags: Iterable[str]) -> Stamp | None:
        names = expand_tags(tags)
        if not names:
            return Stamp(names, ())
        values = await self._guard("read", lambda: self.redis.mget([self._gen(tag) for tag in names]))
        if values is None:
            return None
        return Stamp(names, tuple(value.decode() if isinstance(value, bytes) else "" for value in values))

    async def set(
        self,
        key: str,
        value: Any,
        *,
        ttl: int | None = None,
        tags: Iterable[str] = (),
        stamp: Stamp | None = None,
    ) -> bool:
        seconds = ttl or self.default_ttl
        payload = serialised(value)
        if payload is None:
            return False
        full = self._k(key)
        all_tags = stamp.tags if stamp is not None else expand_tags(tags)
        expected = stamp.values if stamp is not None else None

        async def write() -> bool:
            if expected is not None:
                keys = [full, *(self._gen(tag) for tag in all_tags), *(self._tag(tag) for tag in all_tags)]
                stored = await self._set_if_fresh(keys=keys, args=[payload, seconds, *expected])
                return bool(stored)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(full, payload, ex=seconds)
                for tag in all_tags:
                    pipe.sadd(self._tag(tag), full)
                    pipe.expire(self._tag(tag), seconds, gt=True)
                    pipe.expire(self._tag(tag), seconds, nx=True)
                await pipe.execute()
            return True

        return bool(await self._guard("write", write))

    async def delete(self, key: str) -> None:
        await self._guard("delete", lambda: self.redis.delete(self._k(key)))

    async def invalidate(self, *tags: str) -> None:
        """Drop `tags` now; if Redis cannot be reached, remember them and drop them first thing
        once it can (a lost invalidation would otherwise leave stale entries for the TTL)."""
        if not tags:
            return
        self._lost.update(tags)
        if self.gate.open:
            await self._replay_lost()

    async def _replay_lost(self) -> None:
        from redis.exceptions import RedisError

        names, flush_all = sorted(self._lost), self._flush_all
        keys = [*(self._gen(tag) for tag in names), *(self._tag(tag) for tag in names)]
        try:
            if flush_all:  # too many tags were lost to remember: drop every entry of this prefix
                async for key in self.redis.scan_iter(match=self._k("*"), count=500):
                    await self.redis.delete(key)
            if keys:
                await self._invalidate(keys=keys, args=[self.default_ttl * 2])
        except (RedisError, OSError, TimeoutError) as exc:
            self.gate.failed(exc, "invalidation deferred until Redis answers")
            if len(self._lost) > MAX_LOST_TAGS:
                self._lost.clear()
                self._flush_all = True
            return
        self._lost.difference_update(names)
        self._flush_all = self._flush_all and not flush_all
        self.gate.succeeded()

    async def delete_pattern(self, pattern: str) -> None:
        """SCAN, never KEYS: a pattern delete must not block Redis on a large keyspace."""

        async def drop() -> None:
            batch: list[bytes] = []
            async for key in self.redis.scan_iter(match=self._k(pattern), count=500):
                batch.append(key)
                if len(batch) >= 500:
                    await self.redis.delete(*batch)
                    batch = []
            if batch:
                await self.redis.delete(*batch)

        await self._guard("delete", drop)

    async def close(self) -> None:
        await self.redis.aclose()


def build_cache(settings: Settings) -> Cache:
    if settings.REDIS_URL:
        return RedisCache(settings.REDIS_URL, settings.REDIS_TTL_SECONDS, settings.REDIS_KEY_PREFIX)
    return MemoryCache(settings.REDIS_TTL_SECONDS)


async def get_or_set(
    cache: Cache | None,
    key: str,
    load: Callable[[], Awaitable[T]],
    *,
    tags: Iterable[str] = (),
    ttl: int | None = None,
    dump: Callable[[T], Any] = lambda value: value,
    restore: Callable[[Any], T] = lambda value: value,
    session: AsyncSession | None = None,
) -> T:
    """The cached value of `key`, or `load()`'s result, stored for next time (JSON-ready via `dump`).

    The store is conditional on the generations read before `load()` (see the module doc), and
    skipped when `session` has uncommitted writes: a value that may include them must not
    outlive a rollback.
    """
    if cache is None:
        return await load()
    cached = await cache.get(key)
    if cached is not None:
        return restore(cached)
    stamp = await cache.stamp(tags)
    value = await load()
    if stamp is not None and not (session is not None and session.info.get(_PENDING_TAGS)):
        await cache.set(key, dump(value), ttl=ttl, stamp=stamp)
    return value


async def cached_model(
    cache: Cache | None,
    key: str,
    load: Callable[[], Awaitable[ModelT]],
    model: type[ModelT],
    *,
    tags: Iterable[str],
    session: AsyncSession | None = None,
) -> ModelT:
    """`get_or_set` for a pydantic response model (a page or one item), stored as its JSON form."""
    return await get_or_set(
        cache,
        key,
        load,
        tags=tags,
        dump=lambda value: value.model_dump(mode="json"),
        restore=model.model_validate,
        session=session,
    )


# -- invalidation on commit ---------------------------------------------------------------------
_CACHE_INFO = "mosaic.cache"
_PENDING_TAGS = "mosaic.cache.pending_tags"


def attach_invalidation(database: Database, cache: Cache) -> None:
    """Every session of `database` knows `cache`; each commit invalidates the entities it wrote."""
    database.sessionmaker.configure(info={_CACHE_INFO: cache})


def session_cache(session: AsyncSession | Session) -> Cache | None:
    """The cache of the app that opened `session` (services reach it without new parameters)."""
    cache: Cache | None = session.info.get(_CACHE_INFO)
    return cache


def request_cache(request: Request) -> Cache | None:
    cache: Cache | None = getattr(request.app.state, "cache", None)
    return cache


def row_tags(obj: object) -> set[str]:
    """What a write to `obj` invalidates: its table, its row, and the parents its model names.

    A model maps a foreign-key attribute to the parent's table in `__cache_parents__`, e.g.
    `{"user_id": "users"}` on a user's settings row: reads tagged `users:{id}` depend on it.
    """
    table = getattr(getattr(obj, "__table__", None), "name", "")
    if not table:
        return set()
    tags = {table}
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    if key and all(part is not None for part in key):
        tags.add(entity_tag(table, ":".join(str(part) for part in key)))
    for attribute, parent in getattr(type(obj), "__cache_parents__", {}).items():
        value = getattr(obj, attribute, None)
        if value is not None:
            tags.add(entity_tag(parent, value))
    return tags


def _queue_invalidation(session: Session, tags: Iterable[str]) -> None:
    cache = session_cache(session)
    names = {name for name in tags if name}
    if cache is None or not names:
        return
    pending: set[str] | None = session.info.get(_PENDING_TAGS)
    if pending is None:
        pending = session.info[_PENDING_TAGS] = set()

        async def invalidate() -> None:
            tags = session.info.pop(_PENDING_TAGS, set())
            await cache.invalidate(*sorted(tags))

        # on_commit only stores the callback in session.info; it accepts the sync session too.
        on_commit(session, invalidate)  # type: ignore[arg-type]
    pending |= names


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _: Any) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    _queue_invalidation(session, (tag for obj in changed for tag in row_tags(obj)))


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_write(state: ORMExecuteState) -> None:
    """`update(Model)` / `delete(Model)` statements bypass the flush: their rows are unknown here,
    so they invalidate the whole table (`{table}` and every `{table}:{id}` through `{table}:*`)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", "")
    if table:
        _queue_invalidation(state.session, [table, entity_tag(table, ALL)])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_TAGS, None)
