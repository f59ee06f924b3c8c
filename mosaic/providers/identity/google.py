"""Google sign-in (OpenID Connect authorization code flow with PKCE).

The ID token comes straight from Google's token endpoint over TLS, so, as OpenID Connect Core
§3.1.3.7 allows, its issuer is established by that connection; the claims (issuer, audience,
expiry, verified email) are still checked one by one.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from mosaic.core.config import Settings
from mosaic.core.errors import BadRequest, ServiceUnavailable

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
ISSUERS = ("https://accounts.google.com", "accounts.google.com")


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class GoogleOAuthClient:
    def __init__(self, settings: Settings) -> None:
        assert settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET and settings.GOOGLE_REDIRECT_URI
        self.client_id = settings.GOOGLE_CLIENT_ID
        self.client_secret = settings.GOOGLE_CLIENT_SECRET.get_secret_value()
        self.redirect_uri = settings.GOOGLE_REDIRECT_URI

    def authorization_url(self, state: str, verifier: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": state,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            "access_type": "online",
            "prompt": "select_account",
        }
        return f"{AUTHORIZE_URL}?{urlencode(query)}"

    async def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        """Trade the code for tokens and return the checked ID-token claims."""
        form = {
            "code": code,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
            "grant_type": "authorization_code",
            "code_verifier": verifier,
        }
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(TOKEN_URL, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ServiceUnavailable("Google sign-in is unavailable") from exc
        if response.status_code >= 500:
            raise ServiceUnavailable("Google sign-in is unavailable")
        if response.status_code != 200:
            raise BadRequest("Google rejected the sign-in", code="OAUTH_EXCHANGE_FAILED")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise BadRequest("Google returned no ID token", code="OAUTH_EXCHANGE_FAILED")
        return self._claims(id_token)

    def _claims(self, id_token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(id_token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise BadRequest("Malformed ID token", code="OAUTH_EXCHANGE_FAILED") from exc
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            claims.get("iss") not in ISSUERS
            or self.client_id not in audiences
            or not isinstance(claims.get("exp"), int | float)
            or claims["exp"] < time.time() - 30
            or not claims.get("sub")
        ):
            raise BadRequest("ID token failed validation", code="OAUTH_EXCHANGE_FAILED")
        return claims
