"""HTTP layer of payouts: owners list their company's, admins list all, run and mark paid."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from mosaic.accounts.deps import CurrentPrincipal, require_permission
from mosaic.booking.access import Owner
from mosaic.booking.payouts.jobs import run_payouts
from mosaic.booking.payouts.models import Payout
from mosaic.booking.payouts.schemas import MarkPaidIn, PayoutOut, PayoutRunOut, PayoutStatus
from mosaic.booking.payouts.service import PayoutRepository, mark_paid
from mosaic.core.deps import DatabaseDep, SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of

router = APIRouter(tags=["payouts"])

StatusFilter = Annotated[
    PayoutStatus | None, Query(alias="status", description="Only payouts in this status.")
]


@router.get(
    "/companies/{company_id}/payouts",
    response_model=Envelope[Page[PayoutOut]],
    summary="List the company's payouts (owner)",
    responses=error_responses(401, 403, 404),
)
async def list_company_payouts(
    company_id: uuid.UUID,
    access: Owner,
    session: SessionDep,
    page: Annotated[PageParams, PayoutRepository.pagination],
    status_filter: StatusFilter = None,
) -> Envelope[Page[PayoutOut]]:
    filters = [Payout.company_id == access.company.id]
    if status_filter:
        filters.append(Payout.status == status_filter)
    rows, total = await PayoutRepository(session).paginate(page, filters=filters)
    return ok(page_of(PayoutOut, rows, total, page, PayoutOut.of), "Payouts retrieved successfully")


@router.get(
    "/payouts",
    response_model=Envelope[Page[PayoutOut]],
    summary="List every payout (admin)",
    responses=error_responses(401, 403),
    dependencies=[Depends(require_permission("payouts", "read"))],
)
async def list_payouts(
    session: SessionDep,
    page: Annotated[PageParams, PayoutRepository.pagination],
    status_filter: StatusFilter = None,
    company_id: Annotated[uuid.UUID | None, Query(description="Only this company's payouts.")] = None,
) -> Envelope[Page[PayoutOut]]:
    filters = []
    if status_filter:
        filters.append(Payout.status == status_filter)
    if company_id:
        filters.append(Payout.company_id == company_id)
    rows, total = await PayoutRepository(session).paginate(page, filters=filters)
    return ok(page_of(PayoutOut, rows, total, page, PayoutOut.of), "Payouts retrieved successfully")


@router.post(
    "/payouts/run",
    response_model=Envelope[PayoutRunOut],
    summary="Compute and send payouts now (admin)",
    responses=error_responses(401, 403),
    dependencies=[Depends(require_permission("payouts", "write"))],
)
async def run_payouts_now(
    database: DatabaseDep,
    settings: SettingsDep,
    until: Annotated[
        datetime | None,
        Query(
            description=(
                "Count charges paid before this instant (default: now). The weekly run uses Monday 00:00 UTC."
            )
        ),
    ] = None,
) -> Envelope[PayoutRunOut]:
    moment = until or datetime.now(UTC)
    if moment.tzinfo is None:  # a naive instant is read as UTC
        moment = moment.replace(tzinfo=UTC)
    created = await run_payouts(database, settings, moment)
    return ok(PayoutRunOut(until=moment, created=created), "Payouts computed")


@router.post(
    "/payouts/{payout_id}/mark-paid",
    response_model=Envelope[PayoutOut],
    summary="Mark a payout paid after a manual transfer (admin)",
    responses=error_responses(
        401, 403, 404, codes={409: [("PAYOUT_ALREADY_PAID", "This payout is already paid")]}
    ),
)
async def mark_payout_paid(
    payout_id: Annotated[uuid.UUID, Path(description="The payout transferred by hand.")],
    body: MarkPaidIn,
    session: SessionDep,
    principal: Annotated[CurrentPrincipal, Depends(require_permission("payouts", "write"))],
) -> Envelope[PayoutOut]:
    payout = await PayoutRepository(session).get_or_404(payout_id, for_update=True)
    await mark_paid(session, payout, principal.user.id, body.note, body.reference)
    return ok(PayoutOut.of(payout), "Payout marked paid")
