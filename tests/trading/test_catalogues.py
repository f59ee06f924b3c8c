"""Wallet, agent and prompt catalogues: any user reads active entries, only admins write."""

from __future__ import annotations

import uuid

import pytest

from tests.accounts.conftest import Account
from tests.trading.conftest import API, create_agent, create_template, create_wallet, unique_name


async def test_admin_creates_a_wallet_and_a_user_reads_it(client, admin: Account, user_a: Account):
    wallet = await create_wallet(client, admin, config={"base_url": "https://api.example.com"})
    assert wallet["supported_currencies"] == ["BTC", "USDT"] and wallet["is_active"] is True
    response = await client.get(f"{API}/wallets/{wallet['id']}", headers=user_a.headers)
    assert response.status_code == 200
    assert response.json()["data"]["name"] == wallet["name"]


async def test_catalogue_reads_need_a_token(client):
    assert (await client.get(f"{API}/wallets")).status_code == 401
    assert (await client.get(f"{API}/agents")).status_code == 401
    assert (await client.get(f"{API}/prompts")).status_code == 401


@pytest.mark.parametrize("resource", ["wallets", "agents"])
async def test_users_see_active_entries_only_and_admins_see_all(
    client, admin: Account, user_a: Account, resource
):
    make = create_wallet if resource == "wallets" else create_agent
    token = uuid.uuid4().hex[:8]
    active = await make(client, admin, name=f"Active {token}")
    inactive = await make(client, admin, name=f"Inactive {token}", is_active=False)

    listed = (await client.get(f"{API}/{resource}", params={"name": token}, headers=user_a.headers)).json()
    assert [item["id"] for item in listed["data"]["items"]] == [active["id"]]
    # a user cannot widen the view with the admin filters
    widened = await client.get(
        f"{API}/{resource}", params={"name": token, "is_active": "false"}, headers=user_a.headers
    )
    assert [item["id"] for item in widened.json()["data"]["items"]] == [active["id"]]
    assert (await client.get(f"{API}/{resource}/{inactive['id']}", headers=user_a.headers)).status_code == 404

    admin_view = await client.get(
        f"{API}/{resource}", params={"name": token, "is_active": "false"}, headers=admin.headers
    )
    assert [item["id"] for item in admin_view.json()["data"]["items"]] == [inactive["id"]]
    assert (await client.get(f"{API}/{resource}/{inactive['id']}", headers=admin.headers)).status_code == 200


@pytest.mark.parametrize("resource", ["wallets", "agents"])
async def test_users_get_403_on_catalogue_writes_and_admins_succeed(
    client, admin: Account, user_a: Account, resource
):
    make = create_wallet if resource == "wallets" else create_agent
    entry = await make(client, admin)
    body = (
        {"name": unique_name("X"), "type": "DEX", "provider": "uniswap"}
        if resource == "wallets"
        else {"name": unique_name("X"), "provider": "openai", "model_id": "gpt-4o"}
    )
    assert (await client.post(f"{API}/{resource}", json=body, headers=user_a.headers)).status_code == 403
    url = f"{API}/{resource}/{entry['id']}"
    assert (await client.put(url, json={"is_active": False}, headers=user_a.headers)).status_code == 403
    assert (await client.delete(url, headers=user_a.headers)).status_code == 403
    assert (await client.get(url, headers=user_a.headers)).json()["data"]["is_active"] is True

    assert (await client.post(f"{API}/{resource}", json=body, headers=admin.headers)).status_code == 201
    updated = await client.put(url, json={"is_active": False}, headers=admin.headers)
    assert updated.status_code == 200 and updated.json()["data"]["is_active"] is False
    assert (await client.delete(url, headers=admin.headers)).status_code == 200
    assert (await client.get(url, headers=admin.headers)).status_code == 404


async def test_deleted_wallet_is_hidden_listed_for_admins_on_request_and_its_name_is_free(
    client, admin: Account
):
    wallet = await create_wallet(client, admin)
    assert (await client.delete(f"{API}/wallets/{wallet['id']}", headers=admin.headers)).status_code == 200
    name = wallet["name"]
    default = await client.get(f"{API}/wallets", params={"name": name}, headers=admin.headers)
    assert default.json()["data"]["total"] == 0
    deleted = await client.get(
        f"{API}/wallets", params={"name": name, "include_deleted": "true"}, headers=admin.headers
    )
    assert [w["is_deleted"] for w in deleted.json()["data"]["items"]] == [True]
    again = await create_wallet(client, admin, name=name)
    assert again["id"] != wallet["id"]


