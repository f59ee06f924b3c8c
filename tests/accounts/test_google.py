"""Google sign-in (authorization code + PKCE): SECURITY-CHECKLIST §2.30-2.32.

Google's token endpoint is mocked with respx and answers in its documented shape; the ID token
carries Google's documented claims. The browser is the httpx client: its cookie jar holds the
`mosaic_oauth` cookie that binds a flow to the browser that started it.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from sqlalchemy import select, update

from mosaic.accounts.auth.models import OAuthState
from mosaic.accounts.users.models import User
from mosaic.core.database import utcnow
from mosaic.core.security import sha256_hex
from tests.accounts.conftest import PASSWORD, login, new_account
from tests.conftest import AppFactory, unique_email

CLIENT_ID = "client-123.apps.googleusercontent.com"
REDIRECT_URI = "http://testserver/api/v1/auth/google/callback"
TOKEN_URL = "https://oauth2.googleapis.com/token"
START = "/api/v1/auth/google/redirect"
CALLBACK = "/api/v1/auth/google/callback"
COOKIE = "mosaic_oauth"
GOOGLE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Flow:
    """What the browser holds after GET /google/redirect."""

    state: str
    challenge: str
    browser: str
    query: dict[str, str] = field(default_factory=dict)


def id_token(**overrides: Any) -> tuple[str, dict[str, Any]]:
    """A Google ID token with Google's documented claims; `None` values drop the claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "https://accounts.google.com",
        "azp": CLIENT_ID,
        "aud": CLIENT_ID,
        "sub": str(uuid.uuid4().int)[:21],
        "email": unique_email("google"),
        "email_verified": True,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
        "name": "Grace Hopper",
        "given_name": "Grace",
        "family_name": "Hopper",
        "picture": "https://lh3.googleusercontent.com/a/default-user",
        "locale": "en",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    token = jwt.encode(claims, GOOGLE_KEY, algorithm="RS256", headers={"kid": "google-key-1"})
    return token, claims


def token_response(token: str) -> httpx.Response:
    """Google's documented token endpoint answer (OpenID Connect, authorization code grant)."""
    return httpx.Response(
        200,
        json={
            "access_token": "ya29.a0AfH6SMB-fake-access-token",
            "expires_in": 3599,
            "scope": "openid https://www.googleapis.com/auth/userinfo.email "
            "https://www.googleapis.com/auth/userinfo.profile",
            "token_type": "Bearer",
            "id_token": token,
        },
        headers={"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"},
    )


