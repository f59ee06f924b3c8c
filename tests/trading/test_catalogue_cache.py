"""Catalogue reads (wallets, agents, prompts) are cached; every write to an entry shows at once."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import Account
from tests.accounts.test_principal_cache import StatementCounter
from tests.trading.conftest import API, create_agent, create_template, create_wallet

CATALOGUES = {
    "wallets": (create_wallet, "name", "Renamed wallet"),
    "agents": (create_agent, "name", "Renamed agent"),
    "prompts": (create_template, "title", "Renamed template"),
}


@pytest.mark.parametrize("resource", list(CATALOGUES))
async def test_catalogue_reads_are_cached_and_a_write_shows_at_once(
    client, app, admin: Account, user_a: Account, resource: str
):
    create, field, renamed = CATALOGUES[resource]
    entry = await create(client, admin)
    detail, listing = f"{API}/{resource}/{entry['id']}", f"{API}/{resource}"
    for _ in range(2):  # warm the principal and the cached reads
        await client.get(detail, headers=user_a.headers)
        await client.get(listing, params={"limit": 100}, headers=user_a.headers)
    with StatementCounter(app.state.database.engine) as counter:
        cached = await client.get(detail, headers=user_a.headers)
        listed = await client.get(listing, params={"limit": 100}, headers=user_a.headers)
    assert counter.count == 0
    assert cached.json()["data"][field] == entry[field]
    assert entry["id"] in [item["id"] for item in listed.json()["data"]["items"]]

    update = await client.put(detail, json={field: f"{renamed} {entry['id'][:8]}"}, headers=admin.headers)
    assert update.status_code == 200, update.text
    fresh = await client.get(detail, headers=user_a.headers)
    assert fresh.json()["data"][field] == f"{renamed} {entry['id'][:8]}"
    items = (await client.get(listing, params={"limit": 100}, headers=user_a.headers)).json()["data"]["items"]
    assert {item["id"]: item[field] for item in items}[entry["id"]] == f"{renamed} {entry['id'][:8]}"

    assert (await client.delete(detail, headers=admin.headers)).status_code == 200
    assert (await client.get(detail, headers=user_a.headers)).status_code == 404
    items = (await client.get(listing, params={"limit": 100}, headers=user_a.headers)).json()["data"]["items"]
    assert entry["id"] not in [item["id"] for item in items]


async def test_an_inactive_wallet_is_cached_per_view(client, admin: Account, user_a: Account):
    wallet = await create_wallet(client, admin, is_active=False)
    path = f"{API}/wallets/{wallet['id']}"
    for _ in range(2):
        assert (await client.get(path, headers=admin.headers)).status_code == 200
        assert (await client.get(path, headers=user_a.headers)).status_code == 404
