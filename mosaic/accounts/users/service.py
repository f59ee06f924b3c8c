"""Users: profile changes, administration, and the rules that keep accounts safe.

Deactivation, deletion and password changes revoke every token the user holds (the token
version moves on and refresh families are revoked), and the last active superadmin can be
neither demoted, deactivated nor deleted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import UploadFile
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from mosaic.accounts.auth.models import RefreshToken
from mosaic.accounts.plans.models import UserPlan
from mosaic.accounts.plans.service import default_plan
from mosaic.accounts.rbac.models import Role
from mosaic.accounts.rbac.service import SUPERADMIN, USER, RoleRepository, role_permission_names
from mosaic.accounts.users.models import User
from mosaic.accounts.users.schemas import AdminUserUpdate, ProfileFields
from mosaic.core.config import Settings
from mosaic.core.database import on_commit, utcnow
from mosaic.core.errors import (
    Conflict,
    Forbidden,
    ValidationFailed,
)
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.providers.storage import StorageProvider
from mosaic.providers.storage.images import store_image


class UserRepository(Repository[User]):
    model = User
    label = "User"
    sortable = frozenset({"created_at", "updated_at", "email", "first_name", "last_name", "last_login_at"})

    async def by_email(self, email: str) -> User | None:
        return await self.find_one(User.email == normalize_email(email))


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: `King.Arthur@x` and `king.arthur@x` are one account."""
    return email.strip().lower()


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password_hash: str | None,
    first_name: str = "",
    last_name: str = "",
    role_name: str = USER,
    is_verified: bool = False,
    **fields: Any,
) -> User:
    role = await RoleRepository(session).find_one(Role.name == role_name)
    user = await UserRepository(session).create(
        email=normalize_email(email),
        password_hash=password_hash,
        first_name=first_name,
        last_name=last_name,
        is_verified=is_verified,
        role_id=role.id if role else None,
        **fields,
    )
    plan = await default_plan(session)
    if plan is not None:  # every account starts on the default plan (seed 003)
        session.add(UserPlan(user_id=user.id, plan_id=plan.id, status="active", start_date=utcnow()))
        await session.flush()
    await session.refresh(user, ["role"])
    return user


async def load_user(session: AsyncSession, user_id: uuid.UUID, *, include_deleted: bool = False) -> User:
    repo = UserRepository(session)
    user = await repo.get_or_404(user_id, include_deleted=include_deleted)
    await session.refresh(user, ["role"])
    return user


def apply_profile(user: User, data: ProfileFields) -> dict[str, Any]:
    """Map the API's nested profile shapes onto columns; returns the column values to write."""
    given = data.model_dump(exclude_unset=True)
    values: dict[str, Any] = {}
    for name in ("first_name", "last_name", "bio", "locale"):
        if name in given and given[name] is not None:
            values[name] = given[name]
    if "bio" in given and given["bio"] is None:
        values["bio"] = None
    if "birthday" in given:
        problem = data.birthday.problem() if data.birthday else None
        if problem:
            raise ValidationFailed(
                problem,
                details=[
                    {"field": "birthday", "location": "body", "message": problem, "type": "value_error"}
                ],
            )
        values["birthday"] = data.birthday.to_date() if data.birthday else None
    if "phone_number" in given:
        phone = data.phone_number
        values["phone_country_code"] = phone.country_code if phone else None
        values["phone_number"] = phone.mobile_number if phone else None
    return values


async def revoke_all_tokens(session: AsyncSession, user: User) -> None:
    """Every access token dies with the version bump; every refresh family is revoked."""
    user.token_version += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await session.flush()


async def update_me(session: AsyncSession, user: User, data: ProfileFields) -> User:
    return await UserRepository(session).update(user, apply_profile(user, data))


async def delete_me(session: AsyncSession, user: User) -> None:
    await _ensure_not_last_superadmin(session, user)
    await revoke_all_tokens(session, user)
    await UserRepository(session).soft_delete(user)


