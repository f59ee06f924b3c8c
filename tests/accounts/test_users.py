"""Users through the HTTP API: my profile, administration, ownership and mass assignment."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.accounts.conftest import PASSWORD, Account, login, new_account, set_role

USERS = "/api/v1/users"


async def test_get_me_returns_profile_and_permissions(client, user_a: Account):
    data = (await client.get(f"{USERS}/me", headers=user_a.headers)).json()["data"]
    assert data["id"] == user_a.id and data["first_name"] == "Alice" and data["permissions"] == []
    assert "password_hash" not in data and "token_version" not in data


async def test_update_user_with_valid_data_returns_updated_user(client, user_a: Account):
    body = {
        "first_name": "Alicia",
        "birthday": {"day": 29, "month": 2, "year": 2000},
        "phone_number": {"country_code": "+63", "mobile_number": "9171234567"},
        "bio": "Trader.",
        "locale": "es",
    }
    response = await client.put(f"{USERS}/me", json=body, headers=user_a.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["first_name"] == "Alicia" and data["birthday"] == {"day": 29, "month": 2, "year": 2000}
    assert data["phone_number"] == {"country_code": "+63", "mobile_number": "9171234567"}
    assert data["locale"] == "es" and data["last_name"] == "Doe"
    again = (await client.get(f"{USERS}/me", headers=user_a.headers)).json()["data"]
    assert again["bio"] == "Trader."


async def test_clearing_the_phone_number_with_null(client, user_a: Account):
    phone = {"country_code": "+1", "mobile_number": "5551234567"}
    await client.put(f"{USERS}/me", json={"phone_number": phone}, headers=user_a.headers)
    response = await client.put(f"{USERS}/me", json={"phone_number": None}, headers=user_a.headers)
    assert response.json()["data"]["phone_number"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"phone_number": {"country_code": "+63"}},
        {"phone_number": {"mobile_number": "9171234567"}},
        {"phone_number": {"country_code": "63", "mobile_number": "9171234567"}},
        {"birthday": {"day": 32, "month": 2, "year": 2001}},
        {"first_name": ""},
        {"first_name": "x" * 101},
        {"locale": "english"},
    ],
)
async def test_update_user_with_invalid_data_returns_422(client, user_a: Account, body):
    response = await client.put(f"{USERS}/me", json=body, headers=user_a.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "birthday", [{"day": 30, "month": 2, "year": 2001}, {"day": 1, "month": 1, "year": 2099}]
)
async def test_a_birthday_that_is_no_real_past_date_is_a_400(client, user_a: Account, birthday):
    """Within the schema's bounds but not a date (or in the future): a business rule, 400."""
    response = await client.put(f"{USERS}/me", json={"birthday": birthday}, headers=user_a.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert response.json()["error"]["details"][0]["field"] == "birthday"


async def test_phone_number_without_country_code_returns_422(client, user_a: Account):
    response = await client.put(
        f"{USERS}/me", json={"phone_number": {"mobile_number": "9171234567"}}, headers=user_a.headers
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "field",
    [
        {"role_id": str(uuid.uuid4())},
        {"user_role": "admin"},
        {"is_verified": True},
        {"is_active": True},
        {"is_superuser": True},
        {"email": "new@example.com"},
        {"id": str(uuid.uuid4())},
        {"token_version": 0},
        {"created_at": "2020-01-01T00:00:00Z"},
    ],
)
async def test_mass_assignment_on_me_is_rejected_and_changes_nothing(client, user_a: Account, field):
    before = (await client.get(f"{USERS}/me", headers=user_a.headers)).json()["data"]
    response = await client.put(
        f"{USERS}/me", json={"first_name": "Mallory", **field}, headers=user_a.headers
    )
    assert response.status_code == 422
    after = (await client.get(f"{USERS}/me", headers=user_a.headers)).json()["data"]
    assert after == before


async def test_delete_user_soft_deletes_user_and_revokes_tokens(client, user_a: Account, superadmin: Account):
    response = await client.delete(f"{USERS}/me", headers=user_a.headers)
    assert response.status_code == 200
    assert (await client.get(f"{USERS}/me", headers=user_a.headers)).status_code == 401
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": user_a.refresh_token})
    ).status_code == 401
    failed = await client.post("/api/v1/auth/login", json={"email": user_a.email, "password": PASSWORD})
    assert failed.status_code == 401
    assert (await client.get(f"{USERS}/{user_a.id}", headers=superadmin.headers)).status_code == 404
    listed = await client.get(USERS, params={"email": user_a.email}, headers=superadmin.headers)
    assert listed.json()["data"]["total"] == 0
    with_deleted = await client.get(
        USERS, params={"email": user_a.email, "include_deleted": True}, headers=superadmin.headers
    )
    assert with_deleted.json()["data"]["items"][0]["is_deleted"] is True


async def test_deleted_email_can_register_again(client, user_a: Account):
    await client.delete(f"{USERS}/me", headers=user_a.headers)
    again = await new_account(client, email=user_a.email)
    assert again.id != user_a.id


