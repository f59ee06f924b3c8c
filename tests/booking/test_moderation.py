"""Moderation through the domain's permissions: admins list, suspend and unpublish; nobody else."""

from __future__ import annotations

import httpx

from tests.accounts.conftest import Account
from tests.booking.conftest import API, data


async def test_an_admin_unpublishes_a_studio_and_suspends_a_company(
    client: httpx.AsyncClient, admin: Account, owner: Account, company, studio
):
    assert (await client.get(f"{API}/studios/{studio['id']}")).status_code == 200
    listed = data(
        await client.get(f"{API}/admin/studios", params={"company_id": company["id"]}, headers=admin.headers)
    )
    assert [s["id"] for s in listed["items"]] == [studio["id"]]
    unpublished = data(
        await client.post(f"{API}/admin/studios/{studio['id']}/unpublish", headers=admin.headers)
    )
    assert unpublished["is_published"] is False
    assert (await client.get(f"{API}/studios/{studio['id']}")).status_code == 404
    # The team publishes it again; suspending the company hides it again, for the public only.
    await client.put(f"{API}/studios/{studio['id']}", json={"is_published": True}, headers=owner.headers)
    suspended = data(
        await client.put(
            f"{API}/admin/companies/{company['id']}/suspension",
            json={"is_suspended": True},
            headers=admin.headers,
        )
    )
    assert suspended["is_suspended"] is True
    assert (await client.get(f"{API}/studios/{studio['id']}")).status_code == 404
    assert (await client.get(f"{API}/studios/{studio['id']}", headers=owner.headers)).status_code == 200
    found = data(
        await client.get(
            f"{API}/admin/companies",
            params={"is_suspended": True, "name": company["name"]},
            headers=admin.headers,
        )
    )
    assert [c["id"] for c in found["items"]] == [company["id"]]
    await client.put(
        f"{API}/admin/companies/{company['id']}/suspension",
        json={"is_suspended": False},
        headers=admin.headers,
    )
    assert (await client.get(f"{API}/studios/{studio['id']}")).status_code == 200


async def test_moderation_needs_the_permissions(
    client: httpx.AsyncClient, owner: Account, customer: Account, company, studio
):
    for account in (owner, customer):
        assert (await client.get(f"{API}/admin/studios", headers=account.headers)).status_code == 403
        assert (await client.get(f"{API}/admin/companies", headers=account.headers)).status_code == 403
        assert (
            await client.post(f"{API}/admin/studios/{studio['id']}/unpublish", headers=account.headers)
        ).status_code == 403
        body = {"is_suspended": True}
        assert (
            await client.put(
                f"{API}/admin/companies/{company['id']}/suspension", json=body, headers=account.headers
            )
        ).status_code == 403
    assert (await client.get(f"{API}/admin/studios")).status_code == 401


async def test_moderating_an_unknown_row_is_404(client: httpx.AsyncClient, admin: Account):
    missing = "00000000-0000-0000-0000-0000000000aa"
    assert (
        await client.post(f"{API}/admin/studios/{missing}/unpublish", headers=admin.headers)
    ).status_code == 404
    response = await client.put(
        f"{API}/admin/companies/{missing}/suspension", json={"is_suspended": True}, headers=admin.headers
    )
    assert response.status_code == 404
