"""Connecting a company's Square account, choosing its location, and who is paid for a booking.

The OAuth `state` is a signed JWT (core `issue_token`, its own audience) naming the company and
the owner who started the flow, valid `SQUARE_OAUTH_STATE_MINUTES`: the callback is a browser
redirect from Square with no bearer token, so the state is what binds the code to a company, and
the owner's role is checked again when it comes back. A replayed state gains nothing: Square
accepts each code once.

`merchant_for_company` is what booking's checkout calls: the company's Merchant (token, chosen
location) when the deployment takes payments through Square and the company is connected, else
None (the platform's own account takes the payment; payouts pay the studio later).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.service import PaymentGatewayUnavailable, gateway_name
from mosaic.booking.access import member_role
from mosaic.booking.companies.models import Company
from mosaic.booking.merchants.models import SquareLocation, SquareToken
from mosaic.core.config import Settings
from mosaic.core.database import utcnow
from mosaic.core.errors import AppError, BadRequest, Conflict, NotFound
from mosaic.core.secretbox import EncryptedColumn, SecretBox, SecretDecryptError
from mosaic.core.security import TokenError, TokenPurpose, decode_token, issue_token
from mosaic.providers.payments import GatewayError, Merchant, PaymentGateway, build_payment_gateway
from mosaic.providers.payments.square_gateway import SquareGateway
from mosaic.providers.payments.square_oauth import (
    SquareOAuthClient,
    SquareOAuthNotConfigured,
    SquareRefused,
    SquareTokens,
)

logger = logging.getLogger("mosaic.booking.square")


class SquareNotConfigured(NotFound):
    """404, like a webhook for an unconfigured provider: the feature is absent here, not down."""

    code = "SQUARE_NOT_CONFIGURED"
    default_message = "This deployment has no Square application configured"


class InvalidOAuthState(BadRequest):
    code = "OAUTH_INVALID_STATE"
    default_message = "Invalid or expired Square connection state"


class SquareAuthorizationRefused(BadRequest):
    code = "SQUARE_AUTHORIZATION_REFUSED"
    default_message = "Square did not accept the authorization code"


class SquareNotConnected(AppError):
    status_code = 404
    code = "SQUARE_NOT_CONNECTED"
    default_message = "This company has not connected a Square account"


def token_aad(row_id: uuid.UUID, company_id: uuid.UUID, merchant_id: str, column: str) -> bytes:
    """What a token is sealed to: its row, company, merchant and which of the two tokens it is."""
    return f"square_tokens|{row_id}|{company_id}|{merchant_id}|{column}".encode()


def _aad_for(column: str) -> EncryptedColumn:
    return EncryptedColumn(
        model=SquareToken,
        token_column=column,
        key_id_column=f"{column}_key_id",
        aad_columns=("id", "company_id", "merchant_id"),
        aad=lambda row_id, company_id, merchant_id: token_aad(row_id, company_id, merchant_id, column),
    )


ENCRYPTED_COLUMNS = (_aad_for("access_token"), _aad_for("refresh_token"))


def oauth_client(settings: Settings) -> SquareOAuthClient:
    try:
        return SquareOAuthClient.from_settings(settings)
    except SquareOAuthNotConfigured:
        raise SquareNotConfigured() from None


# -- state ---------------------------------------------------------------------------------------
def issue_state(settings: Settings, company_id: uuid.UUID, user_id: uuid.UUID) -> tuple[str, datetime]:
    lifetime = timedelta(minutes=settings.SQUARE_OAUTH_STATE_MINUTES)
    token, claims = issue_token(
        settings, TokenPurpose.SQUARE_OAUTH_STATE, str(user_id), lifetime, extra={"cid": str(company_id)}
    )
    return token, datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo)


async def consume_state(session: AsyncSession, settings: Settings, state: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(company id, user id) of a valid state whose user is still the company's owner."""
    try:
        claims = decode_token(settings, state, TokenPurpose.SQUARE_OAUTH_STATE)
        company_id, user_id = uuid.UUID(str(claims["cid"])), uuid.UUID(str(claims["sub"]))
    except (TokenError, KeyError, ValueError):
        raise InvalidOAuthState() from None
    company = await session.get(Company, company_id)
    if company is None or company.is_deleted or await member_role(session, company_id, user_id) != "owner":
        raise InvalidOAuthState()
    return company_id, user_id


