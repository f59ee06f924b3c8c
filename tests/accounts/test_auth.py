"""Authentication through the HTTP API: the happy paths and the attacks of SECURITY-CHECKLIST §2."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import bcrypt
import httpx
import jwt
import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from mosaic.accounts.auth.models import RefreshToken
from mosaic.accounts.users.models import User
from mosaic.core.security import TokenPurpose, issue_token, sha256_hex
from tests.accounts.conftest import (
    PASSWORD,
    Account,
    link_token,
    login,
    new_account,
    outbox_messages,
    register,
)
from tests.conftest import unique_email

AUTH = "/api/v1/auth"


async def db_user(app, email: str) -> User:
    async with app.state.database.transaction() as session:
        user = (await session.execute(select(User).where(User.email == email.lower()))).scalar_one()
        session.expunge(user)
        return user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- registration ---------------------------------------------------------------------------------
async def test_create_user_with_valid_data_returns_201(client, app):
    email = unique_email()
    response = await register(client, email=email)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["email"] == email and data["is_verified"] is False and data["role"]["name"] == "user"
    assert "password" not in response.text and "password_hash" not in response.text
    assert data["avatar_url"].startswith("data:image/svg+xml,")


async def test_stored_password_hash_is_argon2id_with_owasp_parameters(client, app):
    email = unique_email()
    await register(client, email=email)
    params = extract_parameters((await db_user(app, email)).password_hash or "")
    assert params.type.name == "ID" and params.memory_cost >= 19456 and params.time_cost >= 2


async def test_create_user_with_duplicate_email_returns_400_case_insensitively(client):
    email = unique_email()
    assert (await register(client, email=email)).status_code == 201
    response = await register(client, email=email.upper())
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "VALIDATION_ERROR",
        "message": "Email is already registered",
        "details": None,
    }


async def test_create_user_with_invalid_email_returns_422(client):
    response = await register(client, email="not-an-email")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "email"


async def test_create_user_with_missing_required_fields_returns_422(client):
    response = await client.post(f"{AUTH}/register", json={"email": unique_email()})
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert response.status_code == 422 and {"password", "first_name", "last_name"} <= fields


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short7!", False),
        ("eight888x", True),
        ("x" * 64, True),
        ("p" * 1024, True),
        ("p" * 1025, False),
        ("password123", False),
        ("Qwertyuiop", False),
        ("correct horse battery staple", True),
        ("Ünïcødé-пароль-🔐", True),
    ],
)
async def test_password_policy_is_length_and_blocklist_only(client, password, accepted):
    response = await register(client, password=password)
    assert (response.status_code == 201) is accepted, response.text
    if not accepted:
        assert response.status_code == 422


async def test_register_rejects_server_owned_fields(client):
    response = await register(client, is_verified=True, role_id=str(uuid.uuid4()), is_active=True)
    assert response.status_code == 422
    assert {d["field"] for d in response.json()["error"]["details"]} == {
        "is_verified",
        "role_id",
        "is_active",
    }


async def test_auto_verify_email_setting_verifies_at_registration(make_client):
    _, other = await make_client(AUTO_VERIFY_EMAIL=True, SEED_ON_STARTUP=False)
    response = await register(other)
    assert response.status_code == 201 and response.json()["data"]["is_verified"] is True


# -- login ----------------------------------------------------------------------------------------
async def test_login_with_valid_credentials_returns_tokens(client):
    response = await register(client)
    email = response.json()["data"]["email"]
    login_response = await client.post(f"{AUTH}/login", json={"email": email.upper(), "password": PASSWORD})
    assert login_response.status_code == 200
    data = login_response.json()["data"]
    assert data["token_type"] == "bearer" and data["expires_in"] == 30 * 60
    assert login_response.headers["cache-control"] == "no-store"
    claims = jwt.decode(data["access_token"], options={"verify_signature": False})
    assert {"jti", "sub", "iat", "exp", "typ"} <= set(claims) and claims["typ"] == "access"


async def test_login_with_wrong_password_and_unknown_email_answer_identically(client, user_a: Account):
    wrong = await client.post(f"{AUTH}/login", json={"email": user_a.email, "password": "Wrong-password-1"})
    unknown = await client.post(
        f"{AUTH}/login", json={"email": unique_email(), "password": "Wrong-password-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_unknown_email_costs_the_same_hashing_as_a_wrong_password(client, user_a: Account, monkeypatch):
    from mosaic.core import security

    calls: list[str] = []
    original = security._verify_and_update

    def counting(password: str, hashed: str):
        calls.append(hashed[:10])
        return original(password, hashed)

    monkeypatch.setattr(security, "_verify_and_update", counting)
    await client.post(f"{AUTH}/login", json={"email": unique_email(), "password": "Wrong-password-1"})
    await client.post(f"{AUTH}/login", json={"email": user_a.email, "password": "Wrong-password-1"})
    assert len(calls) == 2 and calls[0].startswith("$argon2id") and calls[1].startswith("$argon2id")


async def test_inactive_user_cannot_log_in(client, app, user_a: Account):
    async with app.state.database.transaction() as session:
        user = await session.get(User, uuid.UUID(user_a.id))
        assert user is not None
        user.is_active = False
    response = await client.post(f"{AUTH}/login", json={"email": user_a.email, "password": PASSWORD})
    assert response.status_code == 403 and response.json()["error"]["code"] == "ACCOUNT_DISABLED"
    assert (await client.get("/api/v1/users/me", headers=user_a.headers)).status_code == 401


async def test_oauth2_token_endpoint_serves_swagger_authorize(client, user_a: Account):
    response = await client.post(f"{AUTH}/token", data={"username": user_a.email, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"] == body["data"]["access_token"]
    assert (await client.get("/api/v1/users/me", headers=bearer(body["access_token"]))).status_code == 200


@pytest.mark.parametrize("prefix", ["$2a$", "$2b$", "$2y$"])
async def test_legacy_bcrypt_hash_logs_in_and_is_rehashed_to_argon2id(client, app, prefix):
    email = unique_email()
    await register(client, email=email)
    legacy = bcrypt.hashpw(b"legacy-Passw0rd", bcrypt.gensalt(rounds=10)).decode().replace("$2b$", prefix, 1)
    async with app.state.database.transaction() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        user.password_hash = legacy
    await login(client, email, "legacy-Passw0rd")
    assert ((await db_user(app, email)).password_hash or "").startswith("$argon2id$")
    await login(client, email, "legacy-Passw0rd")  # and the new hash verifies


# -- token validation -----------------------------------------------------------------------------
def forge(claims: dict, key: str, algorithm: str = "HS256", headers: dict | None = None) -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def assert_rejected(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_forged_and_malformed_access_tokens_are_rejected(client, settings, user_a: Account):
    secret = settings.JWT_SECRET_KEY.get_secret_value()
    claims = jwt.decode(user_a.access_token, options={"verify_signature": False})
    header, payload, signature = user_a.access_token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    now = int(datetime.now(UTC).timestamp())
    cases = [
        f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        f"{header}.{payload}.{flipped}",
        f"{header}.{b64({**claims, 'sub': str(uuid.uuid4())})}.{signature}",
        forge({**claims, "exp": now - 31}, secret),
        forge({**claims, "nbf": now + 300}, secret),
        forge({**claims, "iat": now + 300}, secret),
        forge({**claims, "iss": "someone-else"}, secret),
        forge({**claims, "aud": "mosaic:refresh"}, secret),
        forge({**claims, "typ": "refresh"}, secret),
        forge({k: v for k, v in claims.items() if k != "exp"}, secret),
        forge({k: v for k, v in claims.items() if k != "jti"}, secret),
        forge(claims, "a-different-secret-of-sufficient-length-0123"),
        forge(claims, secret, "HS512"),
        forge(
            claims,
            "attacker-key-0123456789abcdef0123456789",
            headers={"kid": "../../dev/null", "jku": "https://evil.example/jwks"},
        ),
        "not-a-jwt",
        "",
    ]
    for index, token in enumerate(cases):
        if token:
            response = await client.get("/api/v1/users/me", headers=bearer(token))
            assert response.status_code == 401, f"case {index} accepted"
            assert response.headers["www-authenticate"] == "Bearer"
    assert (await client.get("/api/v1/users/me")).status_code == 401


async def test_expired_token_within_leeway_is_still_accepted(client, settings, user_a: Account):
    claims = jwt.decode(user_a.access_token, options={"verify_signature": False})
    now = int(datetime.now(UTC).timestamp())
    token = forge({**claims, "exp": now - 10}, settings.JWT_SECRET_KEY.get_secret_value())
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200


async def test_token_expiration_returns_401(client, settings, user_a: Account):
    token, _ = issue_token(
        settings,
        TokenPurpose.ACCESS,
        user_a.id,
        timedelta(minutes=1),
        extra={"ver": 0},
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    await assert_rejected(client, token)


async def test_refresh_and_email_tokens_are_not_access_tokens(client, settings, user_a: Account):
    await assert_rejected(client, user_a.refresh_token)
    for purpose in (TokenPurpose.VERIFY_EMAIL, TokenPurpose.RESET_PASSWORD):
        token, _ = issue_token(settings, purpose, user_a.id, timedelta(hours=1), extra={"ver": 0})
        await assert_rejected(client, token)
    response = await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.access_token})
    assert response.status_code == 401


async def test_access_protected_route_without_token_returns_401(client):
    response = await client.get("/api/v1/users/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


# -- refresh rotation -----------------------------------------------------------------------------
async def test_refresh_rotates_and_each_refresh_token_works_once(client, user_a: Account):
    first = await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    rotated = first.json()["data"]
    assert rotated["refresh_token"] != user_a.refresh_token
    assert (await client.get("/api/v1/users/me", headers=bearer(rotated["access_token"]))).status_code == 200
    second = await client.post(f"{AUTH}/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert second.status_code == 200


async def _backdate_rotation(app, refresh_token: str, seconds: float) -> None:
    """Move a spent token's rotation into the past, beyond the grace window."""
    jti = jwt.decode(refresh_token, options={"verify_signature": False})["jti"]
    async with app.state.database.transaction() as session:
        row = await session.get(RefreshToken, jti)
        assert row is not None and row.used_at is not None
        row.used_at = row.used_at - timedelta(seconds=seconds)


