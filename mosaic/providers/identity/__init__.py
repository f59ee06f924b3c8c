"""External identity tokens: a separate auth service (seed 001) or Firebase ID tokens (seed 000).

Keys come from the issuer's JWKS, cached for its `Cache-Control: max-age` (an hour by default).
An unknown `kid` refetches, but never more often than a floor, so a flood of forged `kid`s cannot
turn Mosaic into a traffic amplifier against the issuer. When the issuer is down, cached keys
keep working; with none cached the caller gets a `ServiceUnavailable`, never an acceptance.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import httpx
import jwt

from mosaic.core.config import Settings
from mosaic.core.errors import ServiceUnavailable

logger = logging.getLogger("mosaic.identity")

DEFAULT_MAX_AGE = 3600
_MAX_AGE = re.compile(r"max-age=(\d+)")


class ExternalTokenError(Exception):
    """The token is not a valid token of the configured issuer."""


class JWKSCache:
    def __init__(self, url: str, min_refresh_seconds: float, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self._client = client
        self._keys: dict[str, jwt.PyJWK] = {}
        self._expires_at = 0.0
        self._last_fetch = float("-inf")
        self._lock = asyncio.Lock()

    async def _fetch(self) -> None:
        self._last_fetch = time.monotonic()
        client = self._client or httpx.AsyncClient(timeout=5)
        try:
            response = await client.get(self.url)
            response.raise_for_status()
            document = response.json()
        finally:
            if self._client is None:
                await client.aclose()
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWKS document")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document["keys"]:
            kid = entry.get("kid") if isinstance(entry, dict) else None
            if not kid:
                continue
            try:
                keys[kid] = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                logger.warning("ignoring unusable JWKS key %s", kid)
        match = _MAX_AGE.search(response.headers.get("cache-control", ""))
        self._keys = keys
        self._expires_at = time.monotonic() + (int(match.group(1)) if match else DEFAULT_MAX_AGE)

    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        now = time.monotonic()
        stale = now >= self._expires_at
        if kid in self._keys and not stale:
            return self._keys[kid]
        async with self._lock:
            now = time.monotonic()
            may_fetch = now - self._last_fetch >= self.min_refresh_seconds
            if (stale or kid not in self._keys) and may_fetch:
                try:
                    await self._fetch()
                except (httpx.HTTPError, ValueError) as exc:
                    logger.warning("JWKS fetch from issuer failed: %s", type(exc).__name__)
            if not self._keys:  # cold and the issuer is down (or inside the refetch floor after a failure)
                raise ServiceUnavailable("Identity provider unavailable")
            return self._keys.get(kid)


class ExternalTokenVerifier:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        assert settings.EXTERNAL_JWKS_URL and settings.EXTERNAL_ISSUER and settings.EXTERNAL_AUDIENCE
        self.issuer = settings.EXTERNAL_ISSUER
        self.audience = settings.EXTERNAL_AUDIENCE
        self.algorithms = list(settings.EXTERNAL_ALGORITHMS)
        self.jwks = JWKSCache(settings.EXTERNAL_JWKS_URL, settings.EXTERNAL_JWKS_MIN_REFRESH_SECONDS, client)

    def handles(self, token: str) -> bool:
        """Route by header only: tokens in the issuer's algorithms go here, everything else is local."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return False
        return header.get("alg") in self.algorithms

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise ExternalTokenError("malformed header") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ExternalTokenError("missing kid")
        key = await self.jwks.get_key(kid)
        if key is None:
            raise ExternalTokenError("unknown kid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=30,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise ExternalTokenError(type(exc).__name__) from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"].strip():
            raise ExternalTokenError("empty subject")
        now = time.time()
        if claims["iat"] > now + 30:
            raise ExternalTokenError("issued in the future")
        auth_time = claims.get("auth_time")
        if auth_time is not None and (not isinstance(auth_time, int | float) or auth_time > now + 30):
            raise ExternalTokenError("auth_time in the future")
        return claims
