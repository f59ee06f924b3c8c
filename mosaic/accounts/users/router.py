"""HTTP layer of users: the caller's own account, and administration behind permissions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile, status

from mosaic.accounts.deps import CurrentPrincipal, Principal, load_current_user, require_permission
from mosaic.accounts.users import service
from mosaic.accounts.users.models import User
from mosaic.accounts.users.schemas import AdminUserOut, AdminUserUpdate, MeOut, UserUpdateMe
from mosaic.core.cache import cache_key, cached_model, entity_tag, request_cache
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import ActiveFilter, IncludeDeleted, Page, PageParams, page_of
from mosaic.core.params import DateTimeParam, QueryFlag
from mosaic.providers.storage import StorageDep, StorageProvider

router = APIRouter(prefix="/users", tags=["users"])


async def _fresh_avatar(out: MeOut, user: User, storage: StorageProvider) -> MeOut:
    """Presigned URLs expire: never serve a cached one, sign the stored key again."""
    if user.avatar_key:
        out.avatar_url = await storage.url(user.avatar_key)
    return out


async def _me(principal: Principal, user: User, request: Request) -> MeOut:
    """Built from the principal (cached per token): no database round trip."""
    granted = sorted(principal.permissions | ({"*"} if principal.is_superadmin else set()))
    out = MeOut.of(user, permissions=granted)
    return await _fresh_avatar(out, user, request.app.state.storage)


@router.get("/me", response_model=Envelope[MeOut], summary="My profile", responses=error_responses(401))
async def get_me(principal: CurrentPrincipal, request: Request) -> Envelope[MeOut]:
    return ok(await _me(principal, principal.user, request), "User retrieved successfully")


@router.put(
    "/me", response_model=Envelope[MeOut], summary="Update my profile", responses=error_responses(401)
)
async def update_me(
    body: UserUpdateMe, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> Envelope[MeOut]:
    user = await service.update_me(session, await load_current_user(session, principal), body)
    return ok(await _me(principal, user, request), "User updated successfully")


@router.post(
    "/me/avatar",
    response_model=Envelope[MeOut],
    status_code=status.HTTP_201_CREATED,
    summary="Upload my avatar (JPEG, PNG or GIF; replaces the previous one)",
    responses=error_responses(401, 413, 415),
)
async def upload_avatar(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    storage: StorageDep,
    request: Request,
    file: Annotated[UploadFile, File(description="The image; its content decides its type")],
) -> Envelope[MeOut]:
    user = await load_current_user(session, principal)
    await service.set_avatar(session, storage, settings, user, file)
    return ok(await _me(principal, user, request), "Avatar uploaded", status_code=201)


@router.delete(
    "/me/avatar",
    response_model=Envelope[MeOut],
    summary="Remove my avatar (back to the default)",
    responses=error_responses(401),
)
async def delete_avatar(
    session: SessionDep, principal: CurrentPrincipal, storage: StorageDep, request: Request
) -> Envelope[MeOut]:
    user = await load_current_user(session, principal)
    await service.remove_avatar(session, storage, user)
    return ok(await _me(principal, user, request), "Avatar removed")


@router.delete(
    "/me",
    response_model=Envelope[None],
    summary="Delete my account (soft delete)",
    responses=error_responses(401, 409),
)
async def delete_me(session: SessionDep, principal: CurrentPrincipal) -> Envelope[None]:
    await service.delete_me(session, await load_current_user(session, principal))
    return ok(None, "User deleted successfully")


@router.get(
    "",
    response_model=Envelope[Page[AdminUserOut]],
    summary="List users (admin)",
    responses=error_responses(401, 403),
    dependencies=[Depends(require_permission("users", "read"))],
)
async def list_users(
    session: SessionDep,
    page: Annotated[PageParams, service.UserRepository.pagination],
    request: Request,
    email: Annotated[str | None, Query(max_length=320, description="Substring of the email")] = None,
    role: Annotated[str | None, Query(max_length=64, description="Role name")] = None,
    is_verified: Annotated[
        QueryFlag | None, Query(description="Only verified (`true`) or unverified users.")
    ] = None,
    is_active: ActiveFilter = None,
    created_from: Annotated[
        DateTimeParam | None, Query(description="created_at >= this (RFC 3339, with an offset).")
    ] = None,
    created_to: Annotated[
        DateTimeParam | None, Query(description="created_at <= this (RFC 3339, with an offset).")
    ] = None,
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[AdminUserOut]]:
    # Cached per filter set; any write to a user (a login too: `last_login_at`) or a role drops it.
    filters: dict[str, Any] = {
        "email": email,
        "role": role,
        "is_verified": is_verified,
        "is_active": is_active,
        "created_from": created_from,
        "created_to": created_to,
        "include_deleted": include_deleted,
    }

    async def load() -> Page[AdminUserOut]:
        users, total = await service.list_users(session, page, **filters)
        return page_of(AdminUserOut, users, total, page, _admin_out)

    key = cache_key("users", "admin_list", {**filters, "page": page})
    data = await cached_model(
        request_cache(request), key, load, Page[AdminUserOut], tags=["users", "roles"], session=session
    )
    return ok(data, "Users retrieved successfully")


def _admin_out(user: User) -> AdminUserOut:
    return AdminUserOut.of(user, is_deleted=user.is_deleted, last_login_at=user.last_login_at)


@router.get(
    "/{user_id}",
    response_model=Envelope[AdminUserOut],
    summary="Get a user (admin)",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("users", "read"))],
)
async def get_user(user_id: uuid.UUID, session: SessionDep, request: Request) -> Envelope[AdminUserOut]:
    async def load() -> AdminUserOut:
        return _admin_out(await service.load_user(session, user_id))

    key = cache_key("users", "admin_get", {"id": user_id})
    tags = [entity_tag("users", user_id), "roles"]
    data = await cached_model(request_cache(request), key, load, AdminUserOut, tags=tags, session=session)
    return ok(data, "User retrieved successfully")


@router.put(
    "/{user_id}",
    response_model=Envelope[AdminUserOut],
    summary="Update a user (admin)",
    responses=error_responses(401, 403, 404, 409),
)
async def update_user(
    user_id: uuid.UUID,
    body: AdminUserUpdate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("users", "write"))],
) -> Envelope[AdminUserOut]:
    user = await service.admin_update(
        session, principal.user.id, principal.permissions, principal.is_superadmin, user_id, body
    )
    return ok(_admin_out(user), "User updated successfully")


@router.delete(
    "/{user_id}",
    response_model=Envelope[None],
    summary="Delete a user (admin, soft delete)",
    responses=error_responses(401, 403, 404, 409),
)
async def delete_user(
    user_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("users", "delete"))],
) -> Envelope[None]:
    await service.admin_delete(
        session, principal.user.id, principal.permissions, principal.is_superadmin, user_id
    )
    return ok(None, "User deleted successfully")


@router.post(
    "/{user_id}/restore",
    response_model=Envelope[AdminUserOut],
    summary="Restore a soft-deleted user (admin)",
    responses=error_responses(401, 403, 404, 409),
)
async def restore_user(
    user_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_permission("users", "write"))],
) -> Envelope[AdminUserOut]:
    user = await service.admin_restore(session, principal.permissions, principal.is_superadmin, user_id)
    return ok(_admin_out(user), "User restored successfully")