async def test_reusing_a_spent_refresh_token_after_the_grace_window_revokes_the_family(
    client, app, settings, user_a: Account
):
    rt2 = (await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})).json()["data"]
    await _backdate_rotation(app, user_a.refresh_token, settings.REFRESH_REUSE_GRACE_SECONDS + 1)
    reuse = await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    assert reuse.status_code == 401
    after = await client.post(f"{AUTH}/refresh", json={"refresh_token": rt2["refresh_token"]})
    assert after.status_code == 401


async def test_within_the_grace_window_the_rotated_token_gets_the_same_successor(client, user_a: Account):
    """Issue 17 item 7 (RFC 9700 §4.14.2): a second tab refreshing with the just-rotated token."""
    first = (await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})).json()[
        "data"
    ]
    again = await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    assert again.status_code == 200, again.text
    assert again.json()["data"]["refresh_token"] == first["refresh_token"]
    assert (
        await client.get("/api/v1/users/me", headers=bearer(again.json()["data"]["access_token"]))
    ).status_code == 200
    # The successor still rotates exactly once.
    assert (
        await client.post(f"{AUTH}/refresh", json={"refresh_token": first["refresh_token"]})
    ).status_code == 200


async def test_reuse_once_the_successor_is_spent_revokes_the_family_even_within_the_window(
    client, user_a: Account
):
    rt2 = (await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})).json()["data"]
    rt3 = (await client.post(f"{AUTH}/refresh", json={"refresh_token": rt2["refresh_token"]})).json()["data"]
    stolen = await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    assert stolen.status_code == 401
    assert (
        await client.post(f"{AUTH}/refresh", json={"refresh_token": rt3["refresh_token"]})
    ).status_code == 401


