"""Roles and permissions: resolution for every request, administration, and the default data.

A role's effective permissions are cached per process, keyed by the role's id *and* its
`updated_at`. Every change to a role's grants, and every change to a permission, touches the
roles concerned, and the user query already loads the role row, so a stale entry is never hit:
other processes see the new `updated_at` on their next request without any shared invalidation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mosaic.accounts.rbac.models import Permission, Role, role_permissions
from mosaic.accounts.rbac.schemas import PermissionIn, PermissionUpdate, RoleIn, RoleUpdate
from mosaic.core.crud import put_values
from mosaic.core.database import utcnow
from mosaic.core.domain import Domain
from mosaic.core.errors import Conflict, Forbidden, NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

SUPERADMIN = "superadmin"
ADMIN = "admin"
USER = "user"
SYSTEM_ROLES = (SUPERADMIN, ADMIN, USER)

_permission_cache: dict[tuple[uuid.UUID, datetime], frozenset[str]] = {}
_CACHE_LIMIT = 1024


class PermissionRepository(Repository[Permission]):
    model = Permission
    label = "Permission"
    sortable = frozenset({"created_at", "name", "resource", "action"})
    default_sort = "name"


class RoleRepository(Repository[Role]):
    model = Role
    label = "Role"
    sortable = frozenset({"created_at", "name"})
    default_sort = "name"

    def select(self, **conditions: Any) -> Select[Role]:
        return super().select(**conditions).options(selectinload(Role.permissions))

    async def paginate(self, params: PageParams, **kwargs: Any) -> tuple[list[Role], int]:
        roles, total = await super().paginate(params, **kwargs)
        for role in roles:
            await self.session.refresh(role, ["permissions"])
        return roles, total


async def role_permission_names(session: AsyncSession, role: Role | None) -> frozenset[str]:
    """The live permissions a role grants; a deleted role grants nothing."""
    if role is None or role.is_deleted:
        return frozenset()
    key = (role.id, role.updated_at)
    cached = _permission_cache.get(key)
    if cached is not None:
        return cached
    rows = await session.execute(
        select(Permission.name)
        .join(role_permissions, role_permissions.c.permission_id == Permission.id)
        .where(role_permissions.c.role_id == role.id, Permission.is_deleted.is_(False))
    )
    names = frozenset(rows.scalars().all())
    if len(_permission_cache) >= _CACHE_LIMIT:
        _permission_cache.clear()
    _permission_cache[key] = names
    return names


async def _touch_roles(session: AsyncSession, role_ids: Iterable[uuid.UUID]) -> None:
    ids = list(role_ids)
    if ids:
        await session.execute(update(Role).where(Role.id.in_(ids)).values(updated_at=utcnow()))


async def _roles_granting(session: AsyncSession, permission_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(role_permissions.c.role_id).where(role_permissions.c.permission_id == permission_id)
    )
    return list(rows.scalars().all())


# -- permissions ------------------------------------------------------------------------------
async def list_permissions(
    session: AsyncSession, params: PageParams, resource: str | None, include_deleted: bool
) -> tuple[list[Permission], int]:
    return await PermissionRepository(session).paginate(
        params, include_deleted=include_deleted, filter_by={"resource": resource}
    )


async def create_permission(session: AsyncSession, data: PermissionIn) -> Permission:
    repo = PermissionRepository(session)
    name = f"{data.resource}:{data.action}"
    if await repo.find_one(Permission.name == name):
        raise Conflict(f"Permission '{name}' already exists")
    return await repo.create(
        resource=data.resource, action=data.action, name=name, description=data.description
    )


async def update_permission(
    session: AsyncSession, permission_id: uuid.UUID, data: PermissionUpdate
) -> Permission:
    repo = PermissionRepository(session)
    permission = await repo.get_or_404(permission_id)
    values = put_values(data, Permission)
    resource = values.get("resource", permission.resource)
    action = values.get("action", permission.action)
    name = f"{resource}:{action}"
    if name != permission.name:
        if await repo.find_one(Permission.name == name):
            raise Conflict(f"Permission '{name}' already exists")
        values["name"] = name
    await _touch_roles(session, await _roles_granting(session, permission.id))
    return await repo.update(permission, values)


async def delete_permission(session: AsyncSession, permission_id: uuid.UUID) -> None:
    repo = PermissionRepository(session)
    permission = await repo.get_or_404(permission_id)
    await _touch_roles(session, await _roles_granting(session, permission.id))
    await repo.soft_delete(permission)


# -- roles ------------------------------------------------------------------------------------
async def _live_permissions(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Permission]:
    if not ids:
        return []
    rows = await session.execute(
        select(Permission).where(Permission.id.in_(list(ids)), Permission.is_deleted.is_(False))
    )
    found = list(rows.scalars().all())
    missing = set(ids) - {p.id for p in found}
    if missing:
        raise NotFound(f"Permission not found: {sorted(str(m) for m in missing)[0]}")
    return found


def _ensure_can_grant(
    actor_permissions: frozenset[str], actor_is_superadmin: bool, granted: Iterable[str]
) -> None:
    """Nobody hands out a permission they do not hold themselves."""
    if actor_is_superadmin:
        return
    lacking = sorted(set(granted) - actor_permissions)
    if lacking:
        raise Forbidden(f"You cannot grant permissions you do not hold: {', '.join(lacking)}")


async def list_roles(
    session: AsyncSession, params: PageParams, include_deleted: bool
) -> tuple[list[Role], int]:
    return await RoleRepository(session).paginate(params, include_deleted=include_deleted)


async def create_role(
    session: AsyncSession, data: RoleIn, actor_permissions: frozenset[str], actor_is_superadmin: bool
) -> Role:
    repo = RoleRepository(session)
    if await repo.find_one(Role.name == data.name):
        raise Conflict(f"Role '{data.name}' already exists")
    permissions = await _live_permissions(session, data.permission_ids)
    _ensure_can_grant(actor_permissions, actor_is_superadmin, (p.name for p in permissions))
    role = await repo.create(name=data.name, description=data.description, permissions=permissions)
    return role


def ensure_may_change_role(actor_permissions: frozenset[str], actor_is_superadmin: bool, role: Role) -> None:
    """Nobody edits a role above their own (the superadmin role, or one granting what they lack)."""
    if actor_is_superadmin:
        return
    held = {p.name for p in role.permissions if not p.is_deleted}
    if role.name == SUPERADMIN or not held <= actor_permissions:
        raise Forbidden("You cannot change a role above your own")


async def update_role(
    session: AsyncSession,
    role_id: uuid.UUID,
    data: RoleUpdate,
    actor_permissions: frozenset[str],
    actor_is_superadmin: bool,
) -> Role:
    repo = RoleRepository(session)
    role = await repo.get_or_404(role_id)
    ensure_may_change_role(actor_permissions, actor_is_superadmin, role)
    values = put_values(data, Role)
    if "name" in values and values["name"] != role.name:
        if role.is_system:
            raise Conflict("System roles cannot be renamed")
        if await repo.find_one(Role.name == values["name"]):
            raise Conflict(f"Role '{values['name']}' already exists")
    return await repo.update(role, values)


async def delete_role(session: AsyncSession, role_id: uuid.UUID, users_with_role: int) -> None:
    repo = RoleRepository(session)
    role = await repo.get_or_404(role_id)
    if role.is_system:
        raise Conflict("System roles cannot be deleted")
    if users_with_role:
        raise Conflict(f"Role is assigned to {users_with_role} user(s); reassign them first")
    await repo.soft_delete(role)


async def add_role_permissions(
    session: AsyncSession,
    role_id: uuid.UUID,
    permission_ids: Sequence[uuid.UUID],
    actor_permissions: frozenset[str],
    actor_is_superadmin: bool,
) -> Role:
    role = await RoleRepository(session).get_or_404(role_id)
    ensure_may_change_role(actor_permissions, actor_is_superadmin, role)
    permissions = await _live_permissions(session, permission_ids)
    _ensure_can_grant(actor_permissions, actor_is_superadmin, (p.name for p in permissions))
    current = {p.id for p in role.permissions}
    role.permissions.extend(p for p in permissions if p.id not in current)
    role.updated_at = utcnow()
    await session.flush()
    return role


async def remove_role_permission(
    session: AsyncSession,
    role_id: uuid.UUID,
    permission_id: uuid.UUID,
    actor_permissions: frozenset[str],
    actor_is_superadmin: bool,
) -> Role:
    role = await RoleRepository(session).get_or_404(role_id)
    ensure_may_change_role(actor_permissions, actor_is_superadmin, role)
    if not any(p.id == permission_id for p in role.permissions):
        raise NotFound("Permission is not granted by this role")
    role.permissions = [p for p in role.permissions if p.id != permission_id]
    role.updated_at = utcnow()
    await session.flush()
    return role


async def get_role_by_name(session: AsyncSession, name: str) -> Role | None:
    return await RoleRepository(session).find_one(Role.name == name)


# -- default data -----------------------------------------------------------------------------
async def sync_rbac(session: AsyncSession, domains: Sequence[Domain]) -> None:
    """Create every declared permission and the default roles; idempotent.

    A role gets its default permissions when it is created, and afterwards only the permissions
    that are new in this run (a domain switched on later): an administrator's deliberate removal
    of a grant is not undone by a restart.
    """
    repo = PermissionRepository(session)
    existing = {p.name: p for p in (await session.execute(select(Permission))).scalars().all()}
    new_names: set[str] = set()
    for domain in domains:
        for spec in domain.permissions:
            if spec.name in existing:
                continue
            existing[spec.name] = await repo.create(
                resource=spec.resource, action=spec.action, name=spec.name, description=spec.description
            )
            new_names.add(spec.name)

    wanted: dict[str, set[str]] = {name: set() for name in SYSTEM_ROLES}
    for domain in domains:
        domain_names = {spec.name for spec in domain.permissions}
        for role_name, grants in domain.default_roles.items():
            wanted.setdefault(role_name, set()).update(domain_names if "*" in grants else set(grants))
    wanted[SUPERADMIN] = set(existing)

    roles = RoleRepository(session)
    for role_name, granted in wanted.items():
        role = await roles.find_one(Role.name == role_name)
        live = [existing[n] for n in sorted(granted) if n in existing and not existing[n].is_deleted]
        if role is None:
            await roles.create(
                name=role_name,
                description=f"Default {role_name} role",
                is_system=role_name in SYSTEM_ROLES,
                permissions=live,
            )
            continue
        held = {p.id for p in role.permissions}
        added = [p for p in live if p.name in new_names and p.id not in held]
        if added:
            role.permissions.extend(added)
            role.updated_at = utcnow()
    await session.flush()
