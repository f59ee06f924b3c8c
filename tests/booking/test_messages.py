"""Messages: a customer writes to a studio, the team answers, unread counts move, the other side
is notified (in-app and by email), limits on length and rate."""

from __future__ import annotations

from typing import Any

import httpx

from tests.accounts.conftest import Account, new_account, outbox_messages
from tests.booking.conftest import API, create_studio, data
from tests.booking.test_companies import join


async def notifications(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = data(await client.get(f"{API}/notifications", headers=account.headers))[
        "items"
    ]
    return items


async def unread(client: httpx.AsyncClient, account: Account) -> dict[str, int]:
    counts: dict[str, int] = data(await client.get(f"{API}/messages/unread", headers=account.headers))
    return counts


async def test_a_conversation_notifies_the_other_side_and_moves_unread_counts(
    client: httpx.AsyncClient, settings, owner: Account, customer: Account, company, studio
):
    staff = await join(client, settings, owner, company["id"], "staff")
    opened = data(
        await client.post(
            f"{API}/messages/threads",
            json={"studio_id": studio["id"], "body": "Free on Friday?"},
            headers=customer.headers,
        ),
        201,
    )
    assert (opened["my_side"], opened["unread_count"], opened["last_message"]) == (
        "customer",
        0,
        "Free on Friday?",
    )
    # The whole team is told, in-app and by email.
    for member in (owner, staff):
        assert any(n["title"].startswith("New message about") for n in await notifications(client, member))
        assert any(
            "New message about" in m["Subject"]
            for m in outbox_messages(settings, member.email, "notification")
        )
    assert await unread(client, owner) == {"total": 1, "threads": 1}
    team_view = data(
        await client.get(f"{API}/messages/threads", params={"side": "team"}, headers=staff.headers)
    )["items"]
    assert [(t["id"], t["my_side"], t["unread_count"]) for t in team_view] == [(opened["id"], "team", 1)]

    # Staff answer; the team's read mark is shared, the customer is notified.
    answer = data(
        await client.post(
            f"{API}/messages/threads/{opened['id']}/messages",
            json={"body": "Yes, from 18:00."},
            headers=staff.headers,
        ),
        201,
    )
    assert answer["from_team"] is True
    assert await unread(client, owner) == {"total": 0, "threads": 0}
    assert await unread(client, customer) == {"total": 1, "threads": 1}
    assert any(
        n["title"] == f"New message from {studio['name']}" for n in await notifications(client, customer)
    )
    assert any(
        studio["name"] in m["Subject"] for m in outbox_messages(settings, customer.email, "notification")
    )

    # A second customer message reuses the thread; the customer marks the answer read.
    again = data(
        await client.post(
            f"{API}/messages/threads",
            json={"studio_id": studio["id"], "body": "Great, 2 hours please."},
            headers=customer.headers,
        ),
        201,
    )
    assert again["id"] == opened["id"] and again["unread_count"] == 0  # writing reads what came before
    read = data(await client.post(f"{API}/messages/threads/{opened['id']}/read", headers=owner.headers))
    assert read["unread_count"] == 0
    detail = data(
        await client.get(
            f"{API}/messages/threads/{opened['id']}", params={"limit": 2}, headers=customer.headers
        )
    )
    assert detail["messages"]["total"] == 3 and detail["messages"]["has_more"] is True
    assert [m["body"] for m in detail["messages"]["items"]] == ["Free on Friday?", "Yes, from 18:00."]


async def test_threads_are_private_to_their_two_sides(
    client: httpx.AsyncClient, owner: Account, customer: Account, user_b: Account, studio
):
    thread = data(
        await client.post(
            f"{API}/messages/threads",
            json={"studio_id": studio["id"], "body": "Hello"},
            headers=customer.headers,
        ),
        201,
    )
    for path in (f"/messages/threads/{thread['id']}",):
        assert (await client.get(API + path, headers=user_b.headers)).status_code == 404
    assert (
        await client.post(
            f"{API}/messages/threads/{thread['id']}/messages", json={"body": "x"}, headers=user_b.headers
        )
    ).status_code == 404
    assert (
        await client.post(f"{API}/messages/threads/{thread['id']}/read", headers=user_b.headers)
    ).status_code == 404
    assert data(await client.get(f"{API}/messages/threads", headers=user_b.headers))["items"] == []
    own = await client.post(
        f"{API}/messages/threads", json={"studio_id": studio["id"], "body": "me"}, headers=owner.headers
    )
    assert own.status_code == 403 and own.json()["error"]["code"] == "OWN_STUDIO"


async def test_booking_threads_limits_and_hidden_studios(
    client: httpx.AsyncClient, owner: Account, customer: Account, company, city, studio
):
    booking = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    about = data(
        await client.post(
            f"{API}/messages/threads",
            json={"studio_id": studio["id"], "body": "About my booking", "booking_id": booking},
            headers=customer.headers,
        ),
        201,
    )
    general = data(
        await client.post(
            f"{API}/messages/threads",
            json={"studio_id": studio["id"], "body": "General"},
            headers=customer.headers,
        ),
        201,
    )
    assert about["booking_id"] == booking and general["booking_id"] is None and about["id"] != general["id"]
    for body in ("", "x" * 4001):
        response = await client.post(
            f"{API}/messages/threads",
            json={"studio_id": studio["id"], "body": body},
            headers=customer.headers,
        )
        assert response.status_code == 422
    draft = await create_studio(client, owner, company["id"], city["id"], is_published=False)
    assert (
        await client.post(
            f"{API}/messages/threads", json={"studio_id": draft["id"], "body": "hi"}, headers=customer.headers
        )
    ).status_code == 404
    assert (
        await client.post(f"{API}/messages/threads", json={"studio_id": studio["id"], "body": "hi"})
    ).status_code == 401


async def test_messages_are_rate_limited_per_user(make_client, owner: Account, studio):
    _, limited = await make_client(BOOKING_MESSAGES_PER_MINUTE=2)
    writer = await new_account(limited)
    body = {"studio_id": studio["id"], "body": "hello"}
    for _ in range(2):
        assert (
            await limited.post(f"{API}/messages/threads", json=body, headers=writer.headers)
        ).status_code == 201
    refused = await limited.post(f"{API}/messages/threads", json=body, headers=writer.headers)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    other = await new_account(limited)
    assert (
        await limited.post(f"{API}/messages/threads", json=body, headers=other.headers)
    ).status_code == 201