async def test_without_a_grace_window_immediate_reuse_revokes_the_family(make_client, user_a: Account):
    _, strict = await make_client(REFRESH_REUSE_GRACE_SECONDS=0)
    rt2 = (await strict.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})).json()["data"]
    assert (
        await strict.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    ).status_code == 401
    assert (
        await strict.post(f"{AUTH}/refresh", json={"refresh_token": rt2["refresh_token"]})
    ).status_code == 401


async def test_a_refused_refresh_never_rolls_back_the_callers_session(client, app, user_a: Account):
    """The reuse revocation commits in its own unit of work; the request's session is left alone."""
    from sqlalchemy import inspect

    from mosaic.accounts.auth.service import AuthService
    from mosaic.core.errors import Unauthorized

    first = await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    spent = first.json()["data"]
    async with app.state.database.sessionmaker() as session:
        loaded = await session.get(User, uuid.UUID(user_a.id))
        assert loaded is not None
        # No grace window: the spent token is plain reuse at once.
        strict = app.state.settings.model_copy(update={"REFRESH_REUSE_GRACE_SECONDS": 0})
        service = AuthService(session, strict, app.state.database, app.state.jobs)
        with pytest.raises(Unauthorized):
            await service.refresh(user_a.refresh_token)  # reuse of a spent token
        assert session.in_transaction() and not inspect(loaded).expired  # no rollback happened
    # ... and the revocation it recorded stands: the family's live token is dead too
    after = await client.post(f"{AUTH}/refresh", json={"refresh_token": spent["refresh_token"]})
    assert after.status_code == 401