async def test_duplicate_live_names_conflict(client, admin: Account):
    wallet = await create_wallet(client, admin)
    body = {"name": wallet["name"], "type": "CEX", "provider": "binance"}
    response = await client.post(f"{API}/wallets", json=body, headers=admin.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "CONFLICT"
    other = await create_wallet(client, admin)
    renamed = await client.put(
        f"{API}/wallets/{other['id']}", json={"name": wallet["name"]}, headers=admin.headers
    )
    assert renamed.status_code == 409


@pytest.mark.parametrize(
    "extra",
    [
        {"id": str(uuid.uuid4())},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"is_deleted": True},
        {"type": "Bank"},
        {"provider": "Has Spaces"},
        {"supported_currencies": ["not a currency!"]},
        {"config": {"blob": "x" * 17000}},
    ],
)
async def test_invalid_or_server_owned_wallet_fields_are_422(client, admin: Account, extra):
    body = {"name": unique_name("W"), "type": "CEX", "provider": "binance", **extra}
    response = await client.post(f"{API}/wallets", json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    listed = await client.get(f"{API}/wallets", params={"name": body["name"]}, headers=admin.headers)
    assert listed.json()["data"]["total"] == 0


async def test_agent_cost_is_an_exact_decimal_string_and_sorts_numerically(
    client, admin: Account, user_a: Account
):
    token = uuid.uuid4().hex[:8]
    for cost in ("10", "9.5", "100.00000001"):
        await create_agent(client, admin, name=f"Cost {cost} {token}", cost_per_call=cost)
    response = await client.get(
        f"{API}/agents", params={"name": token, "sort": "cost_per_call"}, headers=user_a.headers
    )
    costs = [a["cost_per_call"] for a in response.json()["data"]["items"]]
    assert costs == ["9.50000000", "10.00000000", "100.00000001"]
    descending = await client.get(
        f"{API}/agents", params={"name": token, "sort": "-cost_per_call"}, headers=user_a.headers
    )
    assert [a["cost_per_call"] for a in descending.json()["data"]["items"]] == costs[::-1]


@pytest.mark.parametrize(
    "extra",
    [
        {"provider": "skynet"},
        {"cost_per_call": "-1"},
        {"cost_per_call": "0.000000001"},
        {"cost_per_call": "NaN"},
        {"model_id": ""},
        {"capabilities": ["no spaces allowed"]},
    ],
)
async def test_invalid_agents_are_422(client, admin: Account, extra):
    body = {"name": unique_name("A"), "provider": "offline", "model_id": "m", **extra}
    assert (await client.post(f"{API}/agents", json=body, headers=admin.headers)).status_code == 422


async def test_unknown_sort_field_is_422(client, user_a: Account):
    response = await client.get(f"{API}/wallets", params={"sort": "config"}, headers=user_a.headers)
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "sort"


# -- prompts ------------------------------------------------------------------------------------


async def test_public_templates_are_visible_to_everyone(client, admin: Account, user_a: Account):
    template = await create_template(client, admin)
    assert template["is_public"] is True and template["created_by"] == admin.id
    response = await client.get(f"{API}/prompts/{template['id']}", headers=user_a.headers)
    assert response.status_code == 200
    listed = await client.get(f"{API}/prompts", params={"q": template["title"]}, headers=user_a.headers)
    assert [p["id"] for p in listed.json()["data"]["items"]] == [template["id"]]


async def test_a_private_prompt_is_visible_only_to_its_owner(
    client, admin: Account, user_a: Account, user_b: Account
):
    body = {"title": unique_name("Mine"), "prompt": "My secret edge.", "category": "trading"}
    created = await client.post(f"{API}/prompts/mine", json=body, headers=user_a.headers)
    assert created.status_code == 201, created.text
    prompt = created.json()["data"]
    assert prompt["is_public"] is False and prompt["created_by"] == user_a.id

    url = f"{API}/prompts/{prompt['id']}"
    assert (await client.get(url, headers=user_a.headers)).status_code == 200
    missing = await client.get(f"{API}/prompts/{uuid.uuid4()}", headers=user_b.headers)
    for other in (user_b, admin):
        foreign = await client.get(url, headers=other.headers)
        assert foreign.status_code == 404 and foreign.json() == missing.json()
        listed = await client.get(f"{API}/prompts", params={"q": body["title"]}, headers=other.headers)
        assert listed.json()["data"]["total"] == 0
    mine = await client.get(f"{API}/prompts", params={"mine": "true"}, headers=user_a.headers)
    assert [p["id"] for p in mine.json()["data"]["items"]] == [prompt["id"]]


async def test_owner_edits_and_deletes_their_private_prompt_and_nobody_else_can(
    client, user_a: Account, user_b: Account, admin: Account
):
    body = {"title": unique_name("Mine"), "prompt": "v1"}
    prompt = (await client.post(f"{API}/prompts/mine", json=body, headers=user_a.headers)).json()["data"]
    url = f"{API}/prompts/mine/{prompt['id']}"
    assert (await client.put(url, json={"prompt": "hacked"}, headers=user_b.headers)).status_code == 404
    assert (await client.delete(url, headers=user_b.headers)).status_code == 404
    # the catalogue route does not reach another user's private prompt, even for an admin
    admin_edit = await client.put(
        f"{API}/prompts/{prompt['id']}", json={"prompt": "x"}, headers=admin.headers
    )
    assert admin_edit.status_code == 404

    updated = await client.put(url, json={"prompt": "v2"}, headers=user_a.headers)
    assert updated.status_code == 200 and updated.json()["data"]["prompt"] == "v2"
    assert (await client.delete(url, headers=user_a.headers)).status_code == 200
    assert (await client.get(f"{API}/prompts/{prompt['id']}", headers=user_a.headers)).status_code == 404


async def test_users_cannot_write_templates(client, admin: Account, user_a: Account):
    template = await create_template(client, admin)
    body = {"title": "T", "prompt": "p"}
    assert (await client.post(f"{API}/prompts", json=body, headers=user_a.headers)).status_code == 403
    url = f"{API}/prompts/{template['id']}"
    assert (await client.put(url, json={"prompt": "x"}, headers=user_a.headers)).status_code == 403
    assert (await client.delete(url, headers=user_a.headers)).status_code == 403
    # nor reach a template through the private-prompt routes
    mine = f"{API}/prompts/mine/{template['id']}"
    assert (await client.put(mine, json={"prompt": "x"}, headers=user_a.headers)).status_code == 404
    assert (await client.get(url, headers=user_a.headers)).json()["data"]["prompt"] == template["prompt"]


async def test_admin_updates_and_deletes_templates(client, admin: Account, user_a: Account):
    template = await create_template(client, admin)
    url = f"{API}/prompts/{template['id']}"
    updated = await client.put(url, json={"is_public": False}, headers=admin.headers)
    assert updated.status_code == 200 and updated.json()["data"]["is_public"] is False
    assert (await client.get(url, headers=user_a.headers)).status_code == 404  # a draft now
    assert (await client.delete(url, headers=admin.headers)).status_code == 200
    assert (await client.get(url, headers=admin.headers)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"title": "T", "prompt": "p", "is_public": True},
        {"title": "T", "prompt": "p", "created_by": str(uuid.uuid4())},
        {"title": "T", "prompt": "x" * 20_001},
        {"title": "", "prompt": "p"},
        {"title": "T", "prompt": "p", "category": "Not Valid"},
    ],
)
async def test_private_prompt_rejects_invalid_and_server_owned_fields(client, user_a: Account, body):
    response = await client.post(f"{API}/prompts/mine", json=body, headers=user_a.headers)
    assert response.status_code == 422, response.text


async def test_a_prompt_of_exactly_20000_characters_is_accepted(client, user_a: Account):
    body = {"title": "Long", "prompt": "x" * 20_000}
    assert (await client.post(f"{API}/prompts/mine", json=body, headers=user_a.headers)).status_code == 201