async def _live_superadmins(session: AsyncSession) -> int:
    statement = (
        select(func.count())
        .select_from(User)
        .join(Role, User.role_id == Role.id)
        .where(Role.name == SUPERADMIN, User.is_deleted.is_(False), User.is_active.is_(True))
    )
    return int((await session.execute(statement)).scalar_one())


async def _ensure_not_last_superadmin(session: AsyncSession, user: User) -> None:
    if user.role is not None and user.role.name == SUPERADMIN and await _live_superadmins(session) <= 1:
        raise Conflict("The last active superadmin cannot be removed, demoted or deactivated")


async def list_users(
    session: AsyncSession,
    params: PageParams,
    *,
    email: str | None,
    role: str | None,
    is_verified: bool | None,
    is_active: bool | None,
    created_from: datetime | None,
    created_to: datetime | None,
    include_deleted: bool,
) -> tuple[list[User], int]:
    filters: list[ColumnElement[bool]] = []
    if email:
        escaped = email.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        filters.append(User.email.like(f"%{escaped}%", escape="\\"))
    if role:
        filters.append(User.role_id.in_(select(Role.id).where(Role.name == role)))
    if created_from:
        filters.append(User.created_at >= created_from.astimezone(UTC))
    if created_to:
        filters.append(User.created_at <= created_to.astimezone(UTC))
    repo = UserRepository(session)
    users, total = await repo.paginate(
        params,
        include_deleted=include_deleted,
        filters=filters,
        filter_by={"is_verified": is_verified, "is_active": is_active},
    )
    return users, total


async def ensure_may_manage(
    session: AsyncSession, actor_permissions: frozenset[str], actor_is_superadmin: bool, user: User
) -> None:
    """Only a superadmin changes a superadmin, and nobody changes an account whose role holds
    permissions they lack: otherwise an admin could demote, disable or delete their superiors."""
    if actor_is_superadmin:
        return
    if user.role is not None and user.role.name == SUPERADMIN:
        raise Forbidden("Only a superadmin can change a superadmin")
    if not await role_permission_names(session, user.role) <= actor_permissions:
        raise Forbidden("You cannot change an account whose role is above your own")


async def admin_update(
    session: AsyncSession,
    actor_id: uuid.UUID,
    actor_permissions: frozenset[str],
    actor_is_superadmin: bool,
    user_id: uuid.UUID,
    data: AdminUserUpdate,
) -> User:
    user = await load_user(session, user_id)
    await ensure_may_manage(session, actor_permissions, actor_is_superadmin, user)
    given = data.model_dump(exclude_unset=True)
    values = apply_profile(user, data)
    if "role_id" in given and given["role_id"] != user.role_id:
        if user.id == actor_id:
            raise Forbidden("You cannot change your own role")
        role = await RoleRepository(session).get_or_404(given["role_id"]) if given["role_id"] else None
        granted = await role_permission_names(session, role)
        if not actor_is_superadmin and (
            (role is not None and role.name == SUPERADMIN) or not granted <= actor_permissions
        ):
            raise Forbidden("You cannot assign a role with permissions you do not hold")
        await _ensure_not_last_superadmin(session, user)
        values["role_id"] = role.id if role else None
        await revoke_all_tokens(session, user)
    if given.get("is_active") is False and user.is_active:
        await _ensure_not_last_superadmin(session, user)
        await revoke_all_tokens(session, user)
    for flag in ("is_active", "is_verified"):
        if given.get(flag) is not None:
            values[flag] = given[flag]
    await UserRepository(session).update(user, values)
    await session.refresh(user, ["role"])
    return user


async def admin_delete(
    session: AsyncSession,
    actor_id: uuid.UUID,
    actor_permissions: frozenset[str],
    actor_is_superadmin: bool,
    user_id: uuid.UUID,
) -> None:
    user = await load_user(session, user_id)
    if user.id == actor_id:
        raise Forbidden("Use DELETE /users/me to delete your own account")
    await ensure_may_manage(session, actor_permissions, actor_is_superadmin, user)
    await _ensure_not_last_superadmin(session, user)
    await revoke_all_tokens(session, user)
    await UserRepository(session).soft_delete(user)


