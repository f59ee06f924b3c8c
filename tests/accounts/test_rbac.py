"""Roles and permissions: CRUD, superadmin-only writes, escalation, freshness, and the route audit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from mosaic.accounts.deps import require_permission
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


# Routes any caller may use, and routes scoped to the caller's own account.
PUBLIC_ROUTES = {
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/auth/verify-email"),
    ("POST", "/api/v1/auth/resend-verification"),
    ("POST", "/api/v1/auth/forgot-password"),
    ("POST", "/api/v1/auth/reset-password"),
    ("GET", "/api/v1/auth/google/redirect"),
    ("GET", "/api/v1/auth/google/callback"),
    ("GET", "/api/v1/plans"),
    ("GET", "/api/v1/plans/{plan_id}"),
}
OWNER_ROUTES = {
    ("GET", "/api/v1/users/me/plans"),
    ("POST", "/api/v1/users/me/plans"),
    ("PUT", "/api/v1/users/me/plans/{user_plan_id}"),
    ("DELETE", "/api/v1/users/me/plans/{user_plan_id}"),
    ("GET", "/api/v1/users/me/settings"),
    ("PUT", "/api/v1/users/me/settings"),
    ("GET", "/api/v1/notifications"),
    ("GET", "/api/v1/notifications/unread-count"),
    ("PUT", "/api/v1/notifications/view-all"),
    ("PUT", "/api/v1/notifications/{notification_id}/view"),
    ("DELETE", "/api/v1/notifications/{notification_id}"),
    ("GET", "/api/v1/users/me"),
    ("PUT", "/api/v1/users/me"),
    ("DELETE", "/api/v1/users/me"),
    ("POST", "/api/v1/auth/change-password"),
    ("POST", "/api/v1/users/me/avatar"),
    ("DELETE", "/api/v1/users/me/avatar"),
    # trading: the caller's own resources; ownership is the check (another user's id is a 404)
    *{(m, "/api/v1/user-wallets") for m in ("GET", "POST")},
    *{(m, "/api/v1/user-wallets/{user_wallet_id}") for m in ("GET", "PUT", "DELETE")},
    *{(m, "/api/v1/trades") for m in ("GET", "POST")},
    ("GET", "/api/v1/trades/summary"),
    *{(m, "/api/v1/trades/{trade_id}") for m in ("GET", "PUT", "DELETE")},
    ("POST", "/api/v1/trades/{trade_id}/close"),
    ("POST", "/api/v1/trades/{trade_id}/cancel"),
    *{(m, "/api/v1/user-prompts") for m in ("GET", "POST")},
    *{(m, "/api/v1/user-prompts/{user_prompt_id}") for m in ("GET", "PUT", "DELETE")},
    ("POST", "/api/v1/prompts/mine"),
    *{(m, "/api/v1/flows") for m in ("GET", "POST")},
    *{(m, "/api/v1/flows/{flow_id}") for m in ("GET", "PUT", "DELETE")},
    ("POST", "/api/v1/flows/{flow_id}/run"),
    ("GET", "/api/v1/flows/{flow_id}/runs"),
    ("GET", "/api/v1/flow-runs/{run_id}"),
    # trading catalogues: any authenticated user reads active entries and public templates
    *{("GET", f"/api/v1/{res}") for res in ("wallets", "agents", "prompts")},
    *{("GET", f"/api/v1/{res}/{{{res[:-1]}_id}}") for res in ("wallets", "agents", "prompts")},
    *{(m, "/api/v1/prompts/mine/{prompt_id}") for m in ("PUT", "DELETE")},
}


def _dependency_calls(dependant: Any) -> list[object]:
    stack = list(dependant.dependencies)
    calls: list[object] = []
    while stack:
        current = stack.pop()
        calls.append(current.call)
        stack.extend(current.dependencies)
    return calls


def _is_public_prefix(path: str) -> bool:
    return path.startswith(("/docs", "/openapi", "/redoc"))


def api_routes(app: Any) -> list[tuple[str, str, Any]]:
    """(method, full path, dependant) of every API route, included routers expanded.

    FastAPI keeps included routers as wrappers in `app.routes`; `iter_route_contexts` yields the
    routes with their full paths and inherited (router-level) dependencies.
    """
    found = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or _is_public_prefix(str(route.path)):
            continue
        for method in route.methods or ():
            found.append((method, str(route.path), route.dependant))
    return found


@pytest.fixture(scope="module")
def product_app(settings: Settings) -> FastAPI:
    """A fresh app for the audits: the shared `app` may carry test-only routes (the widgets
    resource that tests/core mounts on it), which made the audit fail depending on test order."""
    return create_app(settings)


async def test_every_admin_or_mutating_route_has_a_permission_or_is_allow_listed(product_app):
    routes = api_routes(product_app)
    assert len(routes) > 40  # the walk sees the included routers, not just the app's own routes
    guarded = [
        (method, path)
        for method, path, dependant in routes
        if any(isinstance(call, require_permission) for call in _dependency_calls(dependant))
    ]
    assert ("POST", "/api/v1/roles") in guarded and ("GET", "/api/v1/users") in guarded
    unguarded = [
        (method, path)
        for method, path, dependant in routes
        if (method, path) not in PUBLIC_ROUTES
        and (method, path) not in OWNER_ROUTES
        and (method, path) not in guarded
    ]
    assert unguarded == [], f"routes without require_permission and not allow-listed: {unguarded}"


async def test_allow_lists_name_only_routes_that_exist(product_app):
    existing = {(method, path) for method, path, _ in api_routes(product_app)}
    assert (PUBLIC_ROUTES | OWNER_ROUTES) - existing == set()
