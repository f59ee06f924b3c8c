"""Roles and permissions: CRUD, superadmin-only writes, escalation, freshness, and the route audit."""

from __future__ import annotations

import uuid

import pytest
from fastapi import APIRouter, Depends, FastAPI

from mosaic.accounts.deps import CurrentUser, require_permission
from mosaic.core.access import OWNER, PERMISSION, PUBLIC, public, route_accesses, unguarded_routes
from mosaic.core.config import Settings
from mosaic.main import create_app
from tests.accounts.conftest import Account, new_account, set_role

ROLES = "/api/v1/roles"
PERMISSIONS = "/api/v1/permissions"


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_default_permissions_and_roles_are_seeded(client, superadmin: Account):
    names = {
        p["name"]
        for p in (await client.get(PERMISSIONS, params={"limit": 500}, headers=superadmin.headers)).json()[
            "data"
        ]["items"]
    }
    for resource in ("users", "roles", "permissions"):
        assert {f"{resource}:read", f"{resource}:write", f"{resource}:delete"} <= names
    roles = {
        r["name"]: r for r in (await client.get(ROLES, headers=superadmin.headers)).json()["data"]["items"]
    }
    assert {"superadmin", "admin", "user"} <= set(roles)
    admin_grants = {p["name"] for p in roles["admin"]["permissions"]}
    assert "users:write" in admin_grants and "roles:write" not in admin_grants
    assert roles["user"]["permissions"] == []


async def test_superadmin_creates_updates_and_deletes_a_permission(client, superadmin: Account):
    resource = unique_name("reports").replace("-", "_")
    created = await client.post(
        PERMISSIONS,
        json={"resource": resource, "action": "read", "description": "Read reports"},
        headers=superadmin.headers,
    )
    assert created.status_code == 201 and created.json()["data"]["name"] == f"{resource}:read"
    permission_id = created.json()["data"]["id"]
    duplicate = await client.post(
        PERMISSIONS, json={"resource": resource, "action": "read"}, headers=superadmin.headers
    )
    assert duplicate.status_code == 409
    updated = await client.put(
        f"{PERMISSIONS}/{permission_id}", json={"action": "export"}, headers=superadmin.headers
    )
    assert updated.json()["data"]["name"] == f"{resource}:export"
    assert (
        await client.delete(f"{PERMISSIONS}/{permission_id}", headers=superadmin.headers)
    ).status_code == 200
    assert (await client.get(f"{PERMISSIONS}/{permission_id}", headers=superadmin.headers)).status_code == 404


async def test_admin_can_read_but_not_write_roles_and_permissions(client, admin: Account):
    assert (await client.get(ROLES, headers=admin.headers)).status_code == 200
    assert (await client.get(PERMISSIONS, headers=admin.headers)).status_code == 200
    for method, path, body in [
        ("POST", ROLES, {"name": unique_name("r")}),
        ("POST", PERMISSIONS, {"resource": "x", "action": "y"}),
    ]:
        response = await client.request(method, path, json=body, headers=admin.headers)
        assert response.status_code == 403, response.text


async def test_access_forbidden_route_returns_403(client, user_a: Account):
    for path in (ROLES, PERMISSIONS):
        assert (await client.get(path, headers=user_a.headers)).status_code == 403


async def test_admin_can_create_role_via_superadmin_and_manage_its_permissions(client, superadmin: Account):
    perms = (await client.get(PERMISSIONS, params={"resource": "users"}, headers=superadmin.headers)).json()[
        "data"
    ]
    read = next(p for p in perms["items"] if p["name"] == "users:read")
    write = next(p for p in perms["items"] if p["name"] == "users:write")
    role = await client.post(
        ROLES,
        json={"name": unique_name("support"), "permission_ids": [read["id"]]},
        headers=superadmin.headers,
    )
    assert role.status_code == 201
    role_id = role.json()["data"]["id"]
    added = await client.post(
        f"{ROLES}/{role_id}/permissions", json={"permission_ids": [write["id"]]}, headers=superadmin.headers
    )
    assert {p["name"] for p in added.json()["data"]["permissions"]} == {"users:read", "users:write"}
    removed = await client.delete(f"{ROLES}/{role_id}/permissions/{write['id']}", headers=superadmin.headers)
    assert [p["name"] for p in removed.json()["data"]["permissions"]] == ["users:read"]
    missing = await client.delete(f"{ROLES}/{role_id}/permissions/{write['id']}", headers=superadmin.headers)
    assert missing.status_code == 404
    assert (await client.delete(f"{ROLES}/{role_id}", headers=superadmin.headers)).status_code == 200


async def test_system_roles_cannot_be_deleted_or_renamed(client, superadmin: Account):
    roles = {
        r["name"]: r["id"]
        for r in (await client.get(ROLES, headers=superadmin.headers)).json()["data"]["items"]
    }
    assert (await client.delete(f"{ROLES}/{roles['user']}", headers=superadmin.headers)).status_code == 409
    renamed = await client.put(f"{ROLES}/{roles['admin']}", json={"name": "boss"}, headers=superadmin.headers)
    assert renamed.status_code == 409


async def test_role_in_use_cannot_be_deleted(client, app, superadmin: Account, user_b: Account):
    name = unique_name("staff")
    role_id = (await client.post(ROLES, json={"name": name}, headers=superadmin.headers)).json()["data"]["id"]
    await set_role(app, user_b.id, name)
    assert (await client.delete(f"{ROLES}/{role_id}", headers=superadmin.headers)).status_code == 409


