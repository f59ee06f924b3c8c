"""Who is calling: the bearer-token dependencies every domain uses.

`CurrentUser` authenticates; `require_permission(resource, action)` authorises. A local access
token costs one database round trip: the user, their role and whether the token's `jti` was
revoked come back in one query; permissions come from the per-process role cache.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from mosaic.accounts.auth.models import RevokedAccessToken
from mosaic.accounts.rbac.models import Role
from mosaic.accounts.rbac.service import ADMIN, SUPERADMIN, role_permission_names
from mosaic.accounts.users.models import User
from mosaic.accounts.users.service import user_for_external_identity
from mosaic.core.access import OWNER, PERMISSION, mark
from mosaic.core.cache import Cache, Stamp, cache_key, entity_tag, get_or_set, request_cache
from mosaic.core.config import Settings
from mosaic.core.database import Database
from mosaic.core.errors import Forbidden, Unauthorized, is_outage, outage_log
from mosaic.core.logging import user_id_var
from mosaic.core.ratelimit import Identity
from mosaic.core.security import LEEWAY_SECONDS, TokenError, TokenPurpose, decode_token, sha256_hex
from mosaic.providers.identity import ExternalTokenError, ExternalTokenVerifier

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

INVALID_TOKEN = "Invalid or expired token"


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    permissions: frozenset[str]
    claims: dict[str, Any]
    external: bool = False

    @property
    def is_superadmin(self) -> bool:
        role = self.user.role
        return role is not None and not role.is_deleted and role.name == SUPERADMIN

    @property
    def is_admin(self) -> bool:
        role = self.user.role
        return self.is_superadmin or (role is not None and not role.is_deleted and role.name == ADMIN)

    def can(self, permission: str) -> bool:
        return self.is_superadmin or permission in self.permissions


def _usable(user: User | None) -> User:
    if user is None or user.is_deleted or not user.is_active:
        raise Unauthorized(INVALID_TOKEN)
    return user


# Collections whose change may alter what any token may do (rare admin writes).
_RBAC_TAGS = ("roles", "permissions", "role_permissions")


def principal_tags(user_id: object, jti: str | None) -> tuple[str, ...]:
    """What a cached principal depends on: its user's row, its token's revocation, the RBAC tables."""
    tags = [entity_tag("users", user_id), *_RBAC_TAGS]
    if jti is not None:
        tags.append(entity_tag("revoked_access_tokens", jti))
    return tuple(tags)


@dataclass(frozen=True, slots=True)
class CachedPrincipal:
    expires_at: float
    principal: Principal
    # The generations of the principal's tags read before it was loaded (None: unknown).
    stamp: Stamp | None


class PrincipalCache:
    """Verified principals by token id, for at most `AUTH_CACHE_TTL_SECONDS`.

    The hot path of every authenticated request. An entry is served only while the shared
    cache's generations of its tags (`principal_tags`) are those read before it was loaded, so
    a logout, deactivation, role or password change committed by *any* process applies on the
    next request everywhere: with Redis that check is one MGET per request (no database work);
    with the in-process cache it is a dict lookup. When Redis is unreachable the generations are
    unknown and every request loads the principal from the database (slower, never stale).
    The cached `User` is detached and shared: read it, never mutate it — code that changes the
    user loads it with `load_current_user`.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, CachedPrincipal] = {}
        self._claims: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, key: str) -> CachedPrincipal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry

    async def fresh(self, key: str, shared: Cache | None) -> Principal | None:
        """The entry of `key` if no tag it depends on was invalidated since it was loaded."""
        entry = self.get(key)
        if entry is None or entry.stamp is None or shared is None:
            return None
        if await shared.stamp(entry.stamp.tags) != entry.stamp:
            self._entries.pop(key, None)
            return None
        return entry.principal

    def put(self, key: str, principal: Principal, stamp: Stamp | None) -> None:
        if self.ttl <= 0 or stamp is None:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = CachedPrincipal(time.monotonic() + self.ttl, principal, stamp)

    def clear(self) -> None:
        self._entries.clear()
        self._claims.clear()

    def claims(self, token: str) -> dict[str, Any] | None:
        entry = self._claims.get(token)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def remember_claims(self, token: str, claims: dict[str, Any]) -> None:
        if self.ttl <= 0:
            return
        if len(self._claims) >= self.MAX_ENTRIES:
            self._claims.clear()
        self._claims[token] = (time.monotonic() + self.ttl, claims)


