"""The trading domain's registration: permissions, default roles, seed data."""

from __future__ import annotations

from tests.accounts.conftest import Account
from tests.trading.conftest import API

SEED_003 = {
    "agents:read",
    "agents:write",
    "agents:execute",
    "trades:read",
    "trades:write",
    "flows:read",
    "flows:write",
    "flows:execute",
    "wallets:read",
    "wallets:write",
}


async def test_trading_permissions_are_seeded_and_granted_to_admins_only(client, superadmin: Account):
    roles = {
        r["name"]: {p["name"] for p in r["permissions"]}
        # Every role on one page: other tests add roles to the shared database.
        for r in (
            await client.get(f"{API}/roles", params={"limit": 1000}, headers=superadmin.headers)
        ).json()["data"]["items"]
    }
    expected = SEED_003 | {
        "wallets:delete",
        "agents:delete",
        "prompts:read",
        "prompts:write",
        "prompts:delete",
    }
    assert expected <= roles["admin"]
    assert not any(
        name.split(":")[0] in {"wallets", "agents", "prompts", "trades", "flows"} for name in roles["user"]
    )


async def test_the_default_catalogue_is_seeded(client, user_a: Account):
    wallets = (await client.get(f"{API}/wallets", params={"name": "Binance"}, headers=user_a.headers)).json()
    assert wallets["data"]["total"] >= 1
    agents = (
        await client.get(f"{API}/agents", params={"provider": "offline"}, headers=user_a.headers)
    ).json()
    assert any(a["model_id"] == "offline-v1" for a in agents["data"]["items"])