# -- tokens --------------------------------------------------------------------------------------
def _seal(box: SecretBox, row: SquareToken, tokens: SquareTokens) -> None:
    row.merchant_id = tokens.merchant_id
    row.access_token = box.encrypt(
        tokens.access_token.encode(), token_aad(row.id, row.company_id, row.merchant_id, "access_token")
    )
    row.access_token_key_id = box.current_key_id
    row.refresh_token = box.encrypt(
        tokens.refresh_token.encode(), token_aad(row.id, row.company_id, row.merchant_id, "refresh_token")
    )
    row.refresh_token_key_id = box.current_key_id
    row.expires_at = tokens.expires_at


def open_token(box: SecretBox, row: SquareToken, column: str) -> str:
    sealed = getattr(row, column)
    return box.decrypt(sealed, token_aad(row.id, row.company_id, row.merchant_id, column)).decode()


async def token_of(
    session: AsyncSession, company_id: uuid.UUID, for_update: bool = False
) -> SquareToken | None:
    statement = select(SquareToken).where(SquareToken.company_id == company_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def locations_of(session: AsyncSession, company_id: uuid.UUID) -> list[SquareLocation]:
    return list(
        (
            await session.scalars(
                select(SquareLocation)
                .where(SquareLocation.company_id == company_id)
                .order_by(SquareLocation.name, SquareLocation.square_location_id)
            )
        ).all()
    )


async def connect(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    client: SquareOAuthClient,
    *,
    code: str,
    state: str,
) -> uuid.UUID:
    """Exchange the code, store the tokens sealed, list the locations; the company's id."""
    company_id, user_id = await consume_state(session, settings, state)
    try:
        tokens = await client.exchange_code(code)
        locations = await client.list_locations(tokens.access_token)
    except SquareRefused as exc:
        logger.warning("Square refused a connection for company %s: %s", company_id, exc)
        raise SquareAuthorizationRefused() from exc
    except GatewayError as exc:
        raise PaymentGatewayUnavailable() from exc
    row = await token_of(session, company_id, for_update=True)
    if row is None:
        row = SquareToken(id=uuid.uuid4(), company_id=company_id)
        session.add(row)
    elif row.merchant_id != tokens.merchant_id:
        row.location_id = None  # another Square account: its locations are other ones
    row.connected_by = user_id
    row.refresh_error = None
    _seal(box, row, tokens)
    await session.execute(delete(SquareLocation).where(SquareLocation.company_id == company_id))
    for location in locations:
        session.add(
            SquareLocation(
                company_id=company_id,
                square_location_id=location.id,
                name=location.name[:255],
                status=location.status[:16],
                currency=location.currency,
                country=location.country,
            )
        )
    active = [location.id for location in locations if location.status == "ACTIVE"]
    if row.location_id not in active:
        # One active location is the obvious choice; with several the owner picks.
        row.location_id = active[0] if len(active) == 1 else None
    await session.flush()
    logger.info("company %s connected Square merchant %s", company_id, tokens.merchant_id)
    return company_id


async def choose_location(session: AsyncSession, company_id: uuid.UUID, location_id: str) -> SquareToken:
    row = await token_of(session, company_id, for_update=True)
    if row is None:
        raise SquareNotConnected()
    location = next(
        (x for x in await locations_of(session, company_id) if x.square_location_id == location_id), None
    )
    if location is None:
        raise NotFound("This Square account has no such location", code="SQUARE_LOCATION_NOT_FOUND")
    if location.status != "ACTIVE":
        raise Conflict("This Square location is not active", code="SQUARE_LOCATION_INACTIVE")
    row.location_id = location_id
    await session.flush()
    return row


async def disconnect(
    session: AsyncSession, box: SecretBox, settings: Settings, company_id: uuid.UUID
) -> None:
    """Revoke at Square, then forget the tokens and locations.

    Square refusing the revocation (the token is already revoked or expired) still deletes ours;
    Square unreachable answers 503 and keeps them, so the owner can try again. A company with
    nothing connected is told so whether or not this deployment has a Square application.
    """
    row = await token_of(session, company_id, for_update=True)
    if row is None:
        raise SquareNotConnected()
    client = oauth_client(settings)
    try:
        await client.revoke(open_token(box, row, "access_token"))
    except SquareRefused as exc:
        logger.info("Square refused revoking company %s's token (%s): deleted anyway", company_id, exc)
    except SecretDecryptError:
        logger.warning("company %s's Square token no key opens: deleted without revoking", company_id)
    except GatewayError as exc:
        raise PaymentGatewayUnavailable() from exc
    await session.execute(delete(SquareLocation).where(SquareLocation.company_id == company_id))
    await session.delete(row)
    await session.flush()


async def refresh_expiring(
    session: AsyncSession, settings: Settings, box: SecretBox, client: SquareOAuthClient
) -> tuple[int, int]:
    """Renew every token expiring within SQUARE_TOKEN_REFRESH_DAYS: (renewed, failed)."""
    horizon = utcnow() + timedelta(days=settings.SQUARE_TOKEN_REFRESH_DAYS)
    rows = (
        await session.scalars(select(SquareToken).where(SquareToken.expires_at <= horizon).with_for_update())
    ).all()
    renewed = failed = 0
    for row in rows:
        try:
            tokens = await client.refresh(open_token(box, row, "refresh_token"))
        except (GatewayError, SecretDecryptError) as exc:
            # Kept: the old access token works until it expires; the next run tries again.
            row.refresh_error = str(exc)[:200]
            failed += 1
            logger.warning("Square token of company %s not renewed: %s", row.company_id, exc)
            continue
        if tokens.merchant_id != row.merchant_id:
            row.refresh_error = "Square answered another merchant"
            failed += 1
            continue
        _seal(box, row, tokens)
        row.refreshed_at = utcnow()
        row.refresh_error = None
        renewed += 1
    await session.flush()
    return renewed, failed


# -- who is paid ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SquareStatus:
    token: SquareToken | None
    locations: list[SquareLocation]


async def square_status(session: AsyncSession, company_id: uuid.UUID) -> SquareStatus:
    return SquareStatus(await token_of(session, company_id), await locations_of(session, company_id))


async def merchant_for_company(
    session: AsyncSession, company_id: uuid.UUID, settings: Settings
) -> Merchant | None:
    """The company's own Square account for a checkout, or None (the platform's account is paid).

    None unless the deployment takes payments through Square, the company is connected, has an
    active chosen location, and its access token has not expired (the refresh schedule keeps it
    fresh; an expired one must not fail a customer's checkout, so the platform takes the payment).
    """
    if settings.PAYMENT_PROVIDER != "square":
        return None
    row = await token_of(session, company_id)
    if row is None or row.location_id is None or row.expires_at <= utcnow():
        return None
    box = SecretBox.from_settings(settings)
    try:
        access_token = open_token(box, row, "access_token")
    except SecretDecryptError:
        logger.warning("company %s's Square token no key opens: the platform takes the payment", company_id)
        return None
    return Merchant("square", row.merchant_id, access_token, row.location_id)


async def gateway_for_charge(session: AsyncSession, settings: Settings, charge: Charge) -> PaymentGateway:
    """The gateway that can act on `charge` (refunds): the seller's Square account when it took it."""
    gateway = build_payment_gateway(settings, gateway_name(charge.gateway))
    if charge.merchant_id is None or not isinstance(gateway, SquareGateway):
        return gateway
    row = (
        await session.execute(
            select(SquareToken).where(SquareToken.merchant_id == charge.merchant_id).limit(1)
        )
    ).scalar_one_or_none()
    if row is None:
        raise SquareNotConnected("The Square account that took this payment is no longer connected")
    box = SecretBox.from_settings(settings)
    return gateway.for_merchant(
        Merchant("square", row.merchant_id, open_token(box, row, "access_token"), row.location_id or "")
    )


async def set_stripe_account(session: AsyncSession, company_id: uuid.UUID, account_id: str | None) -> Company:
    company = await session.get(Company, company_id)
    if company is None or company.is_deleted:
        raise NotFound("Company not found")
    company.stripe_account_id = account_id
    await session.flush()
    return company