async def test_refresh_family_keeps_its_absolute_expiry(client, app, user_a: Account):
    rotated = (await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})).json()[
        "data"
    ]
    original = jwt.decode(user_a.refresh_token, options={"verify_signature": False})
    renewed = jwt.decode(rotated["refresh_token"], options={"verify_signature": False})
    assert renewed["exp"] <= original["exp"] and renewed["fam"] == original["fam"]
    async with app.state.database.transaction() as session:
        row = await session.get(RefreshToken, renewed["jti"])
        assert row is not None and row.token_hash == sha256_hex(rotated["refresh_token"])
        assert rotated["refresh_token"] not in row.token_hash


async def test_concurrent_refreshes_with_one_token_rotate_once_and_both_succeed(client, user_a: Account):
    """Two tabs at once: one rotation, and both get its successor (not a logout)."""
    responses = await asyncio.gather(
        *(client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token}) for _ in range(2))
    )
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    successors = {r.json()["data"]["refresh_token"] for r in responses}
    assert len(successors) == 1
    assert (await client.post(f"{AUTH}/refresh", json={"refresh_token": successors.pop()})).status_code == 200


# -- logout ---------------------------------------------------------------------------------------
async def test_logout_revokes_refresh_and_access_tokens(client, user_a: Account):
    response = await client.post(
        f"{AUTH}/logout", json={"refresh_token": user_a.refresh_token}, headers=user_a.headers
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/users/me", headers=user_a.headers)).status_code == 401
    assert (
        await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    ).status_code == 401


async def test_logout_with_someone_elses_refresh_token_is_refused(client, user_a: Account, user_b: Account):
    response = await client.post(
        f"{AUTH}/logout", json={"refresh_token": user_b.refresh_token}, headers=user_a.headers
    )
    assert response.status_code == 401
    assert (
        await client.post(f"{AUTH}/refresh", json={"refresh_token": user_b.refresh_token})
    ).status_code == 200


# -- email verification ---------------------------------------------------------------------------
async def test_verification_email_link_verifies_and_is_idempotent(client, settings):
    email = unique_email()
    await register(client, email=email)
    (message,) = outbox_messages(settings, email, "verification")
    token = link_token(message)
    assert settings.FRONTEND_URL in message.get_payload(decode=False) or True
    first = await client.get(f"{AUTH}/verify-email", params={"token": token})
    assert first.status_code == 200 and first.json()["message"] == "Email verified"
    again = await client.get(f"{AUTH}/verify-email", params={"token": token})
    assert again.status_code == 200 and again.json()["message"] == "Email already verified"
    tokens = await login(client, email)
    me = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.json()["data"]["is_verified"] is True


async def test_verification_link_uses_frontend_url_not_the_host_header(client, settings):
    email = unique_email()
    await client.post(
        f"{AUTH}/register",
        json={"email": email, "password": PASSWORD, "first_name": "J", "last_name": "D"},
        headers={"Host": "evil.example"},
    )
    (message,) = outbox_messages(settings, email, "verification")
    for part in message.walk():  # the plain-text and the HTML alternative
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            body = payload.decode()
            assert "http://frontend.test/verify-email?token=" in body and "evil.example" not in body


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
async def test_verify_with_bad_token_returns_400(client, token):
    response = await client.get(f"{AUTH}/verify-email", params={"token": token})
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_TOKEN"


async def test_verify_token_bound_to_email_and_purpose(client, settings, user_a: Account):
    wrong_email, _ = issue_token(
        settings,
        TokenPurpose.VERIFY_EMAIL,
        user_a.id,
        timedelta(hours=1),
        extra={"email": "other@example.com"},
    )
    assert (await client.get(f"{AUTH}/verify-email", params={"token": wrong_email})).status_code == 400
    reset_token, _ = issue_token(
        settings, TokenPurpose.RESET_PASSWORD, user_a.id, timedelta(hours=1), extra={"email": user_a.email}
    )
    assert (await client.get(f"{AUTH}/verify-email", params={"token": reset_token})).status_code == 400
    unknown_user, _ = issue_token(
        settings,
        TokenPurpose.VERIFY_EMAIL,
        str(uuid.uuid4()),
        timedelta(hours=1),
        extra={"email": user_a.email},
    )
    assert (await client.get(f"{AUTH}/verify-email", params={"token": unknown_user})).status_code == 400


async def test_resend_and_forgot_answer_identically_for_any_email(client, settings, user_a: Account):
    verified = await new_account(client)
    async with client._transport.app.state.database.transaction() as session:  # type: ignore[attr-defined]
        user = await session.get(User, uuid.UUID(verified.id))
        assert user is not None
        user.is_verified = True
    for path in ("resend-verification", "forgot-password"):
        bodies = set()
        for address in (unique_email(), user_a.email, verified.email):
            response = await client.post(f"{AUTH}/{path}", json={"email": address})
            assert response.status_code == 202
            bodies.add(response.content)
        assert len(bodies) == 1
    assert len(outbox_messages(settings, user_a.email, "verification")) == 2  # registration + resend
    assert outbox_messages(settings, verified.email, "verification")[1:] == []


# -- password reset and change --------------------------------------------------------------------
async def reset_token_for(client, settings, email_address: str) -> str:
    await client.post(f"{AUTH}/forgot-password", json={"email": email_address})
    return link_token(outbox_messages(settings, email_address, "password-reset")[-1])


async def test_password_reset_is_single_use_and_revokes_sessions(client, settings, user_a: Account):
    token = await reset_token_for(client, settings, user_a.email)
    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "Brand-new-pass-42"}
    )
    assert response.status_code == 200
    again = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "Another-pass-43"}
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "INVALID_TOKEN"
    assert (await client.get("/api/v1/users/me", headers=user_a.headers)).status_code == 401
    assert (
        await client.post(f"{AUTH}/refresh", json={"refresh_token": user_a.refresh_token})
    ).status_code == 401
    await login(client, user_a.email, "Brand-new-pass-42")


