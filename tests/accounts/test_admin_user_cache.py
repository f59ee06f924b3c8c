"""Admin user reads are cached; a change to the user (or their login) shows at once."""

from __future__ import annotations

from tests.accounts.conftest import Account, login, new_account
from tests.accounts.test_principal_cache import StatementCounter

USERS = "/api/v1/users"


async def test_admin_user_reads_are_cached_and_fresh_after_a_change(client, app, admin: Account):
    target = await new_account(client)
    detail = f"{USERS}/{target.id}"
    params = {"email": target.email}
    for _ in range(2):
        await client.get(detail, headers=admin.headers)
        await client.get(USERS, params=params, headers=admin.headers)
    with StatementCounter(app.state.database.engine) as counter:
        cached = await client.get(detail, headers=admin.headers)
        listed = await client.get(USERS, params=params, headers=admin.headers)
    assert counter.count == 0 and cached.status_code == 200
    assert [item["id"] for item in listed.json()["data"]["items"]] == [target.id]

    await client.put("/api/v1/users/me", json={"first_name": "Changed"}, headers=target.headers)
    assert (await client.get(detail, headers=admin.headers)).json()["data"]["first_name"] == "Changed"
    before = (await client.get(USERS, params=params, headers=admin.headers)).json()["data"]["items"][0]
    await login(client, target.email, target.password)  # last_login_at changes: the list is dropped
    after = (await client.get(USERS, params=params, headers=admin.headers)).json()["data"]["items"][0]
    assert after["last_login_at"] != before["last_login_at"]