async def test_regular_user_cannot_reach_admin_routes(client, user_a: Account, user_b: Account):
    for method, path in [
        ("GET", USERS),
        ("GET", f"{USERS}/{user_b.id}"),
        ("PUT", f"{USERS}/{user_b.id}"),
        ("DELETE", f"{USERS}/{user_b.id}"),
        ("POST", f"{USERS}/{user_b.id}/restore"),
    ]:
        response = await client.request(
            method, path, json={} if method == "PUT" else None, headers=user_a.headers
        )
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "FORBIDDEN"


async def test_list_users_returns_paginated_results_with_filters(client, admin: Account):
    marker = uuid.uuid4().hex[:10]
    made = [await new_account(client, email=f"{marker}-{i}@example.com") for i in range(3)]
    page = await client.get(USERS, params={"email": marker, "limit": 2}, headers=admin.headers)
    assert page.status_code == 200
    data = page.json()["data"]
    assert data["total"] == 3 and len(data["items"]) == 2 and data["has_more"] is True
    by_email = await client.get(USERS, params={"email": marker, "sort": "email"}, headers=admin.headers)
    assert [u["email"] for u in by_email.json()["data"]["items"]] == sorted(a.email for a in made)
    verified = await client.get(USERS, params={"email": marker, "is_verified": True}, headers=admin.headers)
    assert verified.json()["data"]["total"] == 0
    role = await client.get(USERS, params={"email": marker, "role": "user"}, headers=admin.headers)
    assert role.json()["data"]["total"] == 3
    future = await client.get(
        USERS, params={"email": marker, "created_from": "2999-01-01T00:00:00Z"}, headers=admin.headers
    )
    assert future.json()["data"]["total"] == 0


async def test_list_users_treats_like_wildcards_literally(client, admin: Account):
    response = await client.get(USERS, params={"email": "%"}, headers=admin.headers)
    assert response.status_code == 200 and response.json()["data"]["total"] == 0


