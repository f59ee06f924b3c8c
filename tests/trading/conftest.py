"""Trading fixtures: the account fixtures, plus catalogue entries created by an admin through the API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.accounts.conftest import Account, admin, superadmin, user_a, user_b  # noqa: F401

API = "/api/v1"


def unique_name(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


async def create_wallet(
    client: httpx.AsyncClient, admin_account: Account, **overrides: Any
) -> dict[str, Any]:
    body = {
        "name": unique_name("Exchange"),
        "type": "CEX",
        "provider": "binance",
        "supported_currencies": ["btc", "USDT"],
        **overrides,
    }
    response = await client.post(f"{API}/wallets", json=body, headers=admin_account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def create_agent(client: httpx.AsyncClient, admin_account: Account, **overrides: Any) -> dict[str, Any]:
    body = {"name": unique_name("Agent"), "provider": "offline", "model_id": "offline-v1", **overrides}
    response = await client.post(f"{API}/agents", json=body, headers=admin_account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def create_template(
    client: httpx.AsyncClient, admin_account: Account, **overrides: Any
) -> dict[str, Any]:
    body = {
        "title": unique_name("Template"),
        "prompt": "Analyse {symbol}.",
        "category": "analysis",
        **overrides,
    }
    response = await client.post(f"{API}/prompts", json=body, headers=admin_account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def open_trade(client: httpx.AsyncClient, account: Account, **overrides: Any) -> dict[str, Any]:
    body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": "100", "quantity": "1", **overrides}
    response = await client.post(f"{API}/trades", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.fixture
async def wallet(client: httpx.AsyncClient, admin: Account) -> dict[str, Any]:  # noqa: F811
    return await create_wallet(client, admin)
