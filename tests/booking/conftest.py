"""Booking fixtures: customers and studio owners registered through the API, an admin, and the
company/studio/room builders every booking test shares."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.accounts.conftest import Account, admin, new_account, superadmin, user_a, user_b  # noqa: F401

API = "/api/v1"


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


async def new_owner(client: httpx.AsyncClient, **overrides: Any) -> Account:
    return await new_account(client, account_type="studio_owner", **overrides)


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


async def create_city(client: httpx.AsyncClient, admin_account: Account, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": unique("Lisbon"),
        "country_code": "PT",
        "timezone": "Europe/Lisbon",
        "lat": 38.7223,
        "lng": -9.1393,
        **overrides,
    }
    result: dict[str, Any] = data(
        await client.post(f"{API}/cities", json=body, headers=admin_account.headers), 201
    )
    return result


async def create_company(client: httpx.AsyncClient, owner: Account, **overrides: Any) -> dict[str, Any]:
    body = {"name": unique("Sound Co"), **overrides}
    result: dict[str, Any] = data(
        await client.post(f"{API}/companies", json=body, headers=owner.headers), 201
    )
    return result


async def create_studio(
    client: httpx.AsyncClient, owner: Account, company_id: str, city_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "company_id": company_id,
        "name": unique("Blue Room"),
        "city_id": city_id,
        "street": "Rua Augusta 1",
        "lat": 38.71,
        "lng": -9.14,
        "timezone": "Europe/Lisbon",
        "currency": "EUR",
        "is_published": True,
        **overrides,
    }
    result: dict[str, Any] = data(await client.post(f"{API}/studios", json=body, headers=owner.headers), 201)
    return result


async def create_room(
    client: httpx.AsyncClient, owner: Account, studio_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "name": unique("Room"),
        "description": "A live room",
        "capacity": 4,
        "min_hours": 1,
        "max_hours": 10,
        "buffer_minutes": 15,
        "slot_step_minutes": 60,
        **overrides,
    }
    response = await client.post(f"{API}/studios/{studio_id}/rooms", json=body, headers=owner.headers)
    result: dict[str, Any] = data(response, 201)
    return result


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Account:
    return await new_owner(client, first_name="Olga")


@pytest.fixture
async def customer(client: httpx.AsyncClient) -> Account:
    return await new_account(client, first_name="Carl")


@pytest.fixture
async def city(client: httpx.AsyncClient, admin: Account) -> dict[str, Any]:  # noqa: F811
    return await create_city(client, admin)


@pytest.fixture
async def company(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return await create_company(client, owner)


@pytest.fixture
async def studio(
    client: httpx.AsyncClient, owner: Account, company: dict[str, Any], city: dict[str, Any]
) -> dict[str, Any]:
    return await create_studio(client, owner, company["id"], city["id"])
