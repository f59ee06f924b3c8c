"""Square's OAuth API and Locations API over httpx: a seller connects their own Square account.

The code flow (Square's "OAuth API: Walkthrough"): the seller is sent to `/oauth2/authorize` with
our application id, the scopes and a `state`; Square redirects back with `code` and `state`;
`POST /oauth2/token` (`grant_type=authorization_code`, with the application secret) answers an
access token (30 days), a refresh token and the merchant id. `grant_type=refresh_token` renews
the access token (the code flow answers the same refresh token); `POST /oauth2/revoke`
(`Authorization: Client <secret>`) ends the authorization. `GET /v2/locations` lists the
merchant's locations, one of which takes the studio's payments.

Only this module speaks to those endpoints; storing tokens (encrypted) is booking's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from mosaic.core.config import Settings
from mosaic.providers.payments import GatewayError
from mosaic.providers.payments.square_gateway import BASE_URLS

# What a studio's payments need: take payments, create the order behind a Payment Link, refund,
# read the locations, and collect the platform's fee (`app_fee_money`).
DEFAULT_SCOPES = (
    "MERCHANT_PROFILE_READ",
    "PAYMENTS_READ",
    "PAYMENTS_WRITE",
    "PAYMENTS_WRITE_ADDITIONAL_RECIPIENTS",
    "ORDERS_READ",
    "ORDERS_WRITE",
)
CALLBACK_PATH = "/api/v1/payments/square/oauth/callback"


class SquareRefused(GatewayError):
    """Square answered 4xx: the code, token or grant is not (or no longer) valid."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class SquareOAuthNotConfigured(Exception):
    """SQUARE_APPLICATION_ID / SQUARE_APPLICATION_SECRET are not set."""


@dataclass(frozen=True, slots=True)
class SquareTokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    merchant_id: str


@dataclass(frozen=True, slots=True)
class SquareLocationInfo:
    id: str
    name: str
    status: str
    currency: str | None
    country: str | None


@dataclass
class SquareOAuthClient:
    application_id: str
    application_secret: str = field(repr=False)
    base_url: str
    api_version: str
    redirect_url: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @classmethod
    def from_settings(cls, settings: Settings) -> SquareOAuthClient:
        if not settings.SQUARE_APPLICATION_ID or settings.SQUARE_APPLICATION_SECRET is None:
            raise SquareOAuthNotConfigured(
                "Square OAuth needs SQUARE_APPLICATION_ID and SQUARE_APPLICATION_SECRET"
            )
        return cls(
            application_id=settings.SQUARE_APPLICATION_ID,
            application_secret=settings.SQUARE_APPLICATION_SECRET.get_secret_value(),
            base_url=BASE_URLS[settings.SQUARE_ENVIRONMENT],
            api_version=settings.SQUARE_API_VERSION,
            redirect_url=settings.SQUARE_OAUTH_REDIRECT_URL or settings.public_base_url + CALLBACK_PATH,
        )

    def authorize_url(self, state: str) -> str:
        query = urlencode(
            {
                "client_id": self.application_id,
                "scope": " ".join(self.scopes),
                "session": "false",
                "state": state,
                "redirect_uri": self.redirect_url,
            }
        )
        return f"{self.base_url}/oauth2/authorize?{query}"

    async def _call(
        self, method: str, path: str, *, json: dict[str, Any] | None = None, authorization: str | None = None
    ) -> dict[str, Any]:
        headers = {"Square-Version": self.api_version}
        if authorization:
            headers["Authorization"] = authorization
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=20) as client:
                response = await client.request(method, path, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise GatewayError(f"Square is unreachable: {type(exc).__name__}") from exc
        try:
            data: dict[str, Any] = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            codes = [e.get("code", "") for e in data.get("errors", []) if isinstance(e, dict)]
            message = f"Square answered {response.status_code} {','.join(codes)}".strip()
            if response.status_code < 500:
                raise SquareRefused(message, response.status_code)
            raise GatewayError(message)
        return data

    async def _token(self, grant: dict[str, str]) -> SquareTokens:
        data = await self._call(
            "POST",
            "/oauth2/token",
            json={"client_id": self.application_id, "client_secret": self.application_secret, **grant},
        )
        try:
            return SquareTokens(
                access_token=str(data["access_token"]),
                refresh_token=str(data.get("refresh_token") or grant.get("refresh_token") or ""),
                expires_at=datetime.fromisoformat(str(data["expires_at"]).replace("Z", "+00:00")),
                merchant_id=str(data["merchant_id"]),
            )
        except (KeyError, ValueError) as exc:
            raise GatewayError("Square answered a token without its fields") from exc

    async def exchange_code(self, code: str) -> SquareTokens:
        return await self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_url}
        )

    async def refresh(self, refresh_token: str) -> SquareTokens:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def revoke(self, access_token: str) -> None:
        await self._call(
            "POST",
            "/oauth2/revoke",
            json={"client_id": self.application_id, "access_token": access_token},
            authorization=f"Client {self.application_secret}",
        )

    async def list_locations(self, access_token: str) -> list[SquareLocationInfo]:
        data = await self._call("GET", "/v2/locations", authorization=f"Bearer {access_token}")
        return [
            SquareLocationInfo(
                id=str(item["id"]),
                name=str(item.get("name") or item["id"]),
                status=str(item.get("status") or "ACTIVE"),
                currency=item.get("currency"),
                country=item.get("country"),
            )
            for item in data.get("locations", [])
            if isinstance(item, dict) and item.get("id")
        ]