async def test_revoking_a_permission_applies_on_the_next_request(client, app, superadmin: Account):
    read = next(
        p
        for p in (
            await client.get(PERMISSIONS, params={"resource": "users"}, headers=superadmin.headers)
        ).json()["data"]["items"]
        if p["name"] == "users:read"
    )
    name = unique_name("auditor")
    role_id = (
        await client.post(
            ROLES, json={"name": name, "permission_ids": [read["id"]]}, headers=superadmin.headers
        )
    ).json()["data"]["id"]
    member = await new_account(client)
    await set_role(app, member.id, name)
    assert (await client.get("/api/v1/users", headers=member.headers)).status_code == 200
    await client.delete(f"{ROLES}/{role_id}/permissions/{read['id']}", headers=superadmin.headers)
    assert (await client.get("/api/v1/users", headers=member.headers)).status_code == 403


async def test_soft_deleted_permission_is_not_honoured(client, app, superadmin: Account):
    resource = unique_name("reports").replace("-", "_")
    permission = (
        await client.post(
            PERMISSIONS, json={"resource": resource, "action": "read"}, headers=superadmin.headers
        )
    ).json()["data"]
    name = unique_name("analyst")
    await client.post(
        ROLES, json={"name": name, "permission_ids": [permission["id"]]}, headers=superadmin.headers
    )
    member = await new_account(client)
    await set_role(app, member.id, name)
    # /users/me lists exactly the set require_permission checks against.
    me = (await client.get("/api/v1/users/me", headers=member.headers)).json()["data"]
    assert me["permissions"] == [permission["name"]]
    await client.delete(f"{PERMISSIONS}/{permission['id']}", headers=superadmin.headers)
    me = (await client.get("/api/v1/users/me", headers=member.headers)).json()["data"]
    assert me["permissions"] == []


async def test_nobody_grants_permissions_they_do_not_hold(client, app, superadmin: Account):
    # A custom role holding roles:write but not permissions:delete tries to hand it out.
    perms = (await client.get(PERMISSIONS, params={"limit": 500}, headers=superadmin.headers)).json()["data"][
        "items"
    ]
    by_name = {p["name"]: p["id"] for p in perms}
    name = unique_name("delegate")
    await client.post(
        ROLES,
        json={"name": name, "permission_ids": [by_name["roles:write"], by_name["roles:read"]]},
        headers=superadmin.headers,
    )
    delegate = await new_account(client)
    await set_role(app, delegate.id, name)
    escalate = await client.post(
        ROLES,
        json={"name": unique_name("evil"), "permission_ids": [by_name["permissions:delete"]]},
        headers=delegate.headers,
    )
    assert escalate.status_code == 403
    allowed = await client.post(
        ROLES,
        json={"name": unique_name("ok"), "permission_ids": [by_name["roles:read"]]},
        headers=delegate.headers,
    )
    assert allowed.status_code == 201


async def test_validation_on_role_and_permission_payloads(client, superadmin: Account):
    bad = [
        (PERMISSIONS, {"resource": "Has Spaces", "action": "read"}),
        (PERMISSIONS, {"resource": "x" * 65, "action": "read"}),
        (ROLES, {"name": ""}),
        (ROLES, {"name": "ok", "permission_ids": ["not-a-uuid"]}),
        (ROLES, {"name": "ok", "is_system": True}),
    ]
    for path, body in bad:
        assert (await client.post(path, json=body, headers=superadmin.headers)).status_code == 422, body
    unknown = await client.post(
        ROLES,
        json={"name": unique_name("x"), "permission_ids": [str(uuid.uuid4())]},
        headers=superadmin.headers,
    )
    assert unknown.status_code == 404


@pytest.fixture(scope="module")
def product_app(settings: Settings) -> FastAPI:
    """A fresh app for the audits: the shared `app` may carry test-only routes (the widgets
    resource that tests/core mounts on it), which made the audit fail depending on test order."""
    return create_app(settings)


async def test_every_route_is_public_owner_scoped_or_permission_guarded(product_app):
    """The generic audit: read from the routes themselves, no hand-kept list."""
    routes = route_accesses(product_app)
    assert len(routes) > 40  # the walk sees the included routers, not just the app's own routes
    by_route = {(item.method, item.path): item for item in routes}
    assert by_route[("POST", "/api/v1/roles")].access == PERMISSION
    assert by_route[("POST", "/api/v1/roles")].permissions == ("roles:write",)
    assert by_route[("GET", "/api/v1/users")].access == PERMISSION
    assert by_route[("GET", "/api/v1/users/me")].access == OWNER
    assert by_route[("POST", "/api/v1/auth/login")].access == PUBLIC
    assert by_route[("GET", "/health/live")].access == PUBLIC
    assert unguarded_routes(product_app) == []


async def test_the_audit_catches_a_route_without_guard_or_declaration(settings: Settings):
    app = create_app(settings)
    extra = APIRouter(prefix="/api/v1/audit-probe")

    @extra.get("/open")
    async def forgotten() -> dict[str, str]:
        return {}

    @extra.get("/declared")
    @public
    async def declared() -> dict[str, str]:
        return {}

    @extra.get("/mine")
    async def mine(user: CurrentUser) -> dict[str, str]:
        return {}

    @extra.delete("/admin", dependencies=[Depends(require_permission("users", "delete"))])
    async def admin_only() -> dict[str, str]:
        return {}

    app.include_router(extra)
    assert unguarded_routes(app) == [("GET", "/api/v1/audit-probe/open")]


async def test_public_routes_of_a_domain_are_read_from_its_markers():
    from mosaic.accounts import domain as accounts

    declared = set(accounts.public_routes())
    assert ("POST", "/auth/login") in declared and ("GET", "/plans/{plan_id}") in declared
    assert ("GET", "/users/me") not in declared and ("POST", "/plans") not in declared
