"""Company roles: the one dependency every company-scoped route uses.

`require_company_role("manager")` finds the company a route acts on, from the path (`room_id` ->
its studio -> its company, `studio_id` -> its company, or `company_id`) or, for a create route
without one, from the body's `company_id`. A caller who is not a member gets the same 404 as for
an id that does not exist (another company's studio is not revealed); a member whose role is
below the minimum gets a 403. Roles are ordered: owner > manager > staff.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.deps import CurrentPrincipal, Principal, get_principal
from mosaic.booking.companies.models import COMPANY_ROLES, Company, CompanyMember
from mosaic.booking.rooms.models import Room
from mosaic.booking.studios.models import Studio
from mosaic.core.deps import SessionDep
from mosaic.core.errors import AppError, Forbidden, InvalidInput, NotFound


def role_at_least(role: str, minimum: str) -> bool:
    return COMPANY_ROLES.index(role) >= COMPANY_ROLES.index(minimum)


@dataclass(frozen=True, slots=True)
class CompanyAccess:
    principal: Principal
    company: Company
    role: str
    studio: Studio | None = None
    room: Room | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user.id


async def member_role(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    return (
        await session.execute(
            select(CompanyMember.role).where(
                CompanyMember.company_id == company_id, CompanyMember.user_id == user_id
            )
        )
    ).scalar_one_or_none()


async def company_access(
    session: AsyncSession,
    principal: Principal,
    minimum: str,
    *,
    company_id: uuid.UUID | None = None,
    studio_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> CompanyAccess:
    """Resolve room -> studio -> company (live rows only) and check the caller's company role."""
    room = studio = None
    label = "Company"
    if room_id is not None:
        label = "Room"
        room = await _live(session, Room, room_id, for_update)
        if room is None:
            raise NotFound("Room not found")
        studio_id = room.studio_id
    if studio_id is not None:
        label = label if room is not None else "Studio"
        studio = await _live(session, Studio, studio_id, for_update and room is None)
        if studio is None:
            raise NotFound(f"{label} not found")
        company_id = studio.company_id
    company = await _live(session, Company, company_id, False) if company_id else None
    role = await member_role(session, company.id, principal.user.id) if company else None
    if company is None or role is None:
        raise NotFound(f"{label} not found")
    if not role_at_least(role, minimum):
        raise Forbidden(f"This needs the company role '{minimum}' or above", code="COMPANY_ROLE_REQUIRED")
    return CompanyAccess(principal, company, role, studio, room)


async def _live(session: AsyncSession, model: Any, row_id: uuid.UUID | None, for_update: bool) -> Any:
    statement = select(model).where(model.id == row_id, model.is_deleted.is_(False))
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


def _uuid(value: Any, field: str, location: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(
            f"{field} must be a UUID",
            details=[
                {"field": field, "location": location, "message": "must be a UUID", "type": "uuid_parsing"}
            ],
        ) from None


class require_company_role:  # noqa: N801 - used like a function: Depends(require_company_role("manager"))
    """Dependency factory: the caller's role in the company the route acts on is at least `minimum`."""

    def __init__(self, minimum: str) -> None:
        if minimum not in COMPANY_ROLES:
            raise ValueError(f"unknown company role {minimum!r}")
        self.minimum = minimum
        # Read by the schema completer: the 403 this dependency can send, as a named example.
        self.documented_errors = (
            []
            if minimum == "staff"
            else [(403, "COMPANY_ROLE_REQUIRED", f"This needs the company role '{minimum}' or above", None)]
        )

    async def __call__(
        self, request: Request, session: SessionDep, principal: CurrentPrincipal
    ) -> CompanyAccess:
        params = request.path_params
        for name in ("room_id", "studio_id", "company_id"):
            if name in params:
                target = _uuid(params[name], name, "path")
                return await company_access(
                    session,
                    principal,
                    self.minimum,
                    room_id=target if name == "room_id" else None,
                    studio_id=target if name == "studio_id" else None,
                    company_id=target if name == "company_id" else None,
                )
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        value = body.get("company_id") if isinstance(body, dict) else None
        if value is None:
            raise InvalidInput(
                "company_id is required",
                details=[
                    {
                        "field": "company_id",
                        "location": "body",
                        "message": "Field required",
                        "type": "missing",
                    }
                ],
            )
        return await company_access(
            session, principal, self.minimum, company_id=_uuid(value, "company_id", "body")
        )


Staff = Annotated[CompanyAccess, Depends(require_company_role("staff"))]
Manager = Annotated[CompanyAccess, Depends(require_company_role("manager"))]
Owner = Annotated[CompanyAccess, Depends(require_company_role("owner"))]


async def viewer_id(request: Request) -> uuid.UUID | None:
    """The signed-in caller of a public route, when a valid bearer token came with it (else anonymous).

    Not a dependency: a public route stays public in the schema and the route audit, and a bad
    token just means "anonymous" here (the route shows only public data then).
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        principal = await get_principal(request, token)
    except AppError:
        return None
    return principal.user.id
