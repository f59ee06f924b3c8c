"""Connected wallets: ownership, masking, encryption at rest, context binding, rotation, plan limit."""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from mosaic.core.config import DEV_WALLET_ENCRYPTION_KEY
from mosaic.core.secretbox import SecretBox, SecretDecryptError, key_id
from mosaic.trading.user_wallets.models import UserWallet
from mosaic.trading.user_wallets.service import (
    CredentialsUnreadable,
    mask,
    reveal_credentials,
    rotate_credentials,
)
from tests.accounts.conftest import Account
from tests.conftest import make_settings
from tests.trading.conftest import API, create_wallet

URL = f"{API}/user-wallets"
SENTINEL = "SENTINEL-7f3a-do-not-leak"
NEW_KEY = "hVfFIMpjAJWXlJcGK5RKrvySe4_wZQ8SMFFQQwz0yYU="


async def connect(client, account: Account, wallet_id: str, **credentials: str) -> dict[str, Any]:
    body = {"wallet_id": wallet_id, "credentials": credentials or {"api_key": "key-0000-abcd"}}
    response = await client.post(URL, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def stored_row(app, row_id: str) -> UserWallet:
    async with app.state.database.transaction() as session:
        row = await session.get(UserWallet, uuid.UUID(row_id))
        assert row is not None
        return row


async def test_connecting_a_wallet_returns_masked_credentials_only(client, user_a: Account, wallet):
    created = await connect(client, user_a, wallet["id"], api_key="AKIA-EXAMPLE-1234", api_secret="short")
    assert created["masked_credentials"] == {"api_key": "****1234", "api_secret": "****"}
    assert created["credentials_readable"] is True
    assert created["balance"] == "0.00000000" and created["is_active"] is True
    assert created["wallet"]["id"] == wallet["id"] and "credentials" not in created
    fetched = await client.get(f"{URL}/{created['id']}", headers=user_a.headers)
    assert fetched.json()["data"]["masked_credentials"] == created["masked_credentials"]


async def test_the_secret_is_ciphertext_at_rest_and_never_in_a_response_or_log(
    client, app, user_a: Account, wallet, caplog
):
    caplog.set_level(logging.DEBUG)
    response = await client.post(
        URL, json={"wallet_id": wallet["id"], "credentials": {"api_secret": SENTINEL}}, headers=user_a.headers
    )
    assert response.status_code == 201
    row_id = response.json()["data"]["id"]
    texts = [response.text]
    texts.append((await client.get(f"{URL}/{row_id}", headers=user_a.headers)).text)
    texts.append((await client.get(URL, headers=user_a.headers)).text)
    texts.append(
        (
            await client.put(
                f"{URL}/{row_id}",
                json={"credentials": {"api_secret": SENTINEL + "2"}},
                headers=user_a.headers,
            )
        ).text
    )
    # a rejected request must not echo it either
    texts.append(
        (
            await client.post(
                URL,
                json={"wallet_id": "nope", "credentials": {"api_secret": SENTINEL}},
                headers=user_a.headers,
            )
        ).text
    )
    for text in texts:
        assert SENTINEL not in text
    for record in caplog.records:
        assert SENTINEL not in record.getMessage() and SENTINEL not in str(record.args)

    row = await stored_row(app, row_id)
    token = row.credentials_encrypted or ""
    assert token.startswith("v1.") and row.credentials_key_id == token.split(".")[1]
    assert SENTINEL not in token
    assert base64.b64encode(SENTINEL.encode()).decode()[:16] not in token
    assert base64.urlsafe_b64encode(SENTINEL.encode()).decode()[:16] not in token


async def test_another_users_wallet_answers_404_like_a_random_id(
    client, app, user_a: Account, user_b: Account, wallet
):
    owned = await connect(client, user_a, wallet["id"])
    url = f"{URL}/{owned['id']}"
    missing = await client.get(f"{URL}/{uuid.uuid4()}", headers=user_b.headers)
    assert missing.status_code == 404
    for response in (
        await client.get(url, headers=user_b.headers),
        await client.put(url, json={"is_active": False}, headers=user_b.headers),
        await client.delete(url, headers=user_b.headers),
    ):
        assert response.status_code == 404 and response.json() == missing.json()
    listed = await client.get(URL, params={"user_id": user_a.id}, headers=user_b.headers)
    assert listed.json()["data"]["total"] == 0 and listed.json()["data"]["items"] == []
    still = (await client.get(url, headers=user_a.headers)).json()["data"]
    assert still["is_active"] is True and still["credentials_readable"] is True


@pytest.mark.parametrize(
    "extra",
    [
        {"balance": 1e9},
        {"user_id": str(uuid.uuid4())},
        {"id": str(uuid.uuid4())},
        {"credentials_encrypted": "v1.x.y"},
        {"created_at": "2020-01-01T00:00:00Z"},
    ],
)
async def test_server_owned_fields_are_rejected_on_create_and_update(
    client, user_a: Account, user_b: Account, wallet, extra
):
    body = {"wallet_id": wallet["id"], "credentials": {"api_key": "k"}, **extra}
    assert (await client.post(URL, json=body, headers=user_b.headers)).status_code == 422
    assert (await client.get(URL, headers=user_b.headers)).json()["data"]["total"] == 0
    owned = await connect(client, user_a, wallet["id"])
    response = await client.put(f"{URL}/{owned['id']}", json=extra, headers=user_a.headers)
    assert response.status_code == 422
    after = (await client.get(f"{URL}/{owned['id']}", headers=user_a.headers)).json()["data"]
    assert after["balance"] == "0.00000000" and after["id"] == owned["id"]


@pytest.mark.parametrize(
    "credentials",
    [{}, {"Bad Name": "x"}, {"api_key": ""}, {"api_key": "x" * 4097}, {f"k{i}": "v" for i in range(21)}],
)
async def test_invalid_credentials_are_422(client, user_a: Account, wallet, credentials):
    body = {"wallet_id": wallet["id"], "credentials": credentials}
    assert (await client.post(URL, json=body, headers=user_a.headers)).status_code == 422


async def test_connecting_an_unknown_inactive_or_deleted_wallet_is_404(
    client, admin: Account, user_a: Account
):
    inactive = await create_wallet(client, admin, is_active=False)
    deleted = await create_wallet(client, admin)
    await client.delete(f"{API}/wallets/{deleted['id']}", headers=admin.headers)
    for wallet_id in (str(uuid.uuid4()), inactive["id"], deleted["id"]):
        body = {"wallet_id": wallet_id, "credentials": {"api_key": "k"}}
        response = await client.post(URL, json=body, headers=user_a.headers)
        assert response.status_code == 404, response.text


async def test_updating_replaces_credentials_and_toggles_activity(client, user_a: Account, wallet):
    owned = await connect(client, user_a, wallet["id"], api_key="first-key-0000-1111")
    response = await client.put(
        f"{URL}/{owned['id']}",
        json={"credentials": {"address": "0xabcdef0123456789"}, "is_active": False},
        headers=user_a.headers,
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["masked_credentials"] == {"address": "****6789"} and data["is_active"] is False
    filtered = await client.get(URL, params={"is_active": "false"}, headers=user_a.headers)
    assert [w["id"] for w in filtered.json()["data"]["items"]] == [owned["id"]]


async def test_disconnecting_hides_the_row_and_wipes_its_credentials(client, app, user_a: Account, wallet):
    owned = await connect(client, user_a, wallet["id"])
    assert (await client.delete(f"{URL}/{owned['id']}", headers=user_a.headers)).status_code == 200
    assert (await client.get(f"{URL}/{owned['id']}", headers=user_a.headers)).status_code == 404
    assert (await client.get(URL, headers=user_a.headers)).json()["data"]["total"] == 0
    row = await stored_row(app, owned["id"])
    assert row.is_deleted and row.credentials_encrypted is None


async def test_the_free_plan_allows_one_wallet_and_deleting_frees_the_slot(
    client, admin: Account, user_a: Account, wallet
):
    other = await create_wallet(client, admin)
    first = await connect(client, user_a, wallet["id"])
    response = await client.post(
        URL, json={"wallet_id": other["id"], "credentials": {"api_key": "k"}}, headers=user_a.headers
    )
    assert response.status_code == 402, response.text
    error = response.json()["error"]
    assert error["code"] == "PLAN_LIMIT_REACHED" and error["details"]["resource"] == "wallets"
    assert (await client.get(URL, headers=user_a.headers)).json()["data"]["total"] == 1
    await client.delete(f"{URL}/{first['id']}", headers=user_a.headers)
    await connect(client, user_a, other["id"])


async def test_ciphertext_copied_to_another_users_row_does_not_decrypt(
    client, app, settings, user_a: Account, user_b: Account, wallet
):
    owned_a = await connect(client, user_a, wallet["id"], api_secret=SENTINEL)
    owned_b = await connect(client, user_b, wallet["id"], api_secret="b-secret-0000-zzzz")
    stolen = (await stored_row(app, owned_a["id"])).credentials_encrypted
    async with app.state.database.transaction() as session:
        await session.execute(
            update(UserWallet)
            .where(UserWallet.id == uuid.UUID(owned_b["id"]))
            .values(credentials_encrypted=stolen)
        )

    response = await client.get(f"{URL}/{owned_b['id']}", headers=user_b.headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["credentials_readable"] is False and data["masked_credentials"] is None
    assert SENTINEL[-4:] not in response.text

    cipher = SecretBox.from_settings(settings)
    async with app.state.database.transaction() as session:
        with pytest.raises(CredentialsUnreadable):
            await reveal_credentials(session, cipher, uuid.UUID(user_b.id), uuid.UUID(owned_b["id"]))
        own = await reveal_credentials(session, cipher, uuid.UUID(user_a.id), uuid.UUID(owned_a["id"]))
    assert own == {"api_secret": SENTINEL}
    async with app.state.database.transaction() as session:  # tidy: later rotations see no broken row
        await session.execute(
            update(UserWallet)
            .where(UserWallet.id == uuid.UUID(owned_b["id"]))
            .values(credentials_encrypted=None, credentials_key_id=None)
        )


async def test_rotation_reseals_rows_under_the_new_key_and_is_idempotent(
    client, app, user_a: Account, wallet
):
    owned = await connect(client, user_a, wallet["id"], api_key="rotate-me-0000-9999")
    rotating = make_settings(WALLET_ENCRYPTION_KEYS=f"{NEW_KEY},{DEV_WALLET_ENCRYPTION_KEY}")
    async with app.state.database.transaction() as session:
        report = await rotate_credentials(session, rotating)
    assert report.rotated >= 1 and report.unreadable == []
    row = await stored_row(app, owned["id"])
    assert row.credentials_key_id == key_id(base64.urlsafe_b64decode(NEW_KEY))

    new_only = SecretBox([base64.urlsafe_b64decode(NEW_KEY)])
    old_only = SecretBox([base64.urlsafe_b64decode(DEV_WALLET_ENCRYPTION_KEY)])
    async with app.state.database.transaction() as session:
        assert await reveal_credentials(session, new_only, uuid.UUID(user_a.id), row.id) == {
            "api_key": "rotate-me-0000-9999"
        }
        with pytest.raises(CredentialsUnreadable):
            await reveal_credentials(session, old_only, uuid.UUID(user_a.id), row.id)
        again = await rotate_credentials(session, rotating)
    assert again.rotated == 0
    # back under the default key, so the rest of the suite reads its rows as before
    async with app.state.database.transaction() as session:
        back = make_settings(WALLET_ENCRYPTION_KEYS=f"{DEV_WALLET_ENCRYPTION_KEY},{NEW_KEY}")
        assert (await rotate_credentials(session, back)).rotated >= 1


async def test_rotate_keys_command_rotates_and_reports(
    client, app, settings, user_a: Account, wallet, monkeypatch
):
    from mosaic import cli
    from mosaic.core import config
    from mosaic.core import logging as mosaic_logging

    owned = await connect(client, user_a, wallet["id"], api_key="cli-rotation-0000-7777")
    monkeypatch.setenv("DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("WALLET_ENCRYPTION_KEYS", f"{NEW_KEY},{DEV_WALLET_ENCRYPTION_KEY}")
    monkeypatch.setattr(mosaic_logging, "configure_logging", lambda _settings: None)
    config.get_settings.cache_clear()
    try:
        # in a thread: the command runs its own event loop
        result = await asyncio.to_thread(CliRunner().invoke, cli.app, ["rotate-keys"])
    finally:
        config.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "rotated" in result.output and "cli-rotation" not in result.output
    row = await stored_row(app, owned["id"])
    assert row.credentials_key_id == key_id(base64.urlsafe_b64decode(NEW_KEY))
    async with app.state.database.transaction() as session:
        back = make_settings(WALLET_ENCRYPTION_KEYS=f"{DEV_WALLET_ENCRYPTION_KEY},{NEW_KEY}")
        await rotate_credentials(session, back)


async def test_rotation_reports_rows_no_key_can_open(client, app, user_a: Account, wallet):
    owned = await connect(client, user_a, wallet["id"])
    async with app.state.database.transaction() as session:
        await session.execute(
            update(UserWallet)
            .where(UserWallet.id == uuid.UUID(owned["id"]))
            .values(credentials_encrypted="v1.unknownkid.AAAA", credentials_key_id="unknownkid")
        )
    async with app.state.database.transaction() as session:
        report = await rotate_credentials(session, make_settings())
        assert uuid.UUID(owned["id"]) in report.unreadable
        left = (
            await session.execute(
                select(UserWallet.credentials_encrypted).where(UserWallet.id == uuid.UUID(owned["id"]))
            )
        ).scalar_one()
    assert left == "v1.unknownkid.AAAA"
    async with app.state.database.transaction() as session:  # tidy: wipe the broken row
        await session.execute(
            update(UserWallet)
            .where(UserWallet.id == uuid.UUID(owned["id"]))
            .values(credentials_encrypted=None, credentials_key_id=None)
        )


# -- the cipher itself ------------------------------------------------------------------------


def test_cipher_round_trips_and_binds_the_associated_data():
    cipher = SecretBox([base64.urlsafe_b64decode(NEW_KEY)])
    token = cipher.encrypt(b"secret", b"user-1|wallet-1|row-1")
    assert cipher.decrypt(token, b"user-1|wallet-1|row-1") == b"secret"
    for aad in (b"user-2|wallet-1|row-1", b""):
        with pytest.raises(SecretDecryptError):
            cipher.decrypt(token, aad)
    version, kid, body = token.split(".")
    tampered_body = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    for broken in (f"{version}.{kid}.{tampered_body}", f"v9.{kid}.{body}", "garbage", f"v1.{kid}.!!"):
        with pytest.raises(SecretDecryptError):
            cipher.decrypt(broken, b"user-1|wallet-1|row-1")


def test_nonces_are_unique_across_ten_thousand_encryptions():
    cipher = SecretBox([base64.urlsafe_b64decode(NEW_KEY)])
    nonces = {base64.urlsafe_b64decode(cipher.encrypt(b"x", b"a").split(".")[2])[:12] for _ in range(10_000)}
    assert len(nonces) == 10_000


def test_short_values_are_fully_masked():
    assert mask("abc") == "****" and mask("x" * 11) == "****" and mask("abcdefgh1234") == "****1234"


def test_malformed_keys_stop_start_up_without_echoing_them():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        make_settings(WALLET_ENCRYPTION_KEYS="not-a-key-SENTINELKEY")
    assert "SENTINELKEY" not in str(caught.value)
