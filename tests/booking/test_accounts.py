"""Accounts for the marketplace: account types at registration, the owner welcome, /auth/me."""

from __future__ import annotations

import httpx

from tests.accounts.conftest import Account, new_account, outbox_messages, register
from tests.booking.conftest import new_owner
from tests.conftest import unique_email


async def test_a_studio_owner_gets_the_role_and_the_owner_welcome(client: httpx.AsyncClient, settings):
    owner = await new_owner(client, locale="es")
    me = (await client.get("/api/v1/auth/me", headers=owner.headers)).json()["data"]
    assert me["role"]["name"] == "studio_owner"
    assert "companies:create" in me["permissions"]
    welcome = outbox_messages(settings, owner.email, "welcome-owner")
    assert len(welcome) == 1 and "estudio" in welcome[0]["Subject"]
    # `welcome-*` also matches `welcome-owner-*`: one welcome in all, the owner's.
    assert len(outbox_messages(settings, owner.email, "welcome")) == 1


async def test_the_default_account_type_is_customer(client: httpx.AsyncClient, settings):
    customer = await new_account(client)
    me = (await client.get("/api/v1/auth/me", headers=customer.headers)).json()["data"]
    assert me["role"]["name"] == "user" and "companies:create" not in me["permissions"]
    assert len(outbox_messages(settings, customer.email, "welcome")) == 1
    assert outbox_messages(settings, customer.email, "welcome-owner") == []


async def test_only_the_two_self_chosen_account_types_are_accepted(client: httpx.AsyncClient):
    for value in ("admin", "superadmin", "STUDIO_OWNER", ""):
        response = await register(client, email=unique_email(), account_type=value)
        assert response.status_code == 422, value
        assert response.json()["error"]["details"][0]["field"] == "account_type"


async def test_auth_me_is_the_same_answer_as_users_me(client: httpx.AsyncClient, user_a: Account):
    alias = await client.get("/api/v1/auth/me", headers=user_a.headers)
    canonical = await client.get("/api/v1/users/me", headers=user_a.headers)
    assert alias.status_code == 200 and alias.json() == canonical.json()
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_without_booking_a_studio_owner_registration_is_refused(make_client):
    _, trading_only = await make_client(MOSAIC_DOMAINS=["trading"])
    refused = await register(trading_only, email=unique_email(), account_type="studio_owner")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "ACCOUNT_TYPE_UNAVAILABLE"
    assert refused.json()["error"]["details"][0]["field"] == "account_type"
    assert (await register(trading_only, email=unique_email())).status_code == 201
