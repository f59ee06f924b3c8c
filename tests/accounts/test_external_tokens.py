"""External identity tokens (Firebase-style RS256 ID tokens): SECURITY-CHECKLIST §2.10, 2.13, 2.15, 2.16.

Each test builds its own app with the external verifier enabled, so the JWKS cache starts cold.
The issuer's JWKS endpoint is served by respx; its call count tells how often Mosaic fetched it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm

from mosaic.providers.identity import ExternalTokenVerifier
from tests.accounts.conftest import new_account
from tests.conftest import AppFactory, unique_email

PROJECT = "mosaic-test-project"
ISSUER = f"https://securetoken.google.com/{PROJECT}"
JWKS_URL = "https://auth.example.com/.well-known/jwks.json"
MIN_REFRESH = 60
ME = "/api/v1/users/me"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @property
    def jwk(self) -> dict[str, Any]:
        entry: dict[str, Any] = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**entry, "kid": self.kid, "alg": "RS256", "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_key() -> SigningKey:
    return SigningKey(uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return new_key()


def claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a Firebase ID token for a fresh subject; `None` values drop the claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": PROJECT,
        "sub": uuid.uuid4().hex,
        "iat": now - 5,
        "exp": now + 3600,
        "auth_time": now - 5,
        "email": unique_email("firebase"),
        "email_verified": True,
        "name": "Fire Base",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def sign(
    key: SigningKey, payload: dict[str, Any], *, algorithm: str = "RS256", kid: str | None = None
) -> str:
    return jwt.encode(payload, key.private, algorithm=algorithm, headers={"kid": kid or key.kid})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Issuer:
    """The identity provider's JWKS endpoint; `keys` and `down` can change while a test runs."""

    def __init__(self, router: respx.MockRouter, *keys: SigningKey, max_age: int = 3600) -> None:
        self.keys = list(keys)
        self.max_age = max_age
        self.down: Exception | int | None = None
        self.route = router.get(JWKS_URL).mock(side_effect=self._serve)

    def _serve(self, request: httpx.Request) -> httpx.Response:
        if isinstance(self.down, Exception):
            raise self.down
        if isinstance(self.down, int):
            return httpx.Response(self.down, text="upstream error")
        return httpx.Response(
            200,
            json={"keys": [key.jwk for key in self.keys]},
            headers={"Cache-Control": f"public, max-age={self.max_age}, must-revalidate, no-transform"},
        )

    @property
    def fetches(self) -> int:
        return self.route.call_count


@pytest.fixture
def idp_router() -> Iterator[respx.MockRouter]:
    # Only the issuer's host is mocked: the in-process ASGI client never goes through httpcore.
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def external(app: FastAPI, make_client: AppFactory) -> tuple[FastAPI, httpx.AsyncClient]:
    # `app` has seeded the shared database (roles included), so this one need not seed again.
    return await make_client(
        EXTERNAL_JWKS_URL=JWKS_URL,
        EXTERNAL_ISSUER=ISSUER,
        EXTERNAL_AUDIENCE=PROJECT,
        EXTERNAL_JWKS_MIN_REFRESH_SECONDS=MIN_REFRESH,
        SEED_ON_STARTUP=False,
    )


def verifier(app: FastAPI) -> ExternalTokenVerifier:
    found: ExternalTokenVerifier = app.state.external_verifier
    return found


def let_time_pass(app: FastAPI, seconds: float) -> None:
    """Move the JWKS cache's clock readings back, as if `seconds` had passed since its last fetch."""
    cache = verifier(app).jwks
    cache._last_fetch -= seconds
    cache._expires_at -= seconds


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["data"] is None and body["error"]["code"] == "UNAUTHORIZED"


# -- the happy path -------------------------------------------------------------------------------
async def test_valid_token_creates_a_user_on_first_sight_and_maps_the_subject_to_it_again(
    external, idp_router, key
):
    _, client = external
    issuer = Issuer(idp_router, key)
    payload = claims()
    first = await client.get(ME, headers=bearer(sign(key, payload)))
    assert first.status_code == 200, first.text
    me = first.json()["data"]
    assert me["role"]["name"] == "user"
    assert me["email"] == payload["email"] and me["is_verified"] is True
    assert (me["first_name"], me["last_name"]) == ("Fire", "Base")
    assert "users:delete" not in me["permissions"]

    # A later token of the same subject (new iat/exp) is the same local user, not a second one.
    later = claims(sub=payload["sub"], email=payload["email"], iat=int(time.time()))
    second = await client.get(ME, headers=bearer(sign(key, later)))
    assert second.status_code == 200, second.text
    assert second.json()["data"]["id"] == me["id"]

    # Another subject is another user.
    other = await client.get(ME, headers=bearer(sign(key, claims())))
    assert other.status_code == 200 and other.json()["data"]["id"] != me["id"]
    assert issuer.fetches == 1  # keys are cached per Cache-Control: max-age


