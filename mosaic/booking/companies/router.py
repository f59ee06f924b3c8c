"""HTTP layer of companies and teams. Company roles are checked by `require_company_role`."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile, status

from mosaic.accounts.deps import CurrentPrincipal, load_current_user, require_permission
from mosaic.booking.access import Owner, Staff
from mosaic.booking.companies import service
from mosaic.booking.companies.models import Company
from mosaic.booking.companies.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyUpdate,
    InvitationIn,
    InvitationOut,
    InvitationTokenIn,
    LogoOut,
    MemberOut,
    MemberUpdate,
)
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.jobs import get_jobs
from mosaic.core.pagination import Page, PageParams
from mosaic.providers.storage import StorageDep, StorageProvider

router = APIRouter(prefix="/companies", tags=["companies"])
teams_router = APIRouter(tags=["teams"])

INVITATION_ERRORS = {
    409: [
        ("INVITATION_CLOSED", "The invitation is already accepted"),
        ("INVITATION_EXPIRED", "The invitation has expired"),
    ]
}


async def company_out(company: Company, role: str | None, storage: StorageProvider) -> CompanyOut:
    out = CompanyOut.model_validate(company)
    out.my_role = role  # type: ignore[assignment]
    out.logo_url = await storage.url(company.logo_key) if company.logo_key else None
    return out


@router.post(
    "",
    response_model=Envelope[CompanyOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a company (studio owners)",
    responses=error_responses(
        401, 403, codes={409: [("SLUG_TAKEN", "The slug 'blue-room' is already taken")]}
    ),
)
async def create_company(
    body: CompanyIn,
    session: SessionDep,
    storage: StorageDep,
    principal: Annotated[CurrentPrincipal, Depends(require_permission("companies", "create"))],
) -> Envelope[CompanyOut]:
    company = await service.create_company(session, principal.user.id, body)
    return created(await company_out(company, "owner", storage), "Company created successfully")


@router.get(
    "",
    response_model=Envelope[Page[CompanyOut]],
    summary="List the companies I am a member of",
    responses=error_responses(401),
)
async def list_my_companies(
    session: SessionDep,
    page: Annotated[PageParams, service.CompanyRepository.pagination],
    principal: CurrentPrincipal,
    storage: StorageDep,
) -> Envelope[Page[CompanyOut]]:
    rows, total = await service.my_companies(session, principal.user.id, page)
    items = [await company_out(company, role, storage) for company, role in rows]
    return ok(Page[CompanyOut].build(items, total, page), "Companies retrieved successfully")


@router.get(
    "/{company_id}",
    response_model=Envelope[CompanyOut],
    summary="Get one of my companies",
    responses=error_responses(401, 404),
)
async def get_company(company_id: uuid.UUID, access: Staff, storage: StorageDep) -> Envelope[CompanyOut]:
    return ok(await company_out(access.company, access.role, storage), "Company retrieved successfully")


@router.put(
    "/{company_id}",
    response_model=Envelope[CompanyOut],
    summary="Update a company (owner)",
    responses=error_responses(
        401, 403, 404, codes={409: [("SLUG_TAKEN", "The slug 'blue-room' is already taken")]}
    ),
)
async def update_company(
    company_id: uuid.UUID, body: CompanyUpdate, session: SessionDep, access: Owner, storage: StorageDep
) -> Envelope[CompanyOut]:
    company = await service.update_company(session, access, body)
    return ok(await company_out(company, access.role, storage), "Company updated successfully")


@router.delete(
    "/{company_id}",
    response_model=Envelope[None],
    summary="Delete a company and its studios (owner, soft delete)",
    responses=error_responses(401, 403, 404),
)
async def delete_company(company_id: uuid.UUID, session: SessionDep, access: Owner) -> Envelope[None]:
    await service.delete_company(session, access)
    return ok(None, "Company deleted successfully")


@router.post(
    "/{company_id}/logo",
    response_model=Envelope[LogoOut],
    status_code=status.HTTP_201_CREATED,
    summary="Upload the company logo (owner; JPEG, PNG or GIF)",
    responses=error_responses(401, 403, 404, 413, 415),
)
async def upload_company_logo(
    company_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    access: Owner,
    file: Annotated[UploadFile, File(description="The image; its content decides its type")],
) -> Envelope[LogoOut]:
    stored = await service.set_logo(session, storage, settings, access, file)
    thumb = await storage.url(stored.thumbnail_key) if stored.thumbnail_key else None
    return created(LogoOut(url=await storage.url(stored.key), thumbnail_url=thumb), "Logo uploaded")


# -- members ------------------------------------------------------------------------------------
def _member_out(member: object, user: object) -> MemberOut:
    return MemberOut(
        user_id=member.user_id,  # type: ignore[attr-defined]
        email=user.email,  # type: ignore[attr-defined]
        first_name=user.first_name,  # type: ignore[attr-defined]
        last_name=user.last_name,  # type: ignore[attr-defined]
        role=member.role,  # type: ignore[attr-defined]
        joined_at=member.created_at,  # type: ignore[attr-defined]
    )


@router.get(
    "/{company_id}/members",
    response_model=Envelope[Page[MemberOut]],
    summary="List the company's team",
    responses=error_responses(401, 404),
)
async def list_members(
    company_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, service.MemberRepository.pagination],
    access: Staff,
) -> Envelope[Page[MemberOut]]:
    rows, total = await service.list_members(session, access.company.id, page)
    return ok(Page[MemberOut].build([_member_out(m, u) for m, u in rows], total, page), "Members retrieved")


@router.put(
    "/{company_id}/members/{user_id}",
    response_model=Envelope[None],
    summary="Change a member's company role (owner)",
    responses=error_responses(401, 403, 404, codes={409: [("LAST_OWNER", "The last owner cannot leave")]}),
)
async def update_member(
    company_id: uuid.UUID, user_id: uuid.UUID, body: MemberUpdate, session: SessionDep, access: Owner
) -> Envelope[None]:
    await service.change_role(session, access, user_id, body.role)
    return ok(None, "Member updated successfully")


@router.delete(
    "/{company_id}/members/{user_id}",
    response_model=Envelope[None],
    summary="Remove a member (owner)",
    responses=error_responses(401, 403, 404, codes={409: [("LAST_OWNER", "The last owner cannot leave")]}),
)
async def remove_member(
    company_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, access: Owner
) -> Envelope[None]:
    await service.remove_member(session, access, user_id)
    return ok(None, "Member removed successfully")


@router.post(
    "/{company_id}/leave",
    response_model=Envelope[None],
    summary="Leave the company",
    responses=error_responses(401, 404, codes={409: [("LAST_OWNER", "The last owner cannot leave")]}),
)
async def leave_company(company_id: uuid.UUID, session: SessionDep, access: Staff) -> Envelope[None]:
    await service.remove_member(session, access, access.user_id)
    return ok(None, "You left the company")


# -- invitations --------------------------------------------------------------------------------
@router.post(
    "/{company_id}/invitations",
    response_model=Envelope[InvitationOut],
    status_code=status.HTTP_201_CREATED,
    summary="Invite someone by email (owner)",
    responses=error_responses(
        401, 403, 404, codes={409: [("ALREADY_MEMBER", "This person is already a member")]}
    ),
)
async def create_invitation(
    company_id: uuid.UUID,
    body: InvitationIn,
    session: SessionDep,
    settings: SettingsDep,
    access: Owner,
    request: Request,
) -> Envelope[InvitationOut]:
    invitation = await service.invite(session, get_jobs(request), settings, access, body)
    return created(InvitationOut.model_validate(invitation), "Invitation sent")


@router.get(
    "/{company_id}/invitations",
    response_model=Envelope[Page[InvitationOut]],
    summary="List the company's invitations (owner)",
    responses=error_responses(401, 403, 404),
)
async def list_invitations(
    company_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, service.InvitationRepository.pagination],
    access: Owner,
    status: Annotated[
        Literal["pending", "accepted", "declined", "revoked"] | None,
        Query(description="Only invitations in this state."),
    ] = None,
) -> Envelope[Page[InvitationOut]]:
    rows, total = await service.list_invitations(session, access.company.id, page, status)
    return ok(
        Page[InvitationOut].build([InvitationOut.model_validate(r) for r in rows], total, page), "Invitations"
    )


@router.delete(
    "/{company_id}/invitations/{invitation_id}",
    response_model=Envelope[None],
    summary="Revoke a pending invitation (owner)",
    responses=error_responses(
        401, 403, 404, codes={409: [("INVITATION_CLOSED", "The invitation is already accepted")]}
    ),
)
async def revoke_invitation(
    company_id: uuid.UUID, invitation_id: uuid.UUID, session: SessionDep, access: Owner
) -> Envelope[None]:
    await service.revoke_invitation(session, access, invitation_id)
    return ok(None, "Invitation revoked")


@teams_router.post(
    "/invitations/accept",
    response_model=Envelope[InvitationOut],
    summary="Accept an invitation (the invited account, once)",
    responses=error_responses(401, 404, codes=INVITATION_ERRORS),
)
async def accept_invitation(
    body: InvitationTokenIn, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[InvitationOut]:
    user = await load_current_user(session, principal)
    invitation = await service.respond(session, user, body.token, accept=True)
    return ok(InvitationOut.model_validate(invitation), "Invitation accepted")


@teams_router.post(
    "/invitations/decline",
    response_model=Envelope[InvitationOut],
    summary="Decline an invitation (the invited account, once)",
    responses=error_responses(401, 404, codes=INVITATION_ERRORS),
)
async def decline_invitation(
    body: InvitationTokenIn, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[InvitationOut]:
    user = await load_current_user(session, principal)
    invitation = await service.respond(session, user, body.token, accept=False)
    return ok(InvitationOut.model_validate(invitation), "Invitation declined")
