"""Cookie sign-in for browser front ends (seed 004 task 3.2): tokens in cookies, CSRF by double submit.

Opt-in: `POST /auth/login?cookie=true` (or `AUTH_COOKIES_BY_DEFAULT=true`) answers the session in
cookies instead of the body, so no script ever reads a token:

- `mosaic_access`: the access token, `HttpOnly`, path `/api/v1` (every API route);
- `mosaic_refresh`: the refresh token, `HttpOnly`, set twice, on `/api/v1/auth/refresh` and
  `/api/v1/auth/logout` only, so no other request carries it;
- `csrf_token`: a random value, readable by the page (not `HttpOnly`), path `/`; also in the
  login answer's body for a front end on another origin, which cannot read the API's cookies.

All are `SameSite=Lax` and `Secure` everywhere but `ENVIRONMENT=development` (plain-http
localhost). A request authenticated by the access cookie with an unsafe method (POST, PUT, PATCH,
DELETE) must echo the CSRF cookie in `X-CSRF-Token` (compared in constant time) and, when it sends
an `Origin`, come from an allowed one (`CORS_ORIGINS` or the API's own host); otherwise 403
`CSRF_FAILED`. A bearer header always wins over the cookies (never a merge of two identities),
and bearer requests never need a CSRF token: a browser cannot attach one by itself.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from mosaic.accounts.auth.schemas import CookieSession, TokenPair
from mosaic.core.config import Settings
from mosaic.core.errors import Forbidden

ACCESS_COOKIE = "mosaic_access"
REFRESH_COOKIE = "mosaic_refresh"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FAILED = "CSRF_FAILED"

ACCESS_PATH = "/api/v1"
REFRESH_PATHS = ("/api/v1/auth/refresh", "/api/v1/auth/logout")
CSRF_PATH = "/"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def secure_cookies(settings: Settings) -> bool:
    """`Secure` outside development only: a browser drops Secure cookies on plain-http localhost."""
    return settings.ENVIRONMENT != "development"


def wants_cookies(settings: Settings, cookie: bool | None) -> bool:
    return settings.AUTH_COOKIES_BY_DEFAULT if cookie is None else cookie


def set_session_cookies(response: Response, settings: Settings, pair: TokenPair) -> CookieSession:
    """Put a fresh token pair and a fresh CSRF token in cookies; the body gets no token."""
    secure = secure_cookies(settings)
    csrf = secrets.token_urlsafe(32)
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        path=ACCESS_PATH,
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    refresh_age = settings.REFRESH_TOKEN_EXPIRE_DAYS * 86_400
    for path in REFRESH_PATHS:
        response.set_cookie(
            REFRESH_COOKIE,
            pair.refresh_token,
            max_age=refresh_age,
            path=path,
            httponly=True,
            secure=secure,
            samesite="lax",
        )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=refresh_age, path=CSRF_PATH, httponly=False, secure=secure, samesite="lax"
    )
    return CookieSession(expires_in=pair.expires_in, csrf_token=csrf)


def clear_session_cookies(response: Response, settings: Settings) -> None:
    secure = secure_cookies(settings)
    response.delete_cookie(ACCESS_COOKIE, path=ACCESS_PATH, httponly=True, secure=secure, samesite="lax")
    for path in REFRESH_PATHS:
        response.delete_cookie(REFRESH_COOKIE, path=path, httponly=True, secure=secure, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path=CSRF_PATH, secure=secure, samesite="lax")


def _allowed_origin(request: Request, settings: Settings, origin: str) -> bool:
    if origin in settings.CORS_ORIGINS:
        return True
    parts = urlsplit(origin)
    return bool(parts.netloc) and parts.netloc == request.headers.get("host")


def check_csrf(request: Request, settings: Settings) -> None:
    """The double-submit check of a cookie-authenticated unsafe request (see the module docstring)."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and not _allowed_origin(request, settings, origin):
        raise Forbidden("Cross-site request refused", code=CSRF_FAILED)
    sent = request.headers.get(CSRF_HEADER, "")
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("Missing or invalid CSRF token", code=CSRF_FAILED)
