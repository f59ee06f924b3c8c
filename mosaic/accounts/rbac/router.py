"""HTTP layer of roles and permissions (seed 003 Steps 6-7): reads need `*:read`, writes are superadmin's."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from mosaic.accounts.deps import Principal, require_permission
from mosaic.accounts.rbac import service
from mosaic.accounts.rbac.models import Role
from mosaic.accounts.rbac.schemas import (
    PermissionIn,
    PermissionOut,
    PermissionUpdate,
    RoleIn,
    RoleOut,
    RolePermissionsIn,
    RoleUpdate,
)
from mosaic.accounts.users.service import users_with_role
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import IncludeDeleted, Page, PageParams, page_of

permissions_router = APIRouter(prefix="/permissions", tags=["permissions"])
roles_router = APIRouter(prefix="/roles", tags=["roles"])

GUARDED = error_responses(401, 403)


def role_out(role: Role) -> RoleOut:
    live = [PermissionOut.model_validate(p) for p in role.permissions if not p.is_deleted]
    return RoleOut.model_validate(
        {**{k: getattr(role, k) for k in RoleOut.model_fields if k != "permissions"}, "permissions": live}
    )


@permissions_router.get(
    "",
    response_model=Envelope[Page[PermissionOut]],
    summary="List permissions",
    responses=GUARDED,
    dependencies=[Depends(require_permission("permissions", "read"))],
)
async def list_permissions(
    session: SessionDep,
    page: Annotated[PageParams, service.PermissionRepository.pagination],
    resource: Annotated[
        str | None, Query(description="Only permissions of this resource, e.g. `users`.")
    ] = None,
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[PermissionOut]]:
    items, total = await service.list_permissions(session, page, resource, include_deleted)
    return ok(
        page_of(PermissionOut, items, total, page),
        "Permissions retrieved successfully",
    )


@permissions_router.get(
    "/{permission_id}",
    response_model=Envelope[PermissionOut],
    summary="Get a permission",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("permissions", "read"))],
)
async def get_permission(permission_id: uuid.UUID, session: SessionDep) -> Envelope[PermissionOut]:
    permission = await service.PermissionRepository(session).get_or_404(permission_id)
    return ok(PermissionOut.model_validate(permission), "Permission retrieved successfully")


@permissions_router.post(
    "",
    response_model=Envelope[PermissionOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a permission",
    responses=error_responses(401, 403, 409),
    dependencies=[Depends(require_permission("permissions", "write"))],
)
async def create_permission(body: PermissionIn, session: SessionDep) -> Envelope[PermissionOut]:
    permission = await service.create_permission(session, body)
    return created(PermissionOut.model_validate(permission), "Permission created successfully")


@permissions_router.put(
    "/{permission_id}",
    response_model=Envelope[PermissionOut],
    summary="Update a permission",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[Depends(require_permission("permissions", "write"))],
)
async def update_permission(
    permission_id: uuid.UUID, body: PermissionUpdate, session: SessionDep
) -> Envelope[PermissionOut]:
    permission = await service.update_permission(session, permission_id, body)
    return ok(PermissionOut.model_validate(permission), "Permission updated successfully")


@permissions_router.delete(
    "/{permission_id}",
    response_model=Envelope[None],
    summary="Delete a permission",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("permissions", "delete"))],
)
async def delete_permission(permission_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.delete_permission(session, permission_id)
    return ok(None, "Permission deleted successfully")


@roles_router.get(
    "",
    response_model=Envelope[Page[RoleOut]],
    summary="List roles",
    responses=GUARDED,
    dependencies=[Depends(require_permission("roles", "read"))],
)
async def list_roles(
    session: SessionDep,
    page: Annotated[PageParams, service.RoleRepository.pagination],
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[RoleOut]]:
    roles, total = await service.list_roles(session, page, include_deleted)
    return ok(page_of(RoleOut, roles, total, page, role_out), "Roles retrieved successfully")


@roles_router.get(
    "/{role_id}",
    response_model=Envelope[RoleOut],
    summary="Get a role",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("roles", "read"))],
)
async def get_role(role_id: uuid.UUID, session: SessionDep) -> Envelope[RoleOut]:
    return ok(
        role_out(await service.RoleRepository(session).get_or_404(role_id)), "Role retrieved successfully"
    )


@roles_router.post(
    "",
    response_model=Envelope[RoleOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a role",
    responses=error_responses(401, 403, 404, 409),
)
async def create_role(
    body: RoleIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("roles", "write"))],
) -> Envelope[RoleOut]:
    role = await service.create_role(session, body, principal.permissions, principal.is_superadmin)
    return created(role_out(role), "Role created successfully")


@roles_router.put(
    "/{role_id}",
    response_model=Envelope[RoleOut],
    summary="Update a role",
    responses=error_responses(401, 403, 404, 409),
)
async def update_role(
    role_id: uuid.UUID,
    body: RoleUpdate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("roles", "write"))],
) -> Envelope[RoleOut]:
    role = await service.update_role(session, role_id, body, principal.permissions, principal.is_superadmin)
    return ok(role_out(role), "Role updated successfully")


@roles_router.delete(
    "/{role_id}",
    response_model=Envelope[None],
    summary="Delete a role",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[Depends(require_permission("roles", "delete"))],
)
async def delete_role(role_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.delete_role(session, role_id, await users_with_role(session, role_id))
    return ok(None, "Role deleted successfully")


@roles_router.post(
    "/{role_id}/permissions",
    response_model=Envelope[RoleOut],
    summary="Grant permissions to a role",
    responses=error_responses(401, 403, 404),
)
async def add_role_permissions(
    role_id: uuid.UUID,
    body: RolePermissionsIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("roles", "write"))],
) -> Envelope[RoleOut]:
    role = await service.add_role_permissions(
        session, role_id, body.permission_ids, principal.permissions, principal.is_superadmin
    )
    return ok(role_out(role), "Permissions added to role")


@roles_router.delete(
    "/{role_id}/permissions/{permission_id}",
    response_model=Envelope[RoleOut],
    summary="Revoke a permission from a role",
    responses=error_responses(401, 403, 404),
)
async def remove_role_permission(
    role_id: uuid.UUID,
    permission_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("roles", "write"))],
) -> Envelope[RoleOut]:
    role = await service.remove_role_permission(
        session, role_id, permission_id, principal.permissions, principal.is_superadmin
    )
    return ok(role_out(role), "Permission removed from role")
