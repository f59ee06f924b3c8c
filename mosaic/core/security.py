"""Password hashing and local JWTs: the two primitives every authentication path is built on.

Hashing is argon2id with OWASP's parameters (19 MiB, t=2, p=1); bcrypt hashes imported from a
legacy backend still verify and are upgraded on the next login. Hashing runs in a bounded thread
pool so a burst of logins neither blocks the event loop nor multiplies memory without limit.

Each JWT carries a purpose (`typ` claim and a distinct audience), so an access token can never be
used as a refresh, verification or reset token; the algorithm is pinned by the server and never
read from the token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import anyio
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from mosaic.core.config import Settings

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
ISSUER = "mosaic"
LEEWAY_SECONDS = 30

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1), BcryptHasher()))
# At most this many hashes at once per process (`PASSWORD_HASH_CONCURRENCY`, set by
# `configure_hashing`): slots x 19 MiB bounds the memory a login burst can take.
_hash_concurrency = 2
_hash_limiter: anyio.CapacityLimiter | None = None


def configure_hashing(concurrency: int) -> None:
    global _hash_concurrency, _hash_limiter
    _hash_concurrency = concurrency
    _hash_limiter = None  # created lazily: anyio needs a running event loop


def _limiter() -> anyio.CapacityLimiter:
    global _hash_limiter
    if _hash_limiter is None:
        _hash_limiter = anyio.CapacityLimiter(_hash_concurrency)
    return _hash_limiter


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_limiter())


def _verify_and_update(password: str, hashed: str) -> tuple[bool, str | None]:
    try:
        return _hasher.verify_and_update(password, hashed)
    except ValueError:  # bcrypt refuses >72-byte input; an unknown hash format is a mismatch too
        return False, None


async def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one should be upgraded).

    With no stored hash (unknown user, OAuth-only account) a dummy hash is verified instead, so
    every failed login costs the same hashing work and reveals nothing through timing.
    """
    target = hashed or _dummy_hash()
    ok, updated = await anyio.to_thread.run_sync(_verify_and_update, password, target, limiter=_limiter())
    return (ok and hashed is not None), (updated if hashed else None)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("data") / "common_passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. Length and a blocklist only: no composition rules."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Password must be at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Password must be at most {PASSWORD_MAX_LENGTH} characters"
    if password.lower() in common_passwords():
        return "Password is too common"
    return None


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class TokenPurpose(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    # The `state` of a Square OAuth connection: a signed, expiring (company, user) pair.
    SQUARE_OAUTH_STATE = "square_oauth_state"

    @property
    def audience(self) -> str:
        return f"mosaic:{self.value}"


class TokenError(Exception):
    """Any reason a token is not acceptable; callers map it to 401 or 400."""


def issue_token(
    settings: Settings,
    purpose: TokenPurpose,
    subject: str,
    lifetime: timedelta,
    *,
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
    jti: str | None = None,
) -> tuple[str, dict[str, Any]]:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": purpose.audience,
        "typ": purpose.value,
        "sub": subject,
        "jti": jti or uuid.uuid4().hex,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        **(extra or {}),
    }
    token = jwt.encode(claims, settings.JWT_SECRET_KEY.get_secret_value(), algorithm=settings.JWT_ALGORITHM)
    return token, claims


def decode_token(settings: Settings, token: str, purpose: TokenPurpose) -> dict[str, Any]:
    """Verify signature, expiry, issuer, audience and purpose; raise TokenError otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.JWT_SECRET_KEY.get_secret_value(),
            algorithms=[settings.JWT_ALGORITHM],
            audience=purpose.audience,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "nbf", "sub", "jti", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(type(exc).__name__) from exc
    if claims.get("typ") != purpose.value or not claims.get("sub"):
        raise TokenError("wrong purpose")
    return claims
