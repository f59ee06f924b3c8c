"""Rate limits: a general per-caller limit on every API request, stricter ones on credentials.

Exact *moving window* (every hit is timestamped, so there is no fixed-minute boundary where a
caller gets twice the limit). In Redis each hit is one round trip: a Lua script trims the
caller's sorted set of hit times, counts, adds the hit when there is room and returns the count
and the oldest hit, so the `X-RateLimit-*` headers come with the decision (`limits` needs a
second round trip for them, which cost a quarter of `GET /users/me`). Without Redis, `limits`'
in-process moving window does the same per process. The sliding window counter was tried for
speed but its weighted approximation let a limit's last requests through: exactness won.

Who the caller is: core cannot import accounts, so the app gives the limiter an `identify`
callable (`main.create_app` passes the one accounts provides). The general limit runs in the request
middleware before routing, where no auth dependency has run yet; `identify` therefore checks
the bearer token itself (a signature check, no database round trip) and looks the role up
through the shared cache, so the per-user bucket and the admin exemption both come from
server-side state, never from a header the client controls. Anonymous callers are counted by
client IP; `X-Forwarded-For` is honoured only when the direct peer is a trusted proxy.

Outages: when Redis fails, the general limit fails open (a logged warning, then requests pass),
while the credential limits switch to in-process counters, which still stop brute force on each
process.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import itertools
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import Scope

from mosaic.core.cache import OutageGate
from mosaic.core.config import Settings
from mosaic.core.errors import RateLimited

logger = logging.getLogger("mosaic.ratelimit")

CREDENTIAL_ACTIONS = frozenset(
    {
        "login",
        "refresh",
        "forgot-password",
        "reset-password",
        "resend-verification",
        "oauth-callback",
        "register",
    }
)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling, as far as rate limiting cares: a stable bucket key and the admin flag."""

    key: str
    is_admin: bool = False


IdentifyRequest = Callable[[Request], Awaitable[Identity | None]]


@dataclass(frozen=True, slots=True)
class LimitState:
    limit: int
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }

    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))


# KEYS[1]: the caller's sorted set of hit times. ARGV: limit, window (s), now (s), a unique member.
# Returns {allowed (0/1), hits in the window after this one, the reset time as a string}.
_MOVING_WINDOW_LUA = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  count = count + 1
  allowed = 1
end
redis.call('EXPIRE', KEYS[1], math.ceil(window))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = now + window
if oldest[2] then reset = tonumber(oldest[2]) + window end
return {allowed, count, tostring(reset)}
"""


class RedisMovingWindow:
    """The shared moving window: one script call per hit, decision and window state together.

    Hits that arrive in the same event-loop turn travel together in one pipeline (automatic
    pipelining, as ioredis and Lettuce do): under concurrency a busy process pays one round trip
    per batch instead of one per request, and an idle one pays exactly what it did, one loop turn
    later at most. Each hit is still its own script call, so decisions stay exact.
    """

    def __init__(self, url: str, prefix: str) -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.prefix = f"{prefix}:ratelimit"
        self.sha = hashlib.sha1(_MOVING_WINDOW_LUA.encode()).hexdigest()  # noqa: S324 - Redis's script id
        # Members must be unique per hit; a per-process random prefix and a counter are cheap.
        self._member_prefix = uuid.uuid4().hex[:12]
        self._sequence = itertools.count()
        self._queue: list[tuple[list[Any], asyncio.Future[list[Any]]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def hit(self, item: RateLimitItem, key: str) -> tuple[bool, LimitState]:
        window = item.get_expiry()
        member = f"{self._member_prefix}:{next(self._sequence)}"
        args = [f"{self.prefix}:{key}:{item.amount}/{window}", item.amount, window, time.time(), member]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        self._queue.append((args, future))
        if len(self._queue) == 1:  # the first of this turn schedules the flush
            loop.call_soon(self._start_flush)
        allowed, count, reset = await future
        return bool(allowed), LimitState(item.amount, item.amount - int(count), float(reset))

    def _start_flush(self) -> None:
        batch, self._queue = self._queue, []
        task = asyncio.get_running_loop().create_task(self._flush(batch))
        self._tasks.add(task)  # a strong reference until it ends
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, batch: list[tuple[list[Any], asyncio.Future[list[Any]]]]) -> None:
        from redis.exceptions import NoScriptError

        try:
            results = await self._run(batch)
            if any(isinstance(result, NoScriptError) for result in results):
                # Redis restarted or flushed its scripts: load once, run the batch again
                # (nothing ran: a missing script fails before it touches a key).
                await self.redis.script_load(_MOVING_WINDOW_LUA)
                results = await self._run(batch)
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else ConnectionError(str(exc)))
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the request was cancelled meanwhile
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _run(self, batch: list[tuple[list[Any], asyncio.Future[list[Any]]]]) -> list[Any]:
        pipe = self.redis.pipeline(transaction=False)
        for args, _ in batch:
            pipe.evalsha(self.sha, 1, *args)
        return await pipe.execute(raise_on_error=False)

    async def reset(self) -> None:
        keys = [key async for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=500)]
        if keys:
            await self.redis.delete(*keys)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.redis.aclose()


class MemoryMovingWindow:
    """One process's moving window (no Redis, or Redis down for credential limits)."""

    def __init__(self) -> None:
        self.storage = MemoryStorage()
        self.strategy = MovingWindowRateLimiter(self.storage)

    async def hit(self, item: RateLimitItem, key: str) -> tuple[bool, LimitState]:
        allowed = await self.strategy.hit(item, key)
        stats = await self.strategy.get_window_stats(item, key)
        return allowed, LimitState(item.amount, stats.remaining, stats.reset_time)

    async def reset(self) -> None:
        await self.storage.reset()


