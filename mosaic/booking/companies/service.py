"""Companies and their teams: create (a studio owner becomes its owner), members, invitations.

Invitations are links with a random token (only its SHA-256 is stored): single-use (claimed by an
atomic `UPDATE ... WHERE status = 'pending'`), expiring after BOOKING_INVITATION_EXPIRE_HOURS,
revocable by an owner, and accepted only by the account whose email was invited. The last owner
of a company can neither leave nor be demoted or removed.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import UploadFile
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.users.models import User
from mosaic.booking.access import CompanyAccess
from mosaic.booking.common import slugify
from mosaic.booking.companies.models import Company, CompanyInvitation, CompanyMember
from mosaic.booking.companies.schemas import CompanyIn, CompanyUpdate, InvitationIn
from mosaic.booking.studios.models import Studio
from mosaic.core.config import Settings
from mosaic.core.crud import put_values
from mosaic.core.database import utcnow
from mosaic.core.errors import Conflict, NotFound
from mosaic.core.jobs import JobQueue
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.core.security import sha256_hex
from mosaic.providers.email import queue_email
from mosaic.providers.storage import StorageProvider
from mosaic.providers.storage.images import StoredImage, store_image

logger = logging.getLogger("mosaic.booking.companies")


class CompanyRepository(Repository[Company]):
    model = Company
    label = "Company"
    sortable = frozenset({"name", "created_at", "updated_at"})
    default_sort = "name"


class InvitationRepository(Repository[CompanyInvitation]):
    model = CompanyInvitation
    label = "Invitation"


class MemberRepository(Repository[CompanyMember]):
    """Members sort by when they joined (the default) or were last changed; the route's `sort`
    is declared from this whitelist."""

    model = CompanyMember
    label = "Member"
    default_sort = "created_at"


async def unique_slug(repo: Repository[Company] | Repository[Studio], wanted: str | None, name: str) -> str:
    """An explicit slug must be free (409 SLUG_TAKEN); a derived one gets `-2`, `-3`... until it is."""
    model = repo.model
    if wanted:
        if await repo.find_one(model.slug == wanted):
            raise Conflict(f"The slug '{wanted}' is already taken", code="SLUG_TAKEN")
        return wanted
    base = slugify(name)
    taken = set(
        (
            await repo.session.execute(
                select(model.slug).where(model.slug.like(f"{base}%"), model.is_deleted.is_(False))
            )
        ).scalars()
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def create_company(session: AsyncSession, user_id: uuid.UUID, data: CompanyIn) -> Company:
    repo = CompanyRepository(session)
    slug = await unique_slug(repo, data.slug, data.name)
    company = await repo.create(name=data.name, slug=slug, description=data.description, created_by=user_id)
    session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
    await session.flush()
    logger.info("company %s created by %s", company.id, user_id)
    return company


async def my_companies(
    session: AsyncSession, user_id: uuid.UUID, params: PageParams
) -> tuple[list[tuple[Company, str]], int]:
    member_of = select(CompanyMember.company_id).where(CompanyMember.user_id == user_id)
    rows, total = await CompanyRepository(session).paginate(params, filters=[Company.id.in_(member_of)])
    result = await session.execute(
        select(CompanyMember.company_id, CompanyMember.role).where(
            CompanyMember.user_id == user_id, CompanyMember.company_id.in_([r.id for r in rows])
        )
    )
    roles = {company_id: role for company_id, role in result.all()}
    return [(row, roles[row.id]) for row in rows], total


async def update_company(session: AsyncSession, access: CompanyAccess, data: CompanyUpdate) -> Company:
    repo = CompanyRepository(session)
    values = put_values(data, Company)
    if values.get("slug") and values["slug"] != access.company.slug:
        values["slug"] = await unique_slug(repo, values["slug"], access.company.name)
    return await repo.update(access.company, values)


async def delete_company(session: AsyncSession, access: CompanyAccess) -> None:
    """Soft delete; its studios leave the search with it (soft-deleted too)."""
    now = utcnow()
    await session.execute(
        update(Studio)
        .where(Studio.company_id == access.company.id, Studio.is_deleted.is_(False))
        .values(is_deleted=True, deleted_at=now, is_published=False)
    )
    await CompanyRepository(session).soft_delete(access.company)
    logger.info("company %s deleted by %s", access.company.id, access.user_id)


async def set_logo(
    session: AsyncSession,
    storage: StorageProvider,
    settings: Settings,
    access: CompanyAccess,
    upload: UploadFile,
) -> StoredImage:
    company = access.company
    stored = await store_image(
        storage,
        upload,
        base_key=f"companies/{company.id}/logo-{uuid.uuid4().hex}",
        max_bytes=settings.BOOKING_MAX_PHOTO_SIZE_MB * 1024 * 1024,
        allowed_types=settings.ALLOWED_AVATAR_TYPES,
        what="Logo",
    )
    company.logo_key = stored.key
    await session.flush()
    return stored


# -- members ------------------------------------------------------------------------------------
async def list_members(
    session: AsyncSession, company_id: uuid.UUID, params: PageParams
) -> tuple[list[tuple[CompanyMember, User]], int]:
    where = [CompanyMember.company_id == company_id]
    total = int(
        (await session.execute(select(func.count()).select_from(CompanyMember).where(*where))).scalar_one()
    )
    rows = (
        await session.execute(
            select(CompanyMember, User)
            .join(User, User.id == CompanyMember.user_id)
            .where(*where)
            .order_by(*MemberRepository(session).order_by(params.sort))
            .limit(params.limit)
            .offset(params.offset)
        )
    ).all()
    return [(member, user) for member, user in rows], total


async def _member(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> CompanyMember:
    member = (
        await session.execute(
            select(CompanyMember)
            .where(CompanyMember.company_id == company_id, CompanyMember.user_id == user_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("Member not found")
    return member


async def _ensure_another_owner(session: AsyncSession, company_id: uuid.UUID) -> None:
    owners = (
        await session.execute(
            select(func.count())
            .select_from(CompanyMember)
            .where(CompanyMember.company_id == company_id, CompanyMember.role == "owner")
        )
    ).scalar_one()
    if owners <= 1:
        raise Conflict("The last owner cannot leave or stop being an owner", code="LAST_OWNER")


async def change_role(
    session: AsyncSession, access: CompanyAccess, user_id: uuid.UUID, role: str
) -> CompanyMember:
    member = await _member(session, access.company.id, user_id)
    if member.role == "owner" and role != "owner":
        await _ensure_another_owner(session, access.company.id)
    member.role = role
    await session.flush()
    return member


async def remove_member(session: AsyncSession, access: CompanyAccess, user_id: uuid.UUID) -> None:
    """An owner removes a member, or any member removes themselves (leave)."""
    member = await _member(session, access.company.id, user_id)
    if member.role == "owner":
        await _ensure_another_owner(session, access.company.id)
    await session.delete(member)
    await session.flush()
    logger.info("user %s left company %s", user_id, access.company.id)


# -- invitations --------------------------------------------------------------------------------
async def invite(
    session: AsyncSession, jobs: JobQueue, settings: Settings, access: CompanyAccess, data: InvitationIn
) -> CompanyInvitation:
    email = str(data.email).lower()
    already = await session.execute(
        select(CompanyMember.id)
        .join(User, User.id == CompanyMember.user_id)
        .where(CompanyMember.company_id == access.company.id, func.lower(User.email) == email)
    )
    if already.first() is not None:
        raise Conflict("This person is already a member", code="ALREADY_MEMBER")
    # One live invitation per address: a new one replaces the pending one.
    await session.execute(
        update(CompanyInvitation)
        .where(
            CompanyInvitation.company_id == access.company.id,
            CompanyInvitation.email == email,
            CompanyInvitation.status == "pending",
        )
        .values(status="revoked", responded_at=utcnow())
    )
    token = secrets.token_urlsafe(32)
    hours = settings.BOOKING_INVITATION_EXPIRE_HOURS
    invitation = await InvitationRepository(session).create(
        company_id=access.company.id,
        email=email,
        role=data.role,
        token_hash=sha256_hex(token),
        invited_by=access.user_id,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    link = f"{settings.FRONTEND_URL.rstrip('/')}/invitations?{urlencode({'token': token})}"
    inviter = access.principal.user
    queue_email(
        session, jobs, to=email, template="company-invitation", locale=inviter.locale,
        first_name=inviter.first_name or inviter.email, company_name=access.company.name,
        role=data.role, link=link, expires_hours=hours,
    )  # fmt: skip
    logger.info("invitation %s to company %s sent", invitation.id, access.company.id)
    return invitation


async def list_invitations(
    session: AsyncSession, company_id: uuid.UUID, params: PageParams, status: str | None
) -> tuple[list[CompanyInvitation], int]:
    return await InvitationRepository(session).paginate(
        params, filter_by={"company_id": company_id, "status": status}
    )


async def revoke_invitation(session: AsyncSession, access: CompanyAccess, invitation_id: uuid.UUID) -> None:
    invitation = await InvitationRepository(session).find_one(
        CompanyInvitation.id == invitation_id, CompanyInvitation.company_id == access.company.id
    )
    if invitation is None:
        raise NotFound("Invitation not found")
    if invitation.status != "pending":
        raise Conflict(f"The invitation is already {invitation.status}", code="INVITATION_CLOSED")
    invitation.status, invitation.responded_at = "revoked", utcnow()
    await session.flush()


async def respond(session: AsyncSession, user: User, token: str, *, accept: bool) -> CompanyInvitation:
    """Claim the invitation once; accepting makes the caller a member with the invited role."""
    invitation = await InvitationRepository(session).find_one(
        CompanyInvitation.token_hash == sha256_hex(token)
    )
    if invitation is None or invitation.email != user.email.lower():
        raise NotFound("Invitation not found")
    if invitation.status != "pending":
        raise Conflict(f"The invitation is already {invitation.status}", code="INVITATION_CLOSED")
    if invitation.expires_at <= utcnow():
        raise Conflict("The invitation has expired", code="INVITATION_EXPIRED")
    company = await CompanyRepository(session).get(invitation.company_id)
    if company is None:
        raise NotFound("Invitation not found")
    claimed = await session.execute(
        update(CompanyInvitation)
        .where(CompanyInvitation.id == invitation.id, CompanyInvitation.status == "pending")
        .values(status="accepted" if accept else "declined", responded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The invitation was already used", code="INVITATION_CLOSED")
    if accept:
        role = (
            await session.execute(
                select(CompanyMember).where(
                    CompanyMember.company_id == company.id, CompanyMember.user_id == user.id
                )
            )
        ).scalar_one_or_none()
        if role is None:
            session.add(CompanyMember(company_id=company.id, user_id=user.id, role=invitation.role))
        await session.flush()
    await session.refresh(invitation)
    return invitation
