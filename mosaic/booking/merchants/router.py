"""HTTP layer of a company's payment accounts: Square OAuth, its location, the Stripe account."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import RedirectResponse

from mosaic.accounts.deps import require_permission
from mosaic.booking.access import Manager, Owner
from mosaic.booking.merchants import service
from mosaic.booking.merchants.schemas import (
    SquareConnectOut,
    SquareLocationIn,
    SquareLocationOut,
    SquareStatusOut,
    StripeAccountIn,
    StripeAccountOut,
)
from mosaic.core.access import public
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.core.secretbox import SecretBoxDep

router = APIRouter(tags=["payouts"])

NOT_CONFIGURED = ("SQUARE_NOT_CONFIGURED", "This deployment has no Square application configured")
NO_COMPANY = ("NOT_FOUND", "Company not found")
NOT_CONNECTED = ("SQUARE_NOT_CONNECTED", "This company has not connected a Square account")


async def status_out(session: SessionDep, settings: SettingsDep, company_id: uuid.UUID) -> SquareStatusOut:
    found = await service.square_status(session, company_id)
    token = found.token
    merchant = await service.merchant_for_company(session, company_id, settings) if token else None
    return SquareStatusOut(
        company_id=company_id,
        connected=token is not None,
        merchant_id=token.merchant_id if token else None,
        expires_at=token.expires_at if token else None,
        refreshed_at=token.refreshed_at if token else None,
        refresh_error=token.refresh_error if token else None,
        location_id=token.location_id if token else None,
        locations=[
            SquareLocationOut(
                id=x.square_location_id, name=x.name, status=x.status, currency=x.currency, country=x.country
            )
            for x in found.locations
        ],
        takes_payments=merchant is not None,
    )


@router.get(
    "/companies/{company_id}/square/connect",
    response_model=Envelope[SquareConnectOut],
    summary="Start connecting the company's Square account (owner)",
    responses=error_responses(401, 403, 404, codes={404: [NO_COMPANY, NOT_CONFIGURED]}),
)
async def square_connect(
    company_id: uuid.UUID, access: Owner, settings: SettingsDep
) -> Envelope[SquareConnectOut]:
    client = service.oauth_client(settings)
    state, expires_at = service.issue_state(settings, access.company.id, access.user_id)
    return ok(
        SquareConnectOut(authorize_url=client.authorize_url(state), expires_at=expires_at),
        "Open the authorize URL to connect Square",
    )


@router.get(
    "/payments/square/oauth/callback",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    summary="Square's OAuth redirect: store the tokens and locations",
    responses={
        303: {
            "description": "Back to the front end's company payments page (square=connected or square=denied)"
        },
        **error_responses(
            400,
            404,
            503,
            codes={
                400: [
                    ("OAUTH_INVALID_STATE", "Invalid or expired Square connection state"),
                    ("SQUARE_AUTHORIZATION_REFUSED", "Square did not accept the authorization code"),
                ],
                404: [NOT_CONFIGURED],
                503: [
                    (
                        "PAYMENT_GATEWAY_UNAVAILABLE",
                        "The payment provider could not be reached; try again shortly",
                    )
                ],
            },
        ),
    },
)
@public
async def square_oauth_callback(
    session: SessionDep,
    settings: SettingsDep,
    box: SecretBoxDep,
    state: Annotated[
        str, Query(min_length=1, max_length=2048, description="The state from the connect URL.")
    ],
    code: Annotated[
        str | None, Query(max_length=2048, description="Square's authorization code (absent when denied).")
    ] = None,
    error: Annotated[
        str | None,
        Query(max_length=128, pattern=r"^[a-z_]+$", description="Square's error, e.g. access_denied."),
    ] = None,
) -> RedirectResponse:
    """Public: Square redirects the owner's browser here; the signed state says which company."""
    frontend = settings.FRONTEND_URL.rstrip("/")
    if error or not code:
        company_id, _ = await service.consume_state(session, settings, state)
        query = urlencode({"square": "denied", "reason": error or "no_code"})
        return RedirectResponse(f"{frontend}/companies/{company_id}/payments?{query}", status_code=303)
    company_id = await service.connect(
        session, settings, box, service.oauth_client(settings), code=code, state=state
    )
    return RedirectResponse(f"{frontend}/companies/{company_id}/payments?square=connected", status_code=303)


@router.get(
    "/companies/{company_id}/square",
    response_model=Envelope[SquareStatusOut],
    summary="The company's Square connection and locations (manager)",
    responses=error_responses(401, 403, 404),
)
async def get_square(
    company_id: uuid.UUID, access: Manager, session: SessionDep, settings: SettingsDep
) -> Envelope[SquareStatusOut]:
    return ok(await status_out(session, settings, access.company.id), "Square connection retrieved")


@router.put(
    "/companies/{company_id}/square",
    response_model=Envelope[SquareStatusOut],
    summary="Choose the Square location that takes the company's payments (owner)",
    responses=error_responses(
        401,
        403,
        404,
        409,
        codes={
            404: [NOT_CONNECTED, ("SQUARE_LOCATION_NOT_FOUND", "This Square account has no such location")],
            409: [("SQUARE_LOCATION_INACTIVE", "This Square location is not active")],
        },
    ),
)
async def choose_square_location(
    company_id: uuid.UUID, body: SquareLocationIn, access: Owner, session: SessionDep, settings: SettingsDep
) -> Envelope[SquareStatusOut]:
    await service.choose_location(session, access.company.id, body.location_id)
    return ok(await status_out(session, settings, access.company.id), "Square location chosen")


@router.delete(
    "/companies/{company_id}/square",
    response_model=Envelope[None],
    summary="Disconnect Square: revoke the authorization and delete the tokens (owner)",
    responses=error_responses(
        401,
        403,
        404,
        503,
        codes={
            404: [NO_COMPANY, NOT_CONNECTED, NOT_CONFIGURED],
            503: [
                (
                    "PAYMENT_GATEWAY_UNAVAILABLE",
                    "The payment provider could not be reached; try again shortly",
                )
            ],
        },
    ),
)
async def disconnect_square(
    company_id: uuid.UUID, access: Owner, session: SessionDep, settings: SettingsDep, box: SecretBoxDep
) -> Envelope[None]:
    await service.disconnect(session, box, settings, access.company.id)
    return ok(None, "Square disconnected")


@router.get(
    "/companies/{company_id}/stripe-account",
    response_model=Envelope[StripeAccountOut],
    summary="The company's Stripe Connect account for payouts (owner)",
    responses=error_responses(401, 403, 404),
)
async def get_stripe_account(company_id: uuid.UUID, access: Owner) -> Envelope[StripeAccountOut]:
    return ok(
        StripeAccountOut(company_id=access.company.id, stripe_account_id=access.company.stripe_account_id),
        "Stripe account retrieved",
    )


@router.put(
    "/companies/{company_id}/stripe-account",
    response_model=Envelope[StripeAccountOut],
    summary="Set the company's Stripe Connect account (admin)",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("payouts", "write"))],
)
async def set_stripe_account(
    company_id: Annotated[uuid.UUID, Path(description="The company paid out to this account.")],
    body: StripeAccountIn,
    session: SessionDep,
) -> Envelope[StripeAccountOut]:
    company = await service.set_stripe_account(session, company_id, body.stripe_account_id)
    return ok(
        StripeAccountOut(company_id=company.id, stripe_account_id=company.stripe_account_id),
        "Stripe account updated",
    )