async def test_token_without_email_still_gets_a_usable_profile(external, idp_router, key):
    _, client = external
    Issuer(idp_router, key)
    payload = claims(email=None, email_verified=None)
    response = await client.get(ME, headers=bearer(sign(key, payload)))
    assert response.status_code == 200, response.text
    me = response.json()["data"]
    assert me["is_verified"] is False and me["role"]["name"] == "user"
    again = await client.get(ME, headers=bearer(sign(key, claims(sub=payload["sub"], email=None))))
    assert again.status_code == 200 and again.json()["data"]["id"] == me["id"]


async def test_local_tokens_keep_working_beside_external_ones(external, idp_router, key):
    _, client = external
    issuer = Issuer(idp_router, key)
    local = await new_account(client)
    response = await client.get(ME, headers=local.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["id"] == local.id
    assert issuer.fetches == 0  # an HS256 local token never touches the issuer

    ext = await client.get(ME, headers=bearer(sign(key, claims())))
    assert ext.status_code == 200 and ext.json()["data"]["id"] != local.id
    assert (await client.get(ME, headers=local.headers)).status_code == 200


# -- Firebase verification rules: 401 for each ----------------------------------------------------
REJECTED_CLAIMS: dict[str, Callable[[int], dict[str, Any]]] = {
    "wrong_audience": lambda now: {"aud": "another-project"},
    "wrong_issuer": lambda now: {"iss": "https://securetoken.google.com/another-project"},
    "issuer_of_another_provider": lambda now: {"iss": "https://accounts.google.com"},
    "expired": lambda now: {"exp": now - 3600, "iat": now - 7200, "auth_time": now - 7200},
    "expired_past_leeway": lambda now: {"exp": now - 40},
    "iat_in_the_future": lambda now: {"iat": now + 300},
    "auth_time_in_the_future": lambda now: {"auth_time": now + 300},
    "auth_time_not_a_number": lambda now: {"auth_time": "yesterday"},
    "empty_sub": lambda now: {"sub": ""},
    "blank_sub": lambda now: {"sub": "   "},
    "no_sub": lambda now: {"sub": None},
    "no_exp": lambda now: {"exp": None},
    "no_iat": lambda now: {"iat": None},
    "no_aud": lambda now: {"aud": None},
}


@pytest.mark.parametrize("rule", REJECTED_CLAIMS)
async def test_token_failing_a_claim_rule_returns_401(external, idp_router, key, rule):
    _, client = external
    Issuer(idp_router, key)
    payload = claims(**REJECTED_CLAIMS[rule](int(time.time())))
    assert_unauthorized(await client.get(ME, headers=bearer(sign(key, payload))))
    # The control: the same key and a correct token on the same app are accepted.
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200


async def test_token_just_inside_the_leeway_is_accepted(external, idp_router, key):
    _, client = external
    Issuer(idp_router, key)
    now = int(time.time())
    payload = claims(exp=now - 10, iat=now + 10, auth_time=now + 10)
    assert (await client.get(ME, headers=bearer(sign(key, payload)))).status_code == 200


def forged_tokens(key: SigningKey) -> dict[str, str]:
    payload = claims()
    valid = sign(key, payload)
    header, body, signature = valid.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    other_payload = b64(json.dumps({**payload, "sub": "admin"}).encode())
    none_header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key.kid}).encode())
    return {
        "unknown_kid": sign(key, payload, kid="not-a-published-kid"),
        "path_kid": sign(key, payload, kid="../../dev/null"),
        "sql_kid": sign(key, payload, kid="' OR 1=1--"),
        "signed_by_another_key_with_our_kid": sign(new_key(), payload, kid=key.kid),
        "rs512": sign(key, payload, algorithm="RS512"),
        "hs256_with_public_pem_as_secret": hs256_with_secret(key.public_pem, payload, key.kid),
        "alg_none": f"{none_header}.{body}.",
        "flipped_signature_bit": f"{header}.{body}.{flipped}",
        "edited_payload": f"{header}.{other_payload}.{signature}",
        "embedded_jwk": jwt.encode(
            payload,
            (attacker := new_key()).private,
            algorithm="RS256",
            headers={"kid": "x", "jwk": attacker.jwk},
        ),
        "jku": jwt.encode(
            payload,
            new_key().private,
            algorithm="RS256",
            headers={"kid": "y", "jku": "https://evil.tld/jwks"},
        ),
    }


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_secret(secret: bytes, payload: dict[str, Any], kid: str) -> str:
    """PyJWT refuses PEM keys as HMAC secrets, so build the confusion token by hand."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    signing_input = f"{header}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


FORGERIES = [
    "unknown_kid",
    "path_kid",
    "sql_kid",
    "signed_by_another_key_with_our_kid",
    "rs512",
    "hs256_with_public_pem_as_secret",
    "alg_none",
    "flipped_signature_bit",
    "edited_payload",
    "embedded_jwk",
    "jku",
]


@pytest.mark.parametrize("name", FORGERIES)
async def test_forged_or_confused_token_returns_401(external, idp_router, key, name):
    _, client = external
    issuer = Issuer(idp_router, key)
    token = forged_tokens(key)[name]
    assert_unauthorized(await client.get(ME, headers=bearer(token)))
    assert not any(call.request.url.host == "evil.tld" for call in idp_router.calls)
    assert issuer.fetches <= 1


# -- JWKS fetching: refresh floor, rotation, outage ----------------------------------------------
async def test_unknown_kids_trigger_at_most_one_fetch_per_refresh_interval(external, idp_router, key):
    ext_app, client = external
    issuer = Issuer(idp_router, key)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    assert issuer.fetches == 1

    # A flood of forged kids, sequential and concurrent, inside the floor: no refetch at all.
    for n in range(5):
        assert_unauthorized(await client.get(ME, headers=bearer(sign(key, claims(), kid=f"forged-{n}"))))
    flood = await asyncio.gather(
        *(client.get(ME, headers=bearer(sign(key, claims(), kid=f"burst-{n}"))) for n in range(10))
    )
    assert [r.status_code for r in flood] == [401] * 10
    assert issuer.fetches == 1

    # After the floor one unknown kid may refetch once; the burst that follows may not.
    let_time_pass(ext_app, MIN_REFRESH + 1)
    flood = await asyncio.gather(
        *(client.get(ME, headers=bearer(sign(key, claims(), kid=f"late-{n}"))) for n in range(10))
    )
    assert [r.status_code for r in flood] == [401] * 10
    assert issuer.fetches == 2


async def test_rotated_key_is_picked_up_by_an_unknown_kid_refetch(external, idp_router, key):
    ext_app, client = external
    issuer = Issuer(idp_router, key)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    rotated = new_key()
    issuer.keys = [key, rotated]
    let_time_pass(ext_app, MIN_REFRESH + 1)  # the cache itself is still fresh (max-age 3600)
    assert (await client.get(ME, headers=bearer(sign(rotated, claims())))).status_code == 200
    assert issuer.fetches == 2
    # The old key is still published and still cached.
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    assert issuer.fetches == 2


async def test_keys_are_refetched_when_max_age_expires(external, idp_router, key):
    ext_app, client = external
    issuer = Issuer(idp_router, key, max_age=120)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    let_time_pass(ext_app, 60)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    assert issuer.fetches == 1
    let_time_pass(ext_app, 61)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    assert issuer.fetches == 2

    # A key the issuer stopped publishing dies with the next refresh.
    retired, issuer.keys = key, [new_key()]
    let_time_pass(ext_app, 121)
    assert_unauthorized(await client.get(ME, headers=bearer(sign(retired, claims()))))
    assert issuer.fetches == 3


OUTAGES: dict[str, Exception | int] = {
    "timeout": httpx.ConnectTimeout("timed out"),
    "refused": httpx.ConnectError("connection refused"),
    "http_503": 503,
    "http_404": 404,
}


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
async def test_warm_cache_keeps_verifying_while_the_issuer_is_down(external, idp_router, key, outage):
    ext_app, client = external
    issuer = Issuer(idp_router, key)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    issuer.down = outage
    let_time_pass(ext_app, 3601)  # stale: the next request tries to refresh and fails
    response = await client.get(ME, headers=bearer(sign(key, claims())))
    assert response.status_code == 200, response.text
    assert issuer.fetches == 2
    # Forgeries are still refused during the outage.
    assert_unauthorized(await client.get(ME, headers=bearer(sign(new_key(), claims(), kid=key.kid))))


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
async def test_cold_start_with_the_issuer_down_returns_503_never_500_nor_acceptance(
    external, idp_router, key, outage
):
    ext_app, client = external
    issuer = Issuer(idp_router, key)
    issuer.down = outage
    # The first request fetches and fails; the next ones fall inside the refresh floor.
    for _ in range(3):
        response = await client.get(ME, headers=bearer(sign(key, claims())))
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["data"] is None and body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert issuer.fetches == 1

    # The issuer comes back: after the floor the next request fetches and is verified.
    issuer.down = None
    let_time_pass(ext_app, MIN_REFRESH + 1)
    assert (await client.get(ME, headers=bearer(sign(key, claims())))).status_code == 200
    assert issuer.fetches == 2


@pytest.mark.parametrize("body", ["<html>captive portal</html>", "[]", '{"keys": "nope"}', '{"keys": [1]}'])
async def test_cold_start_with_a_garbage_jwks_document_returns_503(external, idp_router, key, body):
    _, client = external
    route = idp_router.get(JWKS_URL).mock(return_value=httpx.Response(200, text=body))
    response = await client.get(ME, headers=bearer(sign(key, claims())))
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert route.call_count == 1