async def admin_restore(
    session: AsyncSession, actor_permissions: frozenset[str], actor_is_superadmin: bool, user_id: uuid.UUID
) -> User:
    repo = UserRepository(session)
    user = await repo.get_or_404(user_id, include_deleted=True)
    await session.refresh(user, ["role"])
    await ensure_may_manage(session, actor_permissions, actor_is_superadmin, user)
    if user.is_deleted and await repo.by_email(user.email):
        raise Conflict("Another live account uses this email")
    await repo.restore(user)
    await session.refresh(user, ["role"])
    return user


async def users_with_role(session: AsyncSession, role_id: uuid.UUID) -> int:
    statement = (
        select(func.count()).select_from(User).where(User.role_id == role_id, User.is_deleted.is_(False))
    )
    return int((await session.execute(statement)).scalar_one())


async def user_for_external_identity(session: AsyncSession, claims: dict[str, Any]) -> User | None:
    """The local user of an external subject, created on first sight with the `user` role."""
    subject = f"{claims['iss']}|{claims['sub']}"
    found = (
        await session.execute(
            select(User)
            .options(joinedload(User.role))
            .where(User.external_subject == subject, User.is_deleted.is_(False))
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    email = claims.get("email")
    verified = claims.get("email_verified") is True  # a JSON boolean, never a truthy string
    if not isinstance(email, str) or "@" not in email:
        email = f"{uuid.uuid5(uuid.NAMESPACE_URL, subject).hex}@external.invalid"
        verified = False
    if verified:
        existing = await UserRepository(session).by_email(email)
        if existing is not None and existing.external_subject is None:
            existing.external_subject = subject  # same verified mailbox: link, as Google sign-in does
            await session.flush()
            await session.refresh(existing, ["role"])
            return existing
    elif await UserRepository(session).by_email(email):
        email = f"{uuid.uuid5(uuid.NAMESPACE_URL, subject).hex}@external.invalid"
    name = str(claims.get("name") or "")
    first, _, last = name.partition(" ")
    return await create_user(
        session,
        email=email,
        password_hash=None,
        first_name=first[:100],
        last_name=last[:100],
        is_verified=verified,
        external_subject=subject,
    )


# -- avatar -------------------------------------------------------------------------------------
async def set_avatar(
    session: AsyncSession, storage: StorageProvider, settings: Settings, user: User, upload: UploadFile
) -> User:
    """Validate by content (never the declared type or name), store under a server-made key.

    Through the shared image pipeline (`store_image`); the key is
    `avatars/{user_id}/{timestamp}_{uuid}.{detected_ext}`; the previous file is deleted once the
    new one is committed.
    """
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    stored = await store_image(
        storage,
        upload,
        base_key=f"avatars/{user.id}/{stamp}_{uuid.uuid4().hex}",
        max_bytes=settings.MAX_AVATAR_SIZE_MB * 1024 * 1024,
        allowed_types=settings.ALLOWED_AVATAR_TYPES,
        with_thumbnail=False,
        what="Avatar",
    )
    key = stored.key
    previous = user.avatar_key
    await UserRepository(session).update(user, {"avatar_key": key, "avatar_url": await storage.url(key)})
    if previous and previous != key:
        _delete_after_commit(session, storage, previous)
    return user


async def remove_avatar(session: AsyncSession, storage: StorageProvider, user: User) -> User:
    previous = user.avatar_key
    await UserRepository(session).update(user, {"avatar_key": None, "avatar_url": None})
    if previous:
        _delete_after_commit(session, storage, previous)
    return user


def _delete_after_commit(session: AsyncSession, storage: StorageProvider, key: str) -> None:
    async def delete() -> None:
        await storage.delete(key)

    on_commit(session, delete)
