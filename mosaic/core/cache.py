"""The shared cache: one small interface, an in-process default and Redis when `REDIS_URL` is set.

Keys read `{module}:{operation}:{params_hash}`, with the caller's id before the hash whenever the
result depends on who asks (`users:me:{user_id}:{hash}`), so one user can never be served another
user's entry. Every entry carries tags (the tables it was read from); a commit that wrote one of
those tables invalidates them, which `attach_invalidation` arranges for every session of a
`Database`, so no service has to remember to do it.

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
from typing import Any, Protocol, TypeVar

import orjson
from fastapi import Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from mosaic.core.config import Settings
from mosaic.core.database import Database, on_commit

logger = logging.getLogger("mosaic.cache")

T = TypeVar("T")

# A failing Redis is not retried for this long: requests stay fast while it is down.
OUTAGE_BACKOFF_SECONDS = 5.0


def params_hash(params: Mapping[str, Any] | None) -> str:
    """A stable hash of the parameters that shape a result (key order and types normalised)."""
    canonical = orjson.dumps(params or {}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:32]


def cache_key(
    module: str, operation: str, params: Mapping[str, Any] | None = None, *, user_id: object = None
) -> str:
    """`{module}:{operation}:{params_hash}`, or `{module}:{operation}:{user_id}:{params_hash}`."""
    scope = f"{user_id}:" if user_id is not None else ""
    return f"{module}:{operation}:{scope}{params_hash(params)}"


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def set(
        self, key: str, value: Any, *, ttl: int | None = None, tags: Iterable[str] = ()
    ) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def invalidate(self, *tags: str) -> None:
        """Drop every entry carrying one of `tags` (a module name or a table name)."""
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
        self._entries: OrderedDict[str, tuple[float, bytes, frozenset[str]]] = OrderedDict()
        self._tags: dict[str, set[str]] = {}

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

    async def set(self, key: str, value: Any, *, ttl: int | None = None, tags: Iterable[str] = ()) -> None:
        # Stored serialised, like Redis: a caller mutating its copy cannot change the cached value.
        payload = orjson.dumps(value)
        all_tags = frozenset({*tags, key.split(":", 1)[0]})
        self._drop(key)
        self._entries[key] = (time.monotonic() + (ttl or self.default_ttl), payload, all_tags)
        for tag in all_tags:
            self._tags.setdefault(tag, set()).add(key)
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

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
        for tag in tags:
            for key in list(self._tags.get(tag, ())):
                self._drop(key)

    async def delete_pattern(self, pattern: str) -> None:
        for key in [k for k in self._entries if fnmatch.fnmatchcase(k, pattern)]:
            self._drop(key)

    async def close(self) -> None:
        self._entries.clear()
        self._tags.clear()


class RedisCache:
    """Redis-backed cache shared by every process; any Redis failure is a miss, never an error.

    Tags are Redis sets of keys (`{prefix}:tag:{tag}`), expiring with the longest entry they
    hold, so invalidating a module costs one SMEMBERS and one DEL instead of a keyspace scan.
    """

    def __init__(self, url: str, default_ttl: int, prefix: str = "mosaic") -> None:
        from redis.asyncio import Redis

        self.default_ttl = default_ttl
        self.prefix = prefix
        self.redis = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.gate = OutageGate("Redis cache", logger)

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def _tag(self, tag: str) -> str:
        return f"{self.prefix}:tag:{tag}"

    async def _guard(self, action: str, operation: Callable[[], Awaitable[T]]) -> T | None:
        from redis.exceptions import RedisError

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

    async def set(self, key: str, value: Any, *, ttl: int | None = None, tags: Iterable[str] = ()) -> None:
        seconds = ttl or self.default_ttl
        payload = orjson.dumps(value)
        full = self._k(key)

        async def write() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(full, payload, ex=seconds)
                for tag in {*tags, key.split(":", 1)[0]}:
                    pipe.sadd(self._tag(tag), full)
                    pipe.expire(self._tag(tag), seconds, gt=True)
                    pipe.expire(self._tag(tag), seconds, nx=True)
                await pipe.execute()

        await self._guard("write", write)

    async def delete(self, key: str) -> None:
        await self._guard("delete", lambda: self.redis.delete(self._k(key)))

    async def invalidate(self, *tags: str) -> None:
        if not tags:
            return

        async def drop() -> None:
            tag_keys = [self._tag(tag) for tag in tags]
            members: set[Any] = set()
            for tag_key in tag_keys:
                members |= set(await self.redis.smembers(tag_key))
            await self.redis.delete(*tag_keys, *members)

        await self._guard("invalidate", drop)

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
) -> T:
    """The cached value of `key`, or `load()`'s result, stored for next time (JSON-ready via `dump`)."""
    if cache is not None:
        cached = await cache.get(key)
        if cached is not None:
            return restore(cached)
    value = await load()
    if cache is not None:
        await cache.set(key, dump(value), ttl=ttl, tags=tags)
    return value


# -- invalidation on commit ---------------------------------------------------------------------
_CACHE_INFO = "mosaic.cache"
_PENDING_TAGS = "mosaic.cache.pending_tags"


def attach_invalidation(database: Database, cache: Cache) -> None:
    """Every session of `database` knows `cache`; each commit invalidates the tables it wrote."""
    database.sessionmaker.configure(info={_CACHE_INFO: cache})


def session_cache(session: AsyncSession | Session) -> Cache | None:
    """The cache of the app that opened `session` (services reach it without new parameters)."""
    cache: Cache | None = session.info.get(_CACHE_INFO)
    return cache


def request_cache(request: Request) -> Cache | None:
    cache: Cache | None = getattr(request.app.state, "cache", None)
    return cache


_local_listeners: list[Callable[[set[str]], None]] = []


def on_local_invalidation(listener: Callable[[set[str]], None]) -> None:
    """Also tell `listener` (in this process) which tables each commit wrote.

    For in-process caches of hot data (the authenticated principal) that cannot afford a
    round trip to the shared cache: they drop their entries at once when this process commits
    a change, and rely on a short TTL for changes made by other processes.
    """
    _local_listeners.append(listener)


def _queue_invalidation(session: Session, tables: Iterable[str]) -> None:
    cache = session_cache(session)
    names = {name for name in tables if name}
    if cache is None or not names:
        return
    pending: set[str] | None = session.info.get(_PENDING_TAGS)
    if pending is None:
        pending = session.info[_PENDING_TAGS] = set()

        async def invalidate() -> None:
            tags = session.info.pop(_PENDING_TAGS, set())
            for listener in _local_listeners:
                listener(tags)
            await cache.invalidate(*sorted(tags))

        # on_commit only stores the callback in session.info; it accepts the sync session too.
        on_commit(session, invalidate)  # type: ignore[arg-type]
    pending |= names


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _: Any) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    _queue_invalidation(session, (getattr(getattr(obj, "__table__", None), "name", "") for obj in changed))


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_write(state: ORMExecuteState) -> None:
    """`update(Model)` / `delete(Model)` statements bypass the flush: catch them here."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    _queue_invalidation(state.session, [getattr(table, "name", "")])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_TAGS, None)
