"""Moderation: every company and studio, live or not, and the two interventions an admin makes
(suspend a company, unpublish a studio), behind `companies:moderate` / `studios:moderate`."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from mosaic.accounts.deps import require_permission
from mosaic.booking.common import contains
from mosaic.booking.companies.models import Company
from mosaic.booking.companies.schemas import CompanyOut
from mosaic.booking.companies.service import CompanyRepository
from mosaic.booking.studios.models import Studio
from mosaic.booking.studios.router import studio_out
from mosaic.booking.studios.schemas import StudioOut
from mosaic.booking.studios.service import StudioRepository
from mosaic.core.database import utcnow
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import IncludeDeleted, Page, PageParams, page_of

logger = logging.getLogger("mosaic.booking.moderation")

router = APIRouter(prefix="/admin", tags=["moderation"])

COMPANIES = Depends(require_permission("companies", "moderate"))
STUDIOS = Depends(require_permission("studios", "moderate"))


class SuspendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_suspended: bool = Field(examples=[True], description="`true` hides every studio of the company.")


@router.get(
    "/companies",
    response_model=Envelope[Page[CompanyOut]],
    summary="List every company (moderators)",
    responses=error_responses(401, 403),
    dependencies=[COMPANIES],
)
async def moderate_list_companies(
    session: SessionDep,
    page: Annotated[PageParams, CompanyRepository.pagination],
    name: Annotated[str | None, Query(max_length=150, description="Substring of the name.")] = None,
    is_suspended: Annotated[
        bool | None, Query(description="Only suspended (`true`) or active companies.")
    ] = None,
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[CompanyOut]]:
    rows, total = await CompanyRepository(session).paginate(
        page,
        include_deleted=include_deleted,
        filters=[contains(Company.name, name)] if name else [],
        filter_by={"is_suspended": is_suspended},
    )
    return ok(page_of(CompanyOut, rows, total, page), "Companies retrieved successfully")


@router.put(
    "/companies/{company_id}/suspension",
    response_model=Envelope[CompanyOut],
    summary="Suspend or reinstate a company (moderators)",
    responses=error_responses(401, 403, 404),
    dependencies=[COMPANIES],
)
async def moderate_suspend_company(
    company_id: uuid.UUID, body: SuspendIn, session: SessionDep
) -> Envelope[CompanyOut]:
    repo = CompanyRepository(session)
    company = await repo.update(await repo.get_or_404(company_id), {"is_suspended": body.is_suspended})
    logger.info("company %s suspended=%s by a moderator", company_id, body.is_suspended)
    return ok(CompanyOut.model_validate(company), "Company updated")


@router.get(
    "/studios",
    response_model=Envelope[Page[StudioOut]],
    summary="List every studio, published or not (moderators)",
    responses=error_responses(401, 403),
    dependencies=[STUDIOS],
)
async def moderate_list_studios(
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, StudioRepository.pagination],
    name: Annotated[str | None, Query(max_length=150, description="Substring of the name.")] = None,
    company_id: Annotated[uuid.UUID | None, Query(description="Only this company's studios.")] = None,
    is_published: Annotated[
        bool | None, Query(description="Only published (`true`) or unpublished studios.")
    ] = None,
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[StudioOut]]:
    rows, total = await StudioRepository(session).paginate(
        page,
        include_deleted=include_deleted,
        filters=[contains(Studio.name, name)] if name else [],
        filter_by={"company_id": company_id, "is_published": is_published},
    )
    return ok(page_of(StudioOut, rows, total, page, lambda s: studio_out(s, settings)), "Studios retrieved")


@router.post(
    "/studios/{studio_id}/unpublish",
    response_model=Envelope[StudioOut],
    summary="Unpublish a studio (moderators)",
    responses=error_responses(401, 403, 404),
    dependencies=[STUDIOS],
)
async def moderate_unpublish_studio(
    studio_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> Envelope[StudioOut]:
    repo = StudioRepository(session)
    studio = await repo.update(
        await repo.get_or_404(studio_id), {"is_published": False, "moderated_at": utcnow()}
    )
    logger.info("studio %s unpublished by a moderator", studio_id)
    return ok(studio_out(studio, settings), "Studio unpublished")
