"""Rate limits: per user or client IP, admins, proxies, credential endpoints, Redis and its outages."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from tests.accounts.conftest import PASSWORD, new_account, set_role
from tests.conftest import TEST_REDIS_URL

REDIS_URL = TEST_REDIS_URL or "redis://127.0.0.1:6379/15"  # only used by tests marked redis
ME = "/api/v1/users/me"
LOGIN = "/api/v1/auth/login"


def assert_limited(response, limit: int) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["error"]["code"] == "RATE_LIMITED" and body["data"] is None
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["x-ratelimit-reset"]) > 0
    assert response.headers["x-request-id"]


async def test_anonymous_callers_are_limited_per_ip_with_headers(make_client):
    _, client = await make_client(RATE_LIMIT_PER_MINUTE=3)
    remaining = []
    for _ in range(3):
        response = await client.get("/api/v1/does-not-exist")
        assert response.status_code == 404
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    assert_limited(await client.get("/api/v1/does-not-exist"), 3)
    # Probes are never counted nor refused.
    assert (await client.get("/health/live")).status_code == 200


async def test_each_user_has_their_own_bucket(client, make_client):
    alice = await new_account(client)
    bob = await new_account(client)
    _, limited = await make_client(RATE_LIMIT_PER_MINUTE=3)
    for _ in range(3):
        assert (await limited.get(ME, headers=alice.headers)).status_code == 200
    assert_limited(await limited.get(ME, headers=alice.headers), 3)
    assert (await limited.get(ME, headers=bob.headers)).status_code == 200
    # A forged token is anonymous (the IP bucket), not a fresh bucket per token.
    for index in range(3):
        forged = {"Authorization": f"Bearer not-a-token-{index}"}
        assert (await limited.get(ME, headers=forged)).status_code == 401
    assert (await limited.get(ME, headers={"Authorization": "Bearer other"})).status_code == 429


async def test_admins_are_exempt_unless_admin_limits_are_enabled(client, app, make_client):
    admin = await new_account(client)
    await set_role(app, admin.id, "admin")
    _, exempt = await make_client(RATE_LIMIT_PER_MINUTE=2)
    for _ in range(5):
        response = await exempt.get(ME, headers=admin.headers)
        assert response.status_code == 200 and "x-ratelimit-limit" not in response.headers
    _, strict = await make_client(RATE_LIMIT_PER_MINUTE=2, ADMIN_RATE_LIMIT_ENABLED=True)
    for _ in range(2):
        assert (await strict.get(ME, headers=admin.headers)).status_code == 200
    assert_limited(await strict.get(ME, headers=admin.headers), 2)


async def test_a_role_header_does_not_make_anyone_an_admin(client, make_client):
    user = await new_account(client)
    _, limited = await make_client(RATE_LIMIT_PER_MINUTE=2)
    headers = {**user.headers, "X-Role": "admin", "X-Is-Admin": "true"}
    for _ in range(2):
        assert (await limited.get(ME, headers=headers)).status_code == 200
    assert_limited(await limited.get(ME, headers=headers), 2)


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(make_client):
    _, direct = await make_client(RATE_LIMIT_PER_MINUTE=2)
    for index in range(2):
        response = await direct.get("/api/v1/nope", headers={"X-Forwarded-For": f"203.0.113.{index}"})
        assert response.status_code == 404
    assert_limited(await direct.get("/api/v1/nope", headers={"X-Forwarded-For": "203.0.113.99"}), 2)

    _, proxied = await make_client(RATE_LIMIT_PER_MINUTE=2, TRUSTED_PROXIES=["127.0.0.1"])
    for index in range(4):  # a different client behind our proxy each time
        response = await proxied.get("/api/v1/nope", headers={"X-Forwarded-For": f"198.51.100.{index}"})
        assert response.status_code == 404
    # A client cannot prepend its own hop: the right-most untrusted address counts.
    for _ in range(2):
        spoof = {"X-Forwarded-For": f"10.9.9.{uuid.uuid4().int % 250}, 198.51.100.200"}
        assert (await proxied.get("/api/v1/nope", headers=spoof)).status_code == 404
    assert (await proxied.get("/api/v1/nope", headers=spoof)).status_code == 429


async def test_login_is_limited_per_account_even_with_the_right_password(client, make_client):
    victim = await new_account(client)
    other = await new_account(client)
    _, app_client = await make_client(
        AUTH_RATE_LIMIT_PER_ACCOUNT="2/minute", AUTH_RATE_LIMIT_PER_IP="50/minute"
    )
    for _ in range(2):
        wrong = await app_client.post(LOGIN, json={"email": victim.email, "password": "wrong-password-1"})
        assert wrong.status_code == 401
    locked = await app_client.post(LOGIN, json={"email": victim.email.upper(), "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "RATE_LIMITED"
    assert int(locked.headers["retry-after"]) >= 1
    assert (
        await app_client.post(LOGIN, json={"email": other.email, "password": PASSWORD})
    ).status_code == 200


async def test_forgot_password_is_limited_per_ip_and_stays_generic_below_it(make_client):
    _, app_client = await make_client(
        AUTH_RATE_LIMIT_PER_ACCOUNT="50/minute", AUTH_RATE_LIMIT_PER_IP="3/minute"
    )
    for index in range(3):
        response = await app_client.post(
            "/api/v1/auth/forgot-password", json={"email": f"nobody-{index}-{uuid.uuid4().hex}@example.com"}
        )
        assert response.status_code == 202
    refused = await app_client.post("/api/v1/auth/forgot-password", json={"email": "x@example.com"})
    assert refused.status_code == 429


async def test_refresh_and_reset_are_limited(make_client):
    _, app_client = await make_client(
        AUTH_RATE_LIMIT_PER_ACCOUNT="1/minute", AUTH_RATE_LIMIT_PER_IP="50/minute"
    )
    assert (await app_client.post("/api/v1/auth/refresh", json={"refresh_token": "same"})).status_code == 401
    assert (await app_client.post("/api/v1/auth/refresh", json={"refresh_token": "same"})).status_code == 429
    body = {"token": "same", "new_password": "An0ther-long-passphrase"}
    assert (await app_client.post("/api/v1/auth/reset-password", json=body)).status_code == 400
    assert (await app_client.post("/api/v1/auth/reset-password", json=body)).status_code == 429


# -- Redis: shared counters, and outages ----------------------------------------------------------
@pytest.mark.redis
async def test_two_app_instances_share_the_limit_through_redis(client, make_client):
    user = await new_account(client)
    shared = {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"t{uuid.uuid4().hex[:12]}",
        "RATE_LIMIT_PER_MINUTE": 3,
    }
    _, first = await make_client(**shared)
    _, second = await make_client(**shared)
    assert (await first.get(ME, headers=user.headers)).status_code == 200
    assert (await second.get(ME, headers=user.headers)).status_code == 200
    assert (await first.get(ME, headers=user.headers)).headers["x-ratelimit-remaining"] == "0"
    assert_limited(await second.get(ME, headers=user.headers), 3)


@pytest.mark.redis
async def test_concurrent_requests_batched_into_one_pipeline_are_counted_exactly(client, make_client):
    user = await new_account(client)
    _, limited = await make_client(
        REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=f"t{uuid.uuid4().hex[:12]}", RATE_LIMIT_PER_MINUTE=5
    )
    responses = await asyncio.gather(*(limited.get(ME, headers=user.headers) for _ in range(8)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 5 + [429] * 3
    remaining = sorted(r.headers["x-ratelimit-remaining"] for r in responses if r.status_code == 200)
    assert remaining == ["0", "1", "2", "3", "4"]
    for response in responses:
        if response.status_code == 429:
            assert_limited(response, 5)


@pytest.mark.redis
async def test_the_limit_holds_after_redis_forgets_its_scripts(client, make_client):
    from redis.asyncio import Redis

    user = await new_account(client)
    _, limited = await make_client(
        REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=f"t{uuid.uuid4().hex[:12]}", RATE_LIMIT_PER_MINUTE=2
    )
    assert (await limited.get(ME, headers=user.headers)).headers["x-ratelimit-remaining"] == "1"
    admin = Redis.from_url(REDIS_URL)
    try:
        await admin.script_flush()  # as after a Redis restart
    finally:
        await admin.aclose()
    assert (await limited.get(ME, headers=user.headers)).headers["x-ratelimit-remaining"] == "0"
    assert_limited(await limited.get(ME, headers=user.headers), 2)


@pytest.mark.redis
async def test_credential_limits_are_shared_through_redis(client, make_client):
    user = await new_account(client)
    shared = {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"t{uuid.uuid4().hex[:12]}",
        "AUTH_RATE_LIMIT_PER_ACCOUNT": "2/minute",
    }
    _, first = await make_client(**shared)
    _, second = await make_client(**shared)
    wrong = {"email": user.email, "password": "wrong-password-1"}
    assert (await first.post(LOGIN, json=wrong)).status_code == 401
    assert (await second.post(LOGIN, json=wrong)).status_code == 401
    assert (await first.post(LOGIN, json=wrong)).status_code == 429


async def test_redis_down_general_limits_fail_open_and_login_limits_still_apply(client, make_client, caplog):
    user = await new_account(client)
    _, down = await make_client(
        REDIS_URL="redis://127.0.0.1:1/0",
        RATE_LIMIT_PER_MINUTE=2,
        AUTH_RATE_LIMIT_PER_ACCOUNT="2/minute",
        SEED_ON_STARTUP=False,
    )
    with caplog.at_level(logging.WARNING, logger="mosaic.ratelimit"):
        for _ in range(5):
            response = await down.get(ME, headers=user.headers)
            assert response.status_code == 200
    assert "Redis rate-limit store unavailable" in caplog.text
    wrong = {"email": user.email, "password": "wrong-password-1"}
    assert (await down.post(LOGIN, json=wrong)).status_code == 401
    assert (await down.post(LOGIN, json=wrong)).status_code == 401
    assert (await down.post(LOGIN, json={"email": user.email, "password": PASSWORD})).status_code == 429
