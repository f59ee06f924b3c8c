"""Cookie sign-in for browser front ends (issue 14, SECURITY-CHECKLIST §9) through the HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from mosaic.accounts.auth.cookies import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from mosaic.accounts.deps import identify_request
from tests.accounts.conftest import PASSWORD, Account, new_account, register
from tests.accounts.test_auth import _backdate_rotation

AUTH = "/api/v1/auth"
ME = "/api/v1/users/me"
OTHER_SITE = "https://evil.example"


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client on https (the test environment's cookies are `Secure`)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


def set_cookies(response: httpx.Response) -> list[tuple[str, str, dict[str, Any]]]:
    """Every `Set-Cookie` as (name, value, attributes), attribute names lower-cased."""
    found = []
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            attributes: dict[str, Any] = {key: str(value) for key, value in morsel.items() if value}
            flags = {part.strip().lower() for part in header.split(";")}
            attributes["httponly"] = "httponly" in flags
            attributes["secure"] = "secure" in flags
            found.append((name, morsel.value, attributes))
    return found


async def cookie_login(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    response = await client.post(
        f"{AUTH}/login", params={"cookie": "true"}, json={"email": account.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}


async def test_cookie_login_sets_scoped_httponly_cookies_and_no_token_in_the_body(browser, user_a):
    response = await cookie_login(browser, user_a)
    data = response.json()["data"]
    assert data["token_type"] == "cookie" and data["expires_in"] > 0
    assert "access_token" not in response.text and "refresh_token" not in response.text
    cookies = set_cookies(response)
    by_path = {(name, attrs["path"]): attrs for name, _, attrs in cookies}
    assert set(by_path) == {
        (ACCESS_COOKIE, "/api/v1"),
        (REFRESH_COOKIE, "/api/v1/auth/refresh"),
        (REFRESH_COOKIE, "/api/v1/auth/logout"),
        (CSRF_COOKIE, "/"),
    }
    for (name, _), attrs in by_path.items():
        assert attrs["samesite"].lower() == "lax" and attrs["secure"] is True  # test env: not development
        assert attrs["httponly"] is (name != CSRF_COOKIE)
    csrf_value = next(value for name, value, _ in cookies if name == CSRF_COOKIE)
    assert data["csrf_token"] == csrf_value and len(csrf_value) >= 32
    assert response.headers["cache-control"] == "no-store"


async def test_login_without_the_flag_still_answers_tokens_and_sets_no_cookie(browser, user_a):
    response = await browser.post(f"{AUTH}/login", json={"email": user_a.email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["data"]["token_type"] == "bearer" and response.json()["data"]["access_token"]
    assert response.headers.get_list("set-cookie") == []


async def test_secure_flag_is_off_in_development_only(make_client):
    _, client = await make_client(ENVIRONMENT="development")
    account = await new_account(client)
    response = await cookie_login(client, account)
    assert {attrs["secure"] for _, _, attrs in set_cookies(response)} == {False}


async def test_setting_makes_cookies_the_default_and_the_flag_still_wins(make_client):
    _, client = await make_client(AUTH_COOKIES_BY_DEFAULT=True)
    registered = await register(client)
    body = {"email": registered.json()["data"]["email"], "password": PASSWORD}
    by_default = await client.post(f"{AUTH}/login", json=body)
    assert by_default.json()["data"]["token_type"] == "cookie"
    assert {name for name, _, _ in set_cookies(by_default)} == {ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE}
    opted_out = await client.post(f"{AUTH}/login", params={"cookie": "false"}, json=body)
    assert opted_out.json()["data"]["token_type"] == "bearer"


async def test_get_authenticates_from_the_access_cookie_without_csrf(browser, user_a):
    assert (await browser.get(ME)).status_code == 401
    await cookie_login(browser, user_a)
    response = await browser.get(ME)
    assert response.status_code == 200 and response.json()["data"]["email"] == user_a.email


async def test_unsafe_request_with_the_csrf_token_works(browser, user_a):
    await cookie_login(browser, user_a)
    response = await browser.put(ME, json={"first_name": "Cookie"}, headers=csrf(browser))
    assert response.status_code == 200, response.text
    assert (await browser.get(ME)).json()["data"]["first_name"] == "Cookie"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"X-CSRF-Token": "a-token-of-another-session-0123456789"}, id="wrong-token"),
        pytest.param({"Origin": OTHER_SITE}, id="cross-site-origin-with-the-token"),
    ],
)
async def test_cookie_authenticated_unsafe_request_without_a_valid_token_is_refused(browser, user_a, headers):
    await cookie_login(browser, user_a)
    if "Origin" in headers:
        headers = {**headers, **csrf(browser)}
    response = await browser.put(ME, json={"first_name": "Forged"}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "CSRF_FAILED"
    assert (await browser.get(ME)).json()["data"]["first_name"] == "Alice"  # nothing written


async def test_allowed_origin_passes(browser, user_a, settings):
    await cookie_login(browser, user_a)
    headers = {"Origin": settings.CORS_ORIGINS[0], **csrf(browser)}
    assert (await browser.put(ME, json={"first_name": "Allowed"}, headers=headers)).status_code == 200


async def test_bearer_clients_need_no_csrf_and_bearer_wins_over_cookies(browser, client, user_a, user_b):
    response = await client.put(ME, json={"first_name": "Bearer"}, headers=user_a.headers)
    assert response.status_code == 200
    await cookie_login(browser, user_b)  # cookies for B, bearer for A: the bearer is who calls
    mixed = await browser.put(ME, json={"first_name": "Mixed"}, headers=user_a.headers)
    assert mixed.status_code == 200 and mixed.json()["data"]["email"] == user_a.email
    assert (await browser.get(ME)).json()["data"]["first_name"] != "Mixed"  # B untouched


async def test_refresh_from_the_cookie_rotates_the_cookies(browser, app, settings, user_a):
    await cookie_login(browser, user_a)
    old_access, old_refresh = (
        browser.cookies[ACCESS_COOKIE],
        browser.cookies.get(REFRESH_COOKIE, path="/api/v1/auth/refresh"),
    )
    refused = await browser.post(f"{AUTH}/refresh")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "CSRF_FAILED"
    response = await browser.post(f"{AUTH}/refresh", headers=csrf(browser))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["token_type"] == "cookie" and "refresh_token" not in response.text
    assert browser.cookies[ACCESS_COOKIE] != old_access
    assert browser.cookies.get(REFRESH_COOKIE, path="/api/v1/auth/refresh") != old_refresh
    assert (await browser.get(ME)).status_code == 200
    # The spent refresh token is dead once the reuse grace window is over (reuse revokes the family).
    await _backdate_rotation(app, old_refresh, settings.REFRESH_REUSE_GRACE_SECONDS + 1)
    reuse = await browser.post(f"{AUTH}/refresh", json={"refresh_token": old_refresh})
    assert reuse.status_code == 401


async def test_refresh_without_body_or_cookie_is_401(browser):
    response = await browser.post(f"{AUTH}/refresh")
    assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_logout_clears_the_cookies_and_the_old_cookies_are_dead(browser, app, user_a):
    await cookie_login(browser, user_a)
    old = {name: browser.cookies.get(name, path=path) for name, path in [(ACCESS_COOKIE, "/api/v1")]}
    refused = await browser.post(f"{AUTH}/logout")
    assert refused.status_code == 403
    response = await browser.post(f"{AUTH}/logout", headers=csrf(browser))
    assert response.status_code == 200, response.text
    cleared = set_cookies(response)
    assert {name for name, _, _ in cleared} == {ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE}
    assert all(attrs.get("max-age") == "0" for _, _, attrs in cleared)
    assert ACCESS_COOKIE not in browser.cookies
    # Replaying the old access cookie: revoked at logout.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as replay:
        replay.cookies.set(ACCESS_COOKIE, old[ACCESS_COOKIE] or "", domain="testserver", path="/api/v1")
        assert (await replay.get(ME)).status_code == 401


async def test_bearer_logout_is_unchanged(client):
    account = await new_account(client)
    response = await client.post(
        f"{AUTH}/logout", json={"refresh_token": account.refresh_token}, headers=account.headers
    )
    assert response.status_code == 200
    assert (await client.get(ME, headers=account.headers)).status_code == 401


async def test_rate_limiter_identifies_the_cookie_session(browser, app, user_a):
    await cookie_login(browser, user_a)
    cookie = f"{ACCESS_COOKIE}={browser.cookies[ACCESS_COOKIE]}"
    headers = [(b"cookie", cookie.encode())]
    scope = {"type": "http", "method": "GET", "path": ME, "headers": headers, "app": app}
    identity = await identify_request(Request(scope))
    assert identity is not None and identity.key == f"user:{user_a.id}"
    anonymous = await identify_request(Request({**scope, "headers": []}))
    assert anonymous is None