_FRESH_STATE = "fresh_principal"


async def fresh_principal(request: Request, jti: str) -> Principal | None:
    """The cached principal of `jti` if still current, checked once per request: the rate
    limiter (before routing) and authentication (in the route) share one generation check."""
    known = getattr(request.state, _FRESH_STATE, None)
    if known is not None and known[0] == jti:
        principal: Principal = known[1]
        return principal
    cached = await principal_cache(request).fresh(jti, request_cache(request))
    if cached is not None:
        setattr(request.state, _FRESH_STATE, (jti, cached))
    return cached


async def _stamp(request: Request, tags: tuple[str, ...]) -> Stamp | None:
    shared = request_cache(request)
    return None if shared is None else await shared.stamp(tags)


def principal_cache(request: Request) -> PrincipalCache:
    cache: PrincipalCache | None = getattr(request.app.state, "principal_cache", None)
    if cache is None:
        settings: Settings = request.app.state.settings
        cache = request.app.state.principal_cache = PrincipalCache(settings.AUTH_CACHE_TTL_SECONDS)
    return cache


_CLAIMS_STATE = "access_claims"


def access_claims(request: Request, settings: Settings, token: str) -> dict[str, Any]:
    """A local access token's verified claims: decoded once per request, and once per TTL per process.

    The signature is checked the first time a token is seen; afterwards the exact same token
    string maps to the same claims, and only the expiry is checked again.
    """
    known = getattr(request.state, _CLAIMS_STATE, None)
    if known is not None and known[0] == token:
        claims: dict[str, Any] = known[1]
        return claims
    cache = principal_cache(request)
    remembered = cache.claims(token)
    if remembered is not None and remembered["exp"] + LEEWAY_SECONDS > time.time():
        claims = remembered
    else:
        claims = decode_token(settings, token, TokenPurpose.ACCESS)
        cache.remember_claims(token, claims)
    setattr(request.state, _CLAIMS_STATE, (token, claims))
    return claims


async def _local_principal(request: Request, settings: Settings, token: str) -> Principal:
    try:
        claims = access_claims(request, settings, token)
        user_id = uuid.UUID(claims["sub"])
    except (TokenError, ValueError) as exc:
        raise Unauthorized(INVALID_TOKEN) from exc
    cache = principal_cache(request)
    cached = await fresh_principal(request, claims["jti"])
    if cached is not None:
        return cached
    stamp = await _stamp(request, principal_tags(user_id, claims["jti"]))
    # Loaded in a session of its own, closed before the endpoint runs: the cached objects must
    # not belong to the request's session, whose rollback would expire them under other requests.
    revoked = exists().where(RevokedAccessToken.jti == claims["jti"]).correlate(None)
    database: Database = request.app.state.database
    async with database.sessionmaker() as own:
        row = (
            await own.execute(
                select(User, revoked.label("revoked"))
                .options(joinedload(User.role))
                .where(User.id == user_id)
            )
        ).first()
        if row is None or row.revoked:
            raise Unauthorized(INVALID_TOKEN)
        user = _usable(row[0])
        if claims.get("ver") != user.token_version:
            raise Unauthorized(INVALID_TOKEN)
        principal = Principal(user, await role_permission_names(own, user.role), claims)
    cache.put(claims["jti"], principal, stamp)
    return principal


async def _external_principal(request: Request, verifier: ExternalTokenVerifier, token: str) -> Principal:
    cache = principal_cache(request)
    key = "ext:" + sha256_hex(token)
    cached = await cache.fresh(key, request_cache(request))
    if cached is not None and cached.claims.get("exp", 0) > time.time():
        return cached
    try:
        claims = await verifier.verify(token)
    except ExternalTokenError as exc:
        raise Unauthorized(INVALID_TOKEN) from exc
    # Its own unit of work (the first sight creates the user), detached from the request's session.
    database: Database = request.app.state.database
    async with database.transaction() as own:
        user = _usable(await user_for_external_identity(own, claims))
        principal = Principal(user, await role_permission_names(own, user.role), claims, external=True)
    # Stamped after the load (the user id is known only then): a change in that short window
    # waits for the TTL.
    cache.put(key, principal, await _stamp(request, principal_tags(user.id, None)))
    return principal