class GoogleTokenEndpoint:
    def __init__(self, router: respx.MockRouter) -> None:
        self.next: httpx.Response | None = None
        self.route = router.post(TOKEN_URL).mock(side_effect=self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        assert self.next is not None, "the test did not prepare Google's answer"
        return self.next

    def answers(self, **claims: Any) -> dict[str, Any]:
        token, values = id_token(**claims)
        self.next = token_response(token)
        return values

    @property
    def last_form(self) -> dict[str, str]:
        form = parse_qs(self.route.calls.last.request.content.decode())
        return {name: values[0] for name, values in form.items()}


@pytest.fixture
def google(app: FastAPI) -> Iterator[GoogleTokenEndpoint]:
    # `app` seeded the shared database. Only Google's host is mocked (assert_all_mocked).
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield GoogleTokenEndpoint(router)


@pytest.fixture
async def google_app(make_client: AppFactory) -> tuple[FastAPI, httpx.AsyncClient]:
    return await make_client(
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET="secret",
        GOOGLE_REDIRECT_URI=REDIRECT_URI,
        SEED_ON_STARTUP=False,
    )


@pytest.fixture
def browser(google_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return google_app[1]


def other_browser(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def start(client: httpx.AsyncClient, **params: str) -> Flow:
    response = await client.get(START, params=params)
    assert response.status_code == 307, response.text
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "accounts.google.com",
        "/o/oauth2/v2/auth",
    )
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    cookie = client.cookies.get(COOKIE, path="/api/v1/auth/google")
    assert cookie, response.headers.get("set-cookie")
    return Flow(query["state"], query["code_challenge"], cookie, query)


async def finish(client: httpx.AsyncClient, flow: Flow, code: str = "4/0AX4XfWh-code") -> httpx.Response:
    return await client.get(CALLBACK, params={"code": code, "state": flow.state})


async def finish_with_cookie(app: FastAPI, flow: Flow, cookie: str) -> httpx.Response:
    """The callback from a browser whose only cookie is `mosaic_oauth=<cookie>`."""
    async with other_browser(app) as client:
        params = {"code": "4/0AX4XfWh-code", "state": flow.state}
        return await client.get(CALLBACK, params=params, headers={"Cookie": f"{COOKIE}={cookie}"})


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and body["error"]["code"] == code, body


async def find_user(app: FastAPI, email: str) -> User | None:
    async with app.state.database.transaction() as session:
        user = (await session.execute(select(User).where(User.email == email.lower()))).scalar_one_or_none()
        if user is not None:
            session.expunge(user)
        return user


# -- the authorization request ------------------------------------------------------------------
async def test_redirect_starts_a_pkce_flow_bound_to_the_browser(browser):
    response = await browser.get(START)
    assert response.status_code == 307
    location = urlsplit(response.headers["location"])
    assert location.netloc == "accounts.google.com" and location.scheme == "https"
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    assert len(base64.urlsafe_b64decode(query["code_challenge"] + "=")) == 32  # a SHA-256 digest
    assert len(query["state"]) >= 22  # at least 128 random bits, url-safe base64

    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "path=/api/v1/auth/google" in set_cookie.lower() and "samesite=lax" in set_cookie.lower()
    assert "max-age=600" in set_cookie.lower()  # TTL = OAUTH_STATE_EXPIRE_MINUTES ≤ 10 min
    assert query["state"] not in set_cookie  # the cookie is a separate secret, not the state

    second = await start(browser)
    assert second.state != query["state"] and second.challenge != query["code_challenge"]


async def test_state_is_stored_hashed_with_a_short_ttl(google_app):
    app, client = google_app
    flow = await start(client)
    async with app.state.database.transaction() as session:
        row = (
            await session.execute(select(OAuthState).where(OAuthState.state_hash == sha256_hex(flow.state)))
        ).scalar_one()
        assert row.browser_hash == sha256_hex(flow.browser) and row.used_at is None
        assert timedelta(minutes=9) < row.expires_at - utcnow() <= timedelta(minutes=10)
        assert s256(row.code_verifier) == flow.challenge


@pytest.mark.parametrize("target", ["//evil.tld", "https://evil.tld", "/\\evil.tld", "evil.tld/path"])
async def test_open_redirect_targets_are_refused(browser, target):
    response = await browser.get(START, params={"redirect": target})
    assert_error(response, 400, "INVALID_REDIRECT")
    assert COOKIE not in browser.cookies


async def test_relative_redirect_target_is_accepted(browser):
    flow = await start(browser, redirect="/dashboard?tab=1")
    assert flow.state


# -- the callback -------------------------------------------------------------------------------
async def test_callback_creates_a_verified_user_and_sends_the_pkce_verifier(google_app, google):
    app, client = google_app
    flow = await start(client)
    claims = google.answers()
    response = await finish(client, flow, code="4/0AX4XfWh-the-code")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()["data"]
    assert tokens["access_token"] and tokens["refresh_token"]

    # The code exchange: form-encoded, with the verifier whose S256 is the challenge Google saw.
    assert google.route.call_count == 1
    form = google.last_form
    assert form["grant_type"] == "authorization_code" and form["code"] == "4/0AX4XfWh-the-code"
    assert form["client_id"] == CLIENT_ID and form["client_secret"] == "secret"
    assert form["redirect_uri"] == REDIRECT_URI
    assert 43 <= len(form["code_verifier"]) <= 128  # RFC 7636 §4.1
    assert s256(form["code_verifier"]) == flow.challenge

    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200, me.text
    data = me.json()["data"]
    assert data["email"] == claims["email"] and data["is_verified"] is True
    assert (data["first_name"], data["last_name"]) == ("Grace", "Hopper")
    assert data["role"]["name"] == "user"
    user = await find_user(app, claims["email"])
    assert user is not None and user.google_sub == claims["sub"] and user.password_hash is None
    assert COOKIE not in client.cookies  # the binding cookie is cleared after use


async def test_second_sign_in_with_the_same_google_account_is_the_same_user(browser, google):
    claims = google.answers()
    first = await finish(browser, await start(browser))
    assert first.status_code == 200, first.text
    # Google may report a changed address later; the subject, not the email, identifies the user.
    google.answers(sub=claims["sub"], email=claims["email"].upper())
    second = await finish(browser, await start(browser))
    assert second.status_code == 200, second.text
    ids = []
    for response in (first, second):
        token = response.json()["data"]["access_token"]
        me = await browser.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        ids.append(me.json()["data"]["id"])
    assert ids[0] == ids[1]


async def test_replayed_state_returns_400_and_is_not_exchanged_again(google_app, google):
    app, client = google_app
    google.answers()
    flow = await start(client)
    assert (await finish_with_cookie(app, flow, flow.browser)).status_code == 200
    # The same state with the right binding cookie again: a used state is dead.
    assert_error(await finish_with_cookie(app, flow, flow.browser), 400, "OAUTH_INVALID_STATE")
    assert_error(await finish(client, flow), 400, "OAUTH_INVALID_STATE")
    assert google.route.call_count == 1


@pytest.mark.parametrize(
    "params",
    [{"code": "4/0-code"}, {"code": "4/0-code", "state": ""}, {"state": "x"}, {}],
    ids=["no_state", "empty_state", "no_code", "nothing"],
)
async def test_callback_without_state_or_code_returns_400(browser, google, params):
    await start(browser)
    assert_error(await browser.get(CALLBACK, params=params), 400, "OAUTH_INVALID_STATE")
    assert google.route.call_count == 0


async def test_unknown_state_returns_400(browser, google):
    await start(browser)
    response = await browser.get(CALLBACK, params={"code": "c", "state": "forged-state-value"})
    assert_error(response, 400, "OAUTH_INVALID_STATE")
    assert google.route.call_count == 0


async def test_state_from_another_browser_returns_400(google_app, google):
    app, victim = google_app
    google.answers()
    flow = await start(victim)

    # The attacker's browser: no cookie at all, then its own flow's cookie.
    async with other_browser(app) as attacker:
        assert_error(await finish(attacker, flow), 400, "OAUTH_INVALID_STATE")
        await start(attacker)
        assert attacker.cookies.get(COOKIE) != flow.browser
        assert_error(await finish(attacker, flow), 400, "OAUTH_INVALID_STATE")
    # A forged or empty cookie value fails as well.
    for cookie in ("not-the-cookie", "", flow.state):
        assert_error(await finish_with_cookie(app, flow, cookie), 400, "OAUTH_INVALID_STATE")
    assert google.route.call_count == 0

    # The failed attempts did not burn the victim's flow.
    assert (await finish(victim, flow)).status_code == 200


async def test_expired_state_returns_400(google_app, google):
    app, client = google_app
    google.answers()
    flow = await start(client)
    async with app.state.database.transaction() as session:
        await session.execute(
            update(OAuthState)
            .where(OAuthState.state_hash == sha256_hex(flow.state))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_error(await finish(client, flow), 400, "OAUTH_INVALID_STATE")
    assert google.route.call_count == 0


async def test_state_ttl_follows_the_setting(make_client, google):
    app, client = await make_client(
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET="secret",
        GOOGLE_REDIRECT_URI=REDIRECT_URI,
        OAUTH_STATE_EXPIRE_MINUTES=1,
        SEED_ON_STARTUP=False,
    )
    response = await client.get(START)
    assert "max-age=60" in response.headers["set-cookie"].lower()
    state = parse_qs(urlsplit(response.headers["location"]).query)["state"][0]
    async with app.state.database.transaction() as session:
        row = (
            await session.execute(select(OAuthState).where(OAuthState.state_hash == sha256_hex(state)))
        ).scalar_one()
        assert row.expires_at - utcnow() <= timedelta(minutes=1)


# -- account linking ------------------------------------------------------------------------------
async def test_unverified_google_email_for_a_new_account_returns_400(google_app, google):
    app, client = google_app
    claims = google.answers(email_verified=False)
    assert_error(await finish(client, await start(client)), 400, "OAUTH_EMAIL_NOT_VERIFIED")
    assert await find_user(app, claims["email"]) is None


async def test_unverified_google_email_never_links_to_an_existing_account(google_app, google):
    app, client = google_app
    account = await new_account(client)
    google.answers(email=account.email, email_verified=False)
    assert_error(await finish(client, await start(client)), 400, "OAUTH_EMAIL_NOT_VERIFIED")
    user = await find_user(app, account.email)
    assert user is not None and user.google_sub is None


async def test_verified_google_email_links_to_the_existing_password_account(google_app, google):
    app, client = google_app
    account = await new_account(client)
    claims = google.answers(email=account.email.upper())
    response = await finish(client, await start(client))
    assert response.status_code == 200, response.text
    token = response.json()["data"]["access_token"]
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["data"]["id"] == account.id
    assert me.json()["data"]["is_verified"] is True  # Google vouched for the mailbox
    user = await find_user(app, account.email)
    assert user is not None and user.google_sub == claims["sub"]
    # The password keeps working: linking adds a way in, it does not replace one.
    assert (await login(client, account.email, PASSWORD))["access_token"]


async def test_disabled_account_cannot_sign_in_with_google(google_app, google):
    app, client = google_app
    claims = google.answers()
    assert (await finish(client, await start(client))).status_code == 200
    async with app.state.database.transaction() as session:
        await session.execute(update(User).where(User.email == claims["email"]).values(is_active=False))
    google.answers(sub=claims["sub"], email=claims["email"])
    assert_error(await finish(client, await start(client)), 400, "ACCOUNT_DISABLED")


# -- Google's answer is checked -------------------------------------------------------------------
@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client.apps.googleusercontent.com"},
        {"iss": "https://evil.tld"},
        {"exp": int(time.time()) - 3600},
        {"sub": None},
    ],
    ids=["wrong_aud", "wrong_iss", "expired", "no_sub"],
)
async def test_id_token_failing_validation_returns_400(google_app, google, claims):
    app, client = google_app
    values = google.answers(**claims)
    assert_error(await finish(client, await start(client)), 400, "OAUTH_EXCHANGE_FAILED")
    if "email" in values:
        assert await find_user(app, values["email"]) is None


async def test_google_refusing_the_code_returns_400_and_google_down_returns_503(browser, google):
    google.next = httpx.Response(400, json={"error": "invalid_grant", "error_description": "Bad Request"})
    assert_error(await finish(browser, await start(browser)), 400, "OAUTH_EXCHANGE_FAILED")
    google.next = httpx.Response(503, text="unavailable")
    assert_error(await finish(browser, await start(browser)), 503, "SERVICE_UNAVAILABLE")


async def test_google_not_configured_returns_404(client):
    assert_error(await client.get(START), 404, "NOT_FOUND")
    assert_error(await client.get(CALLBACK, params={"code": "c", "state": "s"}), 404, "NOT_FOUND")
    assert COOKIE not in client.cookies