async def test_get_nonexistent_user_returns_404(client, admin: Account):
    response = await client.get(f"{USERS}/{uuid.uuid4()}", headers=admin.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


async def test_admin_updates_and_deactivates_a_user(client, admin: Account, user_b: Account):
    response = await client.put(
        f"{USERS}/{user_b.id}", json={"first_name": "Robert", "is_verified": True}, headers=admin.headers
    )
    assert response.status_code == 200
    assert (
        response.json()["data"]["first_name"] == "Robert" and response.json()["data"]["is_verified"] is True
    )
    off = await client.put(f"{USERS}/{user_b.id}", json={"is_active": False}, headers=admin.headers)
    assert off.status_code == 200
    assert (await client.get(f"{USERS}/me", headers=user_b.headers)).status_code == 401


async def test_admin_cannot_grant_superadmin_or_roles_beyond_their_own(
    client, app, admin: Account, user_b: Account
):
    roles = (await client.get("/api/v1/roles", headers=admin.headers)).json()["data"]["items"]
    by_name = {r["name"]: r["id"] for r in roles}
    escalate = await client.put(
        f"{USERS}/{user_b.id}", json={"role_id": by_name["superadmin"]}, headers=admin.headers
    )
    assert escalate.status_code == 403
    to_admin = await client.put(
        f"{USERS}/{user_b.id}", json={"role_id": by_name["admin"]}, headers=admin.headers
    )
    assert to_admin.status_code == 200 and to_admin.json()["data"]["role"]["name"] == "admin"
    own = await client.put(f"{USERS}/{admin.id}", json={"role_id": by_name["user"]}, headers=admin.headers)
    assert own.status_code == 403


async def test_role_change_takes_effect_on_the_next_request(client, superadmin: Account, admin: Account):
    assert (await client.get(USERS, headers=admin.headers)).status_code == 200
    roles = (await client.get("/api/v1/roles", headers=superadmin.headers)).json()["data"]["items"]
    user_role = next(r["id"] for r in roles if r["name"] == "user")
    await client.put(f"{USERS}/{admin.id}", json={"role_id": user_role}, headers=superadmin.headers)
    tokens = await login(client, admin.email)
    demoted = await client.get(USERS, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert demoted.status_code == 403
    assert (await client.get(USERS, headers=admin.headers)).status_code == 401  # old tokens revoked


async def test_admin_delete_and_restore(client, admin: Account, user_b: Account):
    assert (await client.delete(f"{USERS}/{user_b.id}", headers=admin.headers)).status_code == 200
    assert (await client.get(f"{USERS}/{user_b.id}", headers=admin.headers)).status_code == 404
    restored = await client.post(f"{USERS}/{user_b.id}/restore", headers=admin.headers)
    assert restored.status_code == 200 and restored.json()["data"]["is_deleted"] is False
    await login(client, user_b.email)


async def test_last_superadmin_cannot_delete_themselves(client, superadmin: Account):
    response = await client.delete(f"{USERS}/me", headers=superadmin.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "CONFLICT"
    assert (await client.get(f"{USERS}/me", headers=superadmin.headers)).status_code == 200


async def test_superadmin_can_access_all_endpoints(client, superadmin: Account, user_b: Account):
    for path in (USERS, f"{USERS}/{user_b.id}", "/api/v1/roles", "/api/v1/permissions"):
        assert (await client.get(path, headers=superadmin.headers)).status_code == 200, path
    me = (await client.get(f"{USERS}/me", headers=superadmin.headers)).json()["data"]
    assert "*" in me["permissions"] and me["role"]["name"] == "superadmin"


# -- issue 17 item 2: nobody changes an account, or a role, above their own ----------------------
@pytest.fixture
async def second_superadmin(client, app) -> AsyncIterator[Account]:
    other = await new_account(client)
    await set_role(app, other.id, "superadmin")
    yield other
    # Other tests rely on the seeded superadmin being the last one.
    await set_role(app, other.id, "user")


async def test_admin_cannot_demote_disable_or_delete_a_superadmin(
    client, admin: Account, second_superadmin: Account
):
    target = second_superadmin
    roles = (await client.get("/api/v1/roles", headers=admin.headers)).json()["data"]["items"]
    user_role = next(r["id"] for r in roles if r["name"] == "user")
    for body in ({"role_id": user_role}, {"is_active": False}, {"first_name": "Mallory"}):
        response = await client.put(f"{USERS}/{target.id}", json=body, headers=admin.headers)
        assert response.status_code == 403, (body, response.text)
        assert response.json()["error"]["code"] == "FORBIDDEN"
    deleted = await client.delete(f"{USERS}/{target.id}", headers=admin.headers)
    assert deleted.status_code == 403
    # Nothing changed: the superadmin still signs in with full rights.
    me = (await client.get(f"{USERS}/me", headers=target.headers)).json()["data"]
    assert me["role"]["name"] == "superadmin" and me["first_name"] != "Mallory"


async def test_superadmin_may_change_another_superadmin(
    client, superadmin: Account, second_superadmin: Account
):
    target = second_superadmin
    response = await client.put(
        f"{USERS}/{target.id}", json={"first_name": "Grace"}, headers=superadmin.headers
    )
    assert response.status_code == 200 and response.json()["data"]["first_name"] == "Grace"
    assert (await client.delete(f"{USERS}/{target.id}", headers=superadmin.headers)).status_code == 200
    restored = await client.post(f"{USERS}/{target.id}/restore", headers=superadmin.headers)
    assert restored.status_code == 200
    disabled = await client.put(f"{USERS}/{target.id}", json={"is_active": False}, headers=superadmin.headers)
    assert disabled.status_code == 200 and disabled.json()["data"]["is_active"] is False


async def test_admin_cannot_restore_a_deleted_superadmin(
    client, superadmin: Account, admin: Account, second_superadmin: Account
):
    target = second_superadmin
    assert (await client.delete(f"{USERS}/{target.id}", headers=superadmin.headers)).status_code == 200
    response = await client.post(f"{USERS}/{target.id}/restore", headers=admin.headers)
    assert response.status_code == 403


async def test_admin_may_still_manage_their_peers_and_below(client, app, admin: Account, user_b: Account):
    peer = await new_account(client)
    await set_role(app, peer.id, "admin")
    response = await client.put(f"{USERS}/{peer.id}", json={"first_name": "Peer"}, headers=admin.headers)
    assert response.status_code == 200
    assert (await client.delete(f"{USERS}/{user_b.id}", headers=admin.headers)).status_code == 200


async def test_role_manager_cannot_change_a_role_above_their_own(client, app, superadmin: Account):
    """A delegated role manager (roles:read, roles:write) edits roles at or below their own only."""
    permissions = (
        await client.get("/api/v1/permissions", params={"limit": 100}, headers=superadmin.headers)
    ).json()
    by_name = {p["name"]: p["id"] for p in permissions["data"]["items"]}
    grants = [by_name["roles:read"], by_name["roles:write"]]
    manager_role = f"manager-{uuid.uuid4().hex[:8]}"
    created = await client.post(
        "/api/v1/roles", json={"name": manager_role, "permission_ids": grants}, headers=superadmin.headers
    )
    assert created.status_code == 201, created.text
    manager = await new_account(client)
    await set_role(app, manager.id, manager_role)
    roles = (await client.get("/api/v1/roles", params={"limit": 100}, headers=manager.headers)).json()
    by_role = {r["name"]: r for r in roles["data"]["items"]}
    top = by_role["superadmin"]
    removed = await client.delete(
        f"/api/v1/roles/{top['id']}/permissions/{top['permissions'][0]['id']}", headers=manager.headers
    )
    assert removed.status_code == 403 and removed.json()["error"]["code"] == "FORBIDDEN"
    for name in ("superadmin", "admin"):  # admin grants users:delete, which the manager lacks
        described = await client.put(
            f"/api/v1/roles/{by_role[name]['id']}", json={"description": "x"}, headers=manager.headers
        )
        assert described.status_code == 403, name
    same_level = await client.put(
        f"/api/v1/roles/{by_role[manager_role]['id']}", json={"description": "ok"}, headers=manager.headers
    )
    assert same_level.status_code == 200
    # The superadmin role is untouched.
    after = await client.get(f"/api/v1/roles/{top['id']}", headers=superadmin.headers)
    assert len(after.json()["data"]["permissions"]) == len(top["permissions"])