class TrustedProxies:
    """Resolves the client address, believing `X-Forwarded-For` only from configured proxies."""

    def __init__(self, proxies: Iterable[str]) -> None:
        items = list(proxies)
        # `*` (as uvicorn and gunicorn read it): every peer is a proxy, for a network only a proxy can reach.
        self.everyone = "*" in items
        self.networks = [ipaddress.ip_network(item, strict=False) for item in items if item != "*"]

    def _trusted(self, address: str) -> bool:
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_ip(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if not (self.networks or self.everyone) or not self._trusted(peer):
            return peer
        forwarded = b",".join(value for name, value in scope["headers"] if name == b"x-forwarded-for")
        hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
        # Right to left: the first address not added by one of our proxies is the client.
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer


class RateLimiter:
    def __init__(self, settings: Settings, identify: IdentifyRequest | None = None) -> None:
        self.identify = identify
        self.admin_limited = settings.ADMIN_RATE_LIMIT_ENABLED
        self.general_item: RateLimitItem = parse(f"{settings.RATE_LIMIT_PER_MINUTE}/minute")
        self.account_item: RateLimitItem = parse(settings.AUTH_RATE_LIMIT_PER_ACCOUNT)
        self.ip_item: RateLimitItem = parse(settings.AUTH_RATE_LIMIT_PER_IP)
        # Actions with a per-IP limit of their own (the others share AUTH_RATE_LIMIT_PER_IP).
        self.ip_items: dict[str, RateLimitItem] = {"register": parse(settings.REGISTRATION_RATE_LIMIT)}
        self.reset_email_item: RateLimitItem = parse(f"{settings.RESET_EMAILS_PER_DAY}/day")
        self.proxies = TrustedProxies(settings.TRUSTED_PROXIES)
        self.local = MemoryMovingWindow()
        self.shared = (
            RedisMovingWindow(settings.REDIS_URL, settings.REDIS_KEY_PREFIX) if settings.REDIS_URL else None
        )
        self.gate = OutageGate("Redis rate-limit store", logger)

    async def _shared_hit(self, item: RateLimitItem, key: str) -> tuple[bool, LimitState] | None:
        """None when the shared store is unavailable (the caller picks the fallback)."""
        from redis.exceptions import RedisError

        if self.shared is None:
            return await self.local.hit(item, key)
        if not self.gate.open:
            return None
        try:
            result = await self.shared.hit(item, key)
        except (RedisError, OSError, TimeoutError) as exc:
            self.gate.failed(exc, "general limits fail open, credential limits use process memory")
            return None
        self.gate.succeeded()
        return result

    async def check_general(self, scope: Scope) -> LimitState | None:
        """The caller's state after counting this request; raises `RateLimited` when over."""
        identity = await self.identify(Request(scope)) if self.identify else None
        if identity is not None and identity.is_admin and not self.admin_limited:
            return None
        key = f"general:{identity.key}" if identity else f"general:ip:{self.proxies.client_ip(scope)}"
        result = await self._shared_hit(self.general_item, key)
        if result is None:  # fail open
            return None
        allowed, state = result
        if not allowed:
            raise RateLimited(headers={"Retry-After": str(state.retry_after()), **state.headers()})
        return state

    async def check_credential(self, request: Request, action: str, account: str | None) -> None:
        """Per-account and per-IP limits of one credential action; in-process when Redis is down."""
        assert action in CREDENTIAL_ACTIONS, action
        ip_item = self.ip_items.get(action, self.ip_item)
        keys = [(ip_item, f"auth:{action}:ip:{self.proxies.client_ip(request.scope)}")]
        if account:
            digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
            keys.append((self.account_item, f"auth:{action}:account:{digest}"))
        for item, key in keys:
            result = await self._shared_hit(item, key)
            if result is None:
                result = await self.local.hit(item, key)
            allowed, state = result
            if not allowed:
                logger.warning("credential rate limit hit on %s", action)
                raise RateLimited(
                    "Too many attempts, try again later",
                    headers={"Retry-After": str(state.retry_after()), **state.headers()},
                )

    async def take(self, item: RateLimitItem, key: str) -> bool:
        """Count one use of a quota (`item` per `key`); False once it is used up. Shared through
        Redis when it answers, per process otherwise (a quota must still hold during an outage)."""
        result = await self._shared_hit(item, f"quota:{key}")
        if result is None:
            result = await self.local.hit(item, f"quota:{key}")
        return result[0]

    async def check_action(self, action: str, key: str, limit: str) -> None:
        """A per-key limit of one domain action (`"20/minute"` messages per user); in-process when
        the shared store is down. Raises `RateLimited` with `Retry-After` when over."""
        item = parse(limit)
        name = f"action:{action}:{key}"
        result = await self._shared_hit(item, name)
        if result is None:
            result = await self.local.hit(item, name)
        allowed, state = result
        if not allowed:
            raise RateLimited(
                "Too many requests, try again later",
                headers={"Retry-After": str(state.retry_after()), **state.headers()},
            )

    async def reset(self) -> None:
        """Forget every counter (tests and `mosaic` maintenance only)."""
        await self.local.reset()
        if self.shared is not None:
            await self.shared.reset()

    async def close(self) -> None:
        if self.shared is not None:
            await self.shared.close()


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


async def limit_credentials(request: Request, action: str, account: str | None = None) -> None:
    """For credential endpoints: call first thing with the account the request names."""
    limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        await limiter.check_credential(request, action, account)


async def limit_action(request: Request, action: str, key: str, limit: str) -> None:
    """For a domain action with its own quota (messages per user): call before doing it."""
    limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        await limiter.check_action(action, key, limit)