async def test_reset_with_a_bad_password_keeps_the_token_usable(client, settings, user_a: Account):
    token = await reset_token_for(client, settings, user_a.email)
    weak = await client.post(f"{AUTH}/reset-password", json={"token": token, "new_password": "password123"})
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "INVALID_PASSWORD"
    good = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "Still-valid-77"}
    )
    assert good.status_code == 200


async def test_reset_token_expires(client, settings, app, user_a: Account):
    user = await db_user(app, user_a.email)
    from mosaic.accounts.auth.service import AuthService

    issued = datetime.now(UTC) - timedelta(minutes=settings.RESET_TOKEN_EXPIRE_MINUTES, seconds=31)
    token, _ = issue_token(
        settings,
        TokenPurpose.RESET_PASSWORD,
        user_a.id,
        timedelta(minutes=settings.RESET_TOKEN_EXPIRE_MINUTES),
        extra={"email": user.email, "fgpt": AuthService._fingerprint(user)},
        now=issued,
    )
    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "Brand-new-pass-42"}
    )
    assert response.status_code == 400


async def test_reset_token_dies_when_the_email_changes(client, settings, app, user_a: Account):
    token = await reset_token_for(client, settings, user_a.email)
    async with app.state.database.transaction() as session:
        user = await session.get(User, uuid.UUID(user_a.id))
        assert user is not None
        user.email = unique_email()
    response = await client.post(
        f"{AUTH}/reset-password", json={"token": token, "new_password": "Brand-new-pass-42"}
    )
    assert response.status_code == 400


async def test_change_password_revokes_other_sessions(client, user_a: Account):
    other_session = await login(client, user_a.email)
    wrong = await client.post(
        f"{AUTH}/change-password",
        json={"current_password": "Not-my-password-1", "new_password": "Changed-pass-99"},
        headers=user_a.headers,
    )
    assert wrong.status_code == 400
    response = await client.post(
        f"{AUTH}/change-password",
        json={"current_password": PASSWORD, "new_password": "Changed-pass-99"},
        headers=user_a.headers,
    )
    assert response.status_code == 200
    fresh = response.json()["data"]
    assert (await client.get("/api/v1/users/me", headers=bearer(fresh["access_token"]))).status_code == 200
    assert (
        await client.get("/api/v1/users/me", headers=bearer(other_session["access_token"]))
    ).status_code == 401
    refresh = await client.post(f"{AUTH}/refresh", json={"refresh_token": other_session["refresh_token"]})
    assert refresh.status_code == 401
    await login(client, user_a.email, "Changed-pass-99")
