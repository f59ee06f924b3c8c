"""My settings and my notifications, and `notify()` honouring the settings."""

from __future__ import annotations

import uuid

import pytest

from mosaic.accounts.notifications.service import notify
from mosaic.accounts.users.models import User
from tests.accounts.conftest import Account, outbox_messages

SETTINGS = "/api/v1/users/me/settings"
NOTIFICATIONS = "/api/v1/notifications"


async def send(app, account: Account, title: str = "Hello", *, email: bool = False) -> None:
    async with app.state.database.transaction() as session:
        user = await session.get(User, uuid.UUID(account.id))
        assert user is not None
        await notify(session, user, title, f"{title} body", email=email, jobs=app.state.jobs)
    await app.state.jobs.drain()  # the email copy is a job, run once the transaction committed


async def test_settings_are_created_with_defaults_on_first_read(client, user_a: Account):
    response = await client.get(SETTINGS, headers=user_a.headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["preferences"] == {} and data["theme"] == "system" and data["locale"] == "en"
    assert data["notifications_enabled"] is True and data["email_notifications"] is True


async def test_update_settings(client, user_a: Account):
    body = {"theme": "dark", "preferences": {"default_symbol": "BTC/USDT"}, "email_notifications": False}
    response = await client.put(SETTINGS, json=body, headers=user_a.headers)
    assert response.status_code == 200
    again = (await client.get(SETTINGS, headers=user_a.headers)).json()["data"]
    assert again["theme"] == "dark" and again["preferences"] == {"default_symbol": "BTC/USDT"}
    assert again["email_notifications"] is False and again["notifications_enabled"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"theme": "purple"},
        {"locale": "xx_YY"},
        {"user_id": str(uuid.uuid4())},
        {"preferences": {"blob": "x" * 20000}},
    ],
)
async def test_invalid_settings_are_422(client, user_a: Account, body):
    assert (await client.put(SETTINGS, json=body, headers=user_a.headers)).status_code == 422


async def test_settings_need_authentication(client):
    assert (await client.get(SETTINGS)).status_code == 401


async def test_notifications_list_unread_count_view_and_delete(client, app, user_a: Account):
    for title in ("First", "Second", "Third"):
        await send(app, user_a, title)
    listing = (await client.get(NOTIFICATIONS, headers=user_a.headers)).json()["data"]
    assert listing["total"] == 3 and [n["title"] for n in listing["items"]] == ["Third", "Second", "First"]
    count = (await client.get(f"{NOTIFICATIONS}/unread-count", headers=user_a.headers)).json()["data"]
    assert count == {"unread": 3}
    first = listing["items"][-1]["id"]
    viewed = await client.put(f"{NOTIFICATIONS}/{first}/view", headers=user_a.headers)
    assert viewed.status_code == 200 and viewed.json()["data"]["is_viewed"] is True
    unread = (await client.get(NOTIFICATIONS, params={"unread": True}, headers=user_a.headers)).json()["data"]
    assert unread["total"] == 2
    assert (await client.delete(f"{NOTIFICATIONS}/{first}", headers=user_a.headers)).status_code == 200
    assert (await client.get(NOTIFICATIONS, headers=user_a.headers)).json()["data"]["total"] == 2
    marked = (await client.put(f"{NOTIFICATIONS}/view-all", headers=user_a.headers)).json()["data"]
    assert marked == {"updated": 2}
    count = (await client.get(f"{NOTIFICATIONS}/unread-count", headers=user_a.headers)).json()["data"]
    assert count == {"unread": 0}


async def test_another_users_notification_answers_404(client, app, user_a: Account, user_b: Account):
    await send(app, user_a, "Private")
    notification = (await client.get(NOTIFICATIONS, headers=user_a.headers)).json()["data"]["items"][0]
    random_404 = await client.put(f"{NOTIFICATIONS}/{uuid.uuid4()}/view", headers=user_b.headers)
    for method, path in (
        ("PUT", f"{NOTIFICATIONS}/{notification['id']}/view"),
        ("DELETE", f"{NOTIFICATIONS}/{notification['id']}"),
    ):
        response = await client.request(method, path, headers=user_b.headers)
        assert response.status_code == 404
        assert response.json()["error"] == random_404.json()["error"]
    assert (await client.get(NOTIFICATIONS, headers=user_b.headers)).json()["data"]["total"] == 0
    still = (await client.get(NOTIFICATIONS, headers=user_a.headers)).json()["data"]["items"][0]
    assert still["is_viewed"] is False


async def test_notify_emails_only_when_asked_and_allowed(client, app, settings, user_a: Account):
    await send(app, user_a, "Mailed", email=True)
    assert [m["Subject"] for m in outbox_messages(settings, user_a.email, "notification")] == ["Mailed"]
    await client.put(SETTINGS, json={"email_notifications": False}, headers=user_a.headers)
    await send(app, user_a, "Not mailed", email=True)
    assert len(outbox_messages(settings, user_a.email, "notification")) == 1
    titles = [
        n["title"] for n in (await client.get(NOTIFICATIONS, headers=user_a.headers)).json()["data"]["items"]
    ]
    assert titles == ["Not mailed", "Mailed"]


async def test_the_email_copy_uses_the_template_and_the_recipients_locale(
    client, app, settings, user_b: Account
):
    await client.put(SETTINGS, json={"locale": "es"}, headers=user_b.headers)
    async with app.state.database.transaction() as session:
        user = await session.get(User, uuid.UUID(user_b.id))
        assert user is not None
        await notify(session, user, "Pedido listo", "Tu flujo terminó.", email=True, jobs=app.state.jobs)
        # queued, not sent inline: nothing is in the outbox before the commit
        assert outbox_messages(settings, user_b.email, "notification") == []
    await app.state.jobs.drain()
    [message] = outbox_messages(settings, user_b.email, "notification")
    assert message["Subject"] == "Pedido listo"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = text.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert body.startswith("Hola ") and "Tu flujo terminó." in body  # the es template
    assert any(p.get_content_type() == "text/html" for p in message.walk())


async def test_notify_respects_disabled_notifications_and_fans_out(
    client, app, user_a: Account, user_b: Account
):
    await client.put(SETTINGS, json={"notifications_enabled": False}, headers=user_b.headers)
    async with app.state.database.transaction() as session:
        users = [await session.get(User, uuid.UUID(a.id)) for a in (user_a, user_b)]
        sent = [await notify(session, u, "Broadcast") for u in users if u]
        assert [n is not None for n in sent] == [True, False]
    assert (await client.get(NOTIFICATIONS, headers=user_a.headers)).json()["data"]["total"] == 1
    assert (await client.get(NOTIFICATIONS, headers=user_b.headers)).json()["data"]["total"] == 0


async def test_no_email_when_the_transaction_rolls_back(app, settings, user_a: Account):
    async def notify_then_fail() -> None:
        async with app.state.database.transaction() as session:
            user = await session.get(User, uuid.UUID(user_a.id))
            assert user is not None
            await notify(session, user, "Rolled back", email=True, jobs=app.state.jobs)
            raise RuntimeError("fail after notify")

    with pytest.raises(RuntimeError):
        await notify_then_fail()
    await app.state.jobs.drain()
    assert outbox_messages(settings, user_a.email, "notification") == []
