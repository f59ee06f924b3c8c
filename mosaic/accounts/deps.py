"""Who is calling: the bearer-token dependencies every domain uses.

`CurrentUser` authenticates; `require_permission(resource, action)` authorises. A local access
token costs one database round trip: the user, their role and whether the token's `jti` was
revoked come back in one query; permissions come from the per-process role cache.
"""

from __future__ import annotations

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
from mosaic.core.cache import cache_key, get_or_set, request_cache
from mosaic.core.config import Settings
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.errors import Forbidden, Unauthorized
from mosaic.core.logging import user_id_var
from mosaic.core.ratelimit import Identity
from mosaic.core.security import TokenError, TokenPurpose, decode_token, sha256_hex
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

    def can(self, permission: str) -> bool:
        return self.is_superadmin or permission in self.permissions


def _usable(user: User | None) -> User:
    if user is None or user.is_deleted or not user.is_active:
        raise Unauthorized(INVALID_TOKEN)
    return user


async def _local_principal(session: AsyncSession, settings: Settings, token: str) -> Principal:
    try:
        claims = decode_token(settings, token, TokenPurpose.ACCESS)
        user_id = uuid.UUID(claims["sub"])
    except (TokenError, ValueError) as exc:
        raise Unauthorized(INVALID_TOKEN) from exc
    revoked = exists().where(RevokedAccessToken.jti == claims["jti"]).correlate(None)
    row = (
        await session.execute(
            select(User, revoked.label("revoked")).options(joinedload(User.role)).where(User.id == user_id)
        )
    ).first()
    if row is None or row.revoked:
        raise Unauthorized(INVALID_TOKEN)
    user = _usable(row[0])
    if claims.get("ver") != user.token_version:
        raise Unauthorized(INVALID_TOKEN)
    return Principal(user, await role_permission_names(session, user.role), claims)


async def _external_principal(
    request: Request, session: AsyncSession, verifier: ExternalTokenVerifier, token: str
) -> Principal:
    try:
        claims = await verifier.verify(token)
    except ExternalTokenError as exc:
        raise Unauthorized(INVALID_TOKEN) from exc
    user = _usable(await user_for_external_identity(session, claims))
    return Principal(user, await role_permission_names(session, user.role), claims, external=True)


async def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        raise Unauthorized("Authentication required")
    verifier: ExternalTokenVerifier | None = getattr(request.app.state, "external_verifier", None)
    if verifier is not None and verifier.handles(token):
        principal = await _external_principal(request, session, verifier, token)
    else:
        principal = await _local_principal(session, settings, token)
    # For the access log, the rate limiter and log lines of this request.
    request.state.user_id = str(principal.user.id)
    request.state.is_admin = principal.is_superadmin or (
        principal.user.role is not None and (principal.user.role.name == "admin")
    )
    user_id_var.set(str(principal.user.id))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: CurrentPrincipal) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


class require_permission:  # noqa: N801 - used like a function: Depends(require_permission("users", "read"))
    """Dependency factory: the caller must hold `resource:action` (superadmin holds everything).

    A class rather than a closure so the route-permission audit (and the docs generator) can
    find the requirement by inspecting the dependency.
    """

    def __init__(self, resource: str, action: str) -> None:
        self.permission = f"{resource}:{action}"

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if not principal.can(self.permission):
            raise Forbidden(f"Missing permission {self.permission}")
        return principal


# -- who is calling, for the rate limiter ------------------------------------------------------
async def _is_admin(request: Request, user_id: uuid.UUID) -> bool:
    """The role of `user_id`, through the shared cache (invalidated by any write to users/roles)."""

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
    return await get_or_set(request_cache(request), key, load, tags=["users", "roles"])


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
        user_id = uuid.UUID(decode_token(settings, token, TokenPurpose.ACCESS)["sub"])
    except (TokenError, ValueError, KeyError):
        return None
    return Identity(f"user:{user_id}", is_admin=await _is_admin(request, user_id))
