"""Account fixtures: real users created through the API, tokens obtained by logging in."""

from __future__ import annotations

import email
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mosaic.accounts.rbac.models import Role
from mosaic.accounts.users.models import User
from mosaic.core.config import Settings
from tests.conftest import unique_email

PASSWORD = "Tr0ub4dor&3-horse"


@dataclass
class Account:
    email: str
    password: str
    id: str
    access_token: str = ""
    refresh_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    body = {
        "email": unique_email(),
        "password": PASSWORD,
        "first_name": "Jane",
        "last_name": "Doe",
        **overrides,
    }
    return await client.post("/api/v1/auth/register", json=body)


async def login(client: httpx.AsyncClient, email_address: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"email": email_address, "password": password})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def new_account(client: httpx.AsyncClient, **overrides: Any) -> Account:
    response = await register(client, **overrides)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    password = overrides.get("password", PASSWORD)
    tokens = await login(client, data["email"], password)
    return Account(data["email"], password, data["id"], tokens["access_token"], tokens["refresh_token"])


async def set_role(app: Any, user_id: str, role_name: str) -> None:
    """Direct database write: fixtures need admins without going through the admin API under test."""
    async with app.state.database.transaction() as session:
        role = (await session.execute(select(Role).where(Role.name == role_name))).scalar_one()
        user = await session.get(User, uuid.UUID(user_id))
        assert user is not None
        user.role_id = role.id


@pytest.fixture
async def user_a(client: httpx.AsyncClient) -> Account:
    return await new_account(client, first_name="Alice")


@pytest.fixture
async def user_b(client: httpx.AsyncClient) -> Account:
    return await new_account(client, first_name="Bob")


@pytest.fixture
async def admin(client: httpx.AsyncClient, app: Any) -> Account:
    account = await new_account(client, first_name="Ada")
    await set_role(app, account.id, "admin")
    return account


@pytest.fixture(scope="session")
async def superadmin(client: httpx.AsyncClient, settings: Settings) -> Account:
    tokens = await login(client, settings.SUPERADMIN_EMAIL, settings.SUPERADMIN_PASSWORD.get_secret_value())
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    return Account(
        settings.SUPERADMIN_EMAIL,
        settings.SUPERADMIN_PASSWORD.get_secret_value(),
        me.json()["data"]["id"],
        tokens["access_token"],
        tokens["refresh_token"],
    )


def outbox_messages(settings: Settings, to: str, tag: str) -> list[email.message.Message]:
    """Messages the console email provider wrote for `to`, oldest first."""
    outbox = Path(settings.EMAIL_OUTBOX_DIR)
    found = []
    for path in sorted(outbox.glob(f"{tag}-*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == to:
            found.append(message)
    return found


def link_token(message: email.message.Message) -> str:
    """The `token` query parameter of the first link in a message's plain-text part."""
    body = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            body = payload.decode() if isinstance(payload, bytes) else str(payload)
            break
    match = re.search(r"[?&]token=([A-Za-z0-9._-]+)", body)
    assert match, body
    return match.group(1)