async def get_principal(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    # Settings straight from the app rather than a `SettingsDep`: one dependency fewer to solve
    # on every authenticated request.
    settings: Settings = request.app.state.settings
    if not token:
        raise Unauthorized("Authentication required")
    verifier: ExternalTokenVerifier | None = getattr(request.app.state, "external_verifier", None)
    if verifier is not None and verifier.handles(token):
        principal = await _external_principal(request, verifier, token)
    else:
        principal = await _local_principal(request, settings, token)
    # For the access log, the rate limiter and log lines of this request.
    request.state.user_id = str(principal.user.id)
    request.state.is_admin = principal.is_admin
    user_id_var.set(str(principal.user.id))
    return principal


# The route audit (mosaic.core.access) reads this: a route depending on it is owner-scoped.
mark(get_principal, OWNER)

CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: CurrentPrincipal) -> User:
    """The caller, for reading (it may be the shared cached copy: use `load_current_user` to change it)."""
    return principal.user


async def load_current_user(session: AsyncSession, principal: Principal) -> User:
    """The caller's row, attached to this request's session and fresh from the database."""
    user = await session.get(User, principal.user.id, options=[joinedload(User.role)], populate_existing=True)
    return _usable(user)


CurrentUser = Annotated[User, Depends(get_current_user)]


class require_permission:  # noqa: N801 - used like a function: Depends(require_permission("users", "read"))
    """Dependency factory: the caller must hold `resource:action` (superadmin holds everything).

    A class rather than a closure so the route-permission audit (and the docs generator) can
    find the requirement by inspecting the dependency.
    """

    __mosaic_access__ = PERMISSION

    def __init__(self, resource: str, action: str) -> None:
        self.permission = f"{resource}:{action}"

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if not principal.can(self.permission):
            raise Forbidden(f"Missing permission {self.permission}")
        return principal


# -- who is calling, for the rate limiter ------------------------------------------------------
async def _is_admin(request: Request, user_id: uuid.UUID) -> bool:
    """The role of `user_id`, through the shared cache (invalidated by a write to this user or the roles)."""

    async def load() -> bool:
        database = request.app.state.database
        async with database.transaction() as session:
            row = (
                await session.execute(
                    select(Role.name)
                    .join(User, User.role_id == Role.id)
                    .where(User.id == user_id, Role.is_deleted.is_(False))
                )
            ).first()
        return row is not None and row[0] in (SUPERADMIN, ADMIN)

    key = cache_key("users", "rate_identity", user_id=user_id)
    return await get_or_set(request_cache(request), key, load, tags=[entity_tag("users", user_id), "roles"])


async def identify_request(request: Request) -> Identity | None:
    """The rate-limit bucket of a request: its verified user, or None (counted by client IP).

    Runs before routing on every request, so it checks the token's signature and claims only
    (no revocation lookup: a revoked token is refused later by `get_principal`, and counting it
    against its user is right anyway). The admin exemption comes from the role in the database,
    through the shared cache, never from the token or a header.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token = token.strip()
    verifier: ExternalTokenVerifier | None = getattr(request.app.state, "external_verifier", None)
    if verifier is not None and verifier.handles(token):
        try:
            claims = await verifier.verify(token)
        except Exception:  # an unverifiable token is simply anonymous here
            return None
        subject = sha256_hex(f"{claims['iss']}|{claims['sub']}")[:32]
        return Identity(f"external:{subject}")
    settings: Settings = request.app.state.settings
    try:
        claims = access_claims(request, settings, token)
        user_id = uuid.UUID(claims["sub"])
    except (TokenError, ValueError, KeyError):
        return None
    cached = await fresh_principal(request, claims["jti"])
    if cached is not None:  # verified and still current: no other lookup for the admin flag
        return Identity(f"user:{user_id}", is_admin=cached.is_admin)
    try:
        is_admin = await _is_admin(request, user_id)
    except Exception as exc:
        if not is_outage(exc):
            raise
        # Without the database the caller is counted as a plain user: the limiter must not turn
        # an outage into an error of its own; the route answers 503 if it needs the database.
        outage_log.report(exc, "rate-limit identity lookup")
        is_admin = False
    return Identity(f"user:{user_id}", is_admin=is_admin)
