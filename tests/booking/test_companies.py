"""Companies and teams: who may create one, slugs, members and their roles, invitations, leaving."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from mosaic.booking.companies.models import CompanyInvitation
from mosaic.core.database import utcnow
from tests.accounts.conftest import Account, link_token, new_account, outbox_messages
from tests.booking.conftest import API, create_company, create_room, data, new_owner, unique


async def invite(
    client: httpx.AsyncClient, settings, owner: Account, company_id: str, who: Account, role: str
) -> str:
    body = {"email": who.email, "role": role}
    data(
        await client.post(f"{API}/companies/{company_id}/invitations", json=body, headers=owner.headers), 201
    )
    return link_token(outbox_messages(settings, who.email, "company-invitation")[-1])


async def join(client: httpx.AsyncClient, settings, owner: Account, company_id: str, role: str) -> Account:
    member = await new_account(client)
    token = await invite(client, settings, owner, company_id, member, role)
    data(await client.post(f"{API}/invitations/accept", json={"token": token}, headers=member.headers))
    return member


async def test_a_studio_owner_creates_a_company_and_becomes_its_owner(
    client: httpx.AsyncClient, owner: Account
):
    company = await create_company(client, owner, name="Blue Room Studios")
    assert company["my_role"] == "owner" and company["slug"].startswith("blue-room-studios")
    again = await create_company(client, owner, name="Blue Room Studios")
    assert again["slug"] != company["slug"] and again["slug"].startswith("blue-room-studios-")
    mine = data(await client.get(f"{API}/companies", params={"limit": 100}, headers=owner.headers))["items"]
    assert {company["id"], again["id"]} <= {c["id"] for c in mine}
    taken = await client.post(
        f"{API}/companies", json={"name": "X", "slug": company["slug"]}, headers=owner.headers
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "SLUG_TAKEN"
    assert (
        await client.post(f"{API}/companies", json={"name": "X", "slug": "Not A Slug"}, headers=owner.headers)
    ).status_code == 422


async def test_a_customer_cannot_create_a_company_or_see_anothers(
    client: httpx.AsyncClient, customer: Account, company
):
    refused = await client.post(f"{API}/companies", json={"name": unique("Mine")}, headers=customer.headers)
    assert refused.status_code == 403
    assert (await client.get(f"{API}/companies/{company['id']}", headers=customer.headers)).status_code == 404
    assert (
        await client.put(f"{API}/companies/{company['id']}", json={"name": "x"}, headers=customer.headers)
    ).status_code == 404
    assert data(await client.get(f"{API}/companies", headers=customer.headers))["items"] == []


async def test_an_invitation_link_works_once_for_the_invited_account(
    client: httpx.AsyncClient, settings, owner: Account, company: dict[str, Any]
):
    invitee = await new_account(client)
    stranger = await new_account(client)
    token = await invite(client, settings, owner, company["id"], invitee, "manager")
    # Another account holding the link is not the invited one.
    assert (
        await client.post(f"{API}/invitations/accept", json={"token": token}, headers=stranger.headers)
    ).status_code == 404
    accepted = data(
        await client.post(f"{API}/invitations/accept", json={"token": token}, headers=invitee.headers)
    )
    assert accepted["status"] == "accepted"
    again = await client.post(f"{API}/invitations/accept", json={"token": token}, headers=invitee.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVITATION_CLOSED"
    members = data(await client.get(f"{API}/companies/{company['id']}/members", headers=invitee.headers))[
        "items"
    ]
    assert {(m["email"], m["role"]) for m in members} == {(owner.email, "owner"), (invitee.email, "manager")}
    # Inviting a member again is a conflict; a random token is a 404.
    body = {"email": invitee.email, "role": "staff"}
    dup = await client.post(f"{API}/companies/{company['id']}/invitations", json=body, headers=owner.headers)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "ALREADY_MEMBER"
    random = await client.post(f"{API}/invitations/accept", json={"token": "x" * 43}, headers=invitee.headers)
    assert random.status_code == 404


async def test_an_invitation_does_not_work_after_expiry_or_revocation_and_can_be_declined(
    client: httpx.AsyncClient, app, settings, owner: Account, company: dict[str, Any]
):
    late, revoked, declining = (
        (await new_account(client) for _ in range(3))
        if False
        else (
            await new_account(client),
            await new_account(client),
            await new_account(client),
        )
    )
    expired_token = await invite(client, settings, owner, company["id"], late, "staff")
    async with app.state.database.transaction() as session:
        await session.execute(
            update(CompanyInvitation)
            .where(CompanyInvitation.email == late.email)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    expired = await client.post(
        f"{API}/invitations/accept", json={"token": expired_token}, headers=late.headers
    )
    assert expired.status_code == 409 and expired.json()["error"]["code"] == "INVITATION_EXPIRED"

    revoked_token = await invite(client, settings, owner, company["id"], revoked, "staff")
    pending = data(
        await client.get(
            f"{API}/companies/{company['id']}/invitations",
            params={"status": "pending"},
            headers=owner.headers,
        )
    )["items"]
    invitation = next(i for i in pending if i["email"] == revoked.email)
    assert (
        await client.delete(
            f"{API}/companies/{company['id']}/invitations/{invitation['id']}", headers=owner.headers
        )
    ).status_code == 200
    gone = await client.post(
        f"{API}/invitations/accept", json={"token": revoked_token}, headers=revoked.headers
    )
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "INVITATION_CLOSED"
    twice = await client.delete(
        f"{API}/companies/{company['id']}/invitations/{invitation['id']}", headers=owner.headers
    )
    assert twice.status_code == 409

    decline_token = await invite(client, settings, owner, company["id"], declining, "staff")
    declined = data(
        await client.post(
            f"{API}/invitations/decline", json={"token": decline_token}, headers=declining.headers
        )
    )
    assert declined["status"] == "declined"
    assert (
        await client.get(f"{API}/companies/{company['id']}", headers=declining.headers)
    ).status_code == 404


async def test_company_roles_owner_manager_staff(
    client: httpx.AsyncClient, settings, owner: Account, company: dict[str, Any], studio: dict[str, Any]
):
    manager = await join(client, settings, owner, company["id"], "manager")
    staff = await join(client, settings, owner, company["id"], "staff")
    room = await create_room(client, manager, studio["id"])  # a manager edits studios and rooms
    tiers = {"tiers": [{"hours": 1, "price": "50.00"}]}
    refused = await client.put(f"{API}/rooms/{room['id']}/prices", json=tiers, headers=staff.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "COMPANY_ROLE_REQUIRED"
    assert (
        await client.put(f"{API}/rooms/{room['id']}/prices", json=tiers, headers=manager.headers)
    ).status_code == 200
    assert (
        await client.put(f"{API}/studios/{studio['id']}", json={"name": "x"}, headers=staff.headers)
    ).status_code == 403
    # Staff read the team; only owners manage members and invitations.
    assert (
        await client.get(f"{API}/companies/{company['id']}/members", headers=staff.headers)
    ).status_code == 200
    body = {"email": "someone@example.com", "role": "staff"}
    for member in (manager, staff):
        response = await client.post(
            f"{API}/companies/{company['id']}/invitations", json=body, headers=member.headers
        )
        assert response.status_code == 403
        response = await client.put(
            f"{API}/companies/{company['id']}/members/{staff.id}",
            json={"role": "owner"},
            headers=member.headers,
        )
        assert response.status_code == 403
    promoted = await client.put(
        f"{API}/companies/{company['id']}/members/{staff.id}", json={"role": "manager"}, headers=owner.headers
    )
    assert promoted.status_code == 200
    assert (
        await client.put(f"{API}/studios/{studio['id']}", json={"name": unique("S")}, headers=staff.headers)
    ).status_code == 200
    assert (
        await client.delete(f"{API}/companies/{company['id']}/members/{manager.id}", headers=owner.headers)
    ).status_code == 200
    assert (await client.get(f"{API}/companies/{company['id']}", headers=manager.headers)).status_code == 404


async def test_the_last_owner_cannot_leave_but_a_member_can(
    client: httpx.AsyncClient, settings, owner: Account, company: dict[str, Any]
):
    staff = await join(client, settings, owner, company["id"], "staff")
    refused = await client.post(f"{API}/companies/{company['id']}/leave", headers=owner.headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "LAST_OWNER"
    demote = await client.put(
        f"{API}/companies/{company['id']}/members/{owner.id}", json={"role": "staff"}, headers=owner.headers
    )
    assert demote.status_code == 409
    assert (
        await client.post(f"{API}/companies/{company['id']}/leave", headers=staff.headers)
    ).status_code == 200
    assert (await client.get(f"{API}/companies/{company['id']}", headers=staff.headers)).status_code == 404
    # With a second owner, the first may leave.
    second = await join(client, settings, owner, company["id"], "owner")
    assert (
        await client.post(f"{API}/companies/{company['id']}/leave", headers=owner.headers)
    ).status_code == 200
    assert (
        data(await client.get(f"{API}/companies/{company['id']}", headers=second.headers))["my_role"]
        == "owner"
    )


async def test_another_companys_studio_is_a_404_to_a_team_member(
    client: httpx.AsyncClient, owner: Account, city: dict[str, Any], studio: dict[str, Any]
):
    rival = await new_owner(client)
    await create_company(client, rival)
    for method, path in (("PUT", f"/studios/{studio['id']}"), ("DELETE", f"/studios/{studio['id']}")):
        response = await client.request(
            method, API + path, json={"name": "x"} if method == "PUT" else None, headers=rival.headers
        )
        assert response.status_code == 404 and response.json()["message"] == "Studio not found"
    created = await client.post(
        f"{API}/studios/{studio['id']}/rooms", json={"name": "r", "capacity": 1}, headers=rival.headers
    )
    assert created.status_code == 404


async def test_updating_and_deleting_a_company(
    client: httpx.AsyncClient, owner: Account, company: dict[str, Any], studio
):
    updated = data(
        await client.put(
            f"{API}/companies/{company['id']}",
            json={"name": "Renamed", "description": None},
            headers=owner.headers,
        )
    )
    assert updated["name"] == "Renamed" and updated["slug"] == company["slug"]
    assert (await client.delete(f"{API}/companies/{company['id']}", headers=owner.headers)).status_code == 200
    assert (await client.get(f"{API}/companies/{company['id']}", headers=owner.headers)).status_code == 404
    assert (await client.get(f"{API}/studios/{studio['id']}")).status_code == 404
