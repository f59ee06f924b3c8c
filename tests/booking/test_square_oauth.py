"""A company connects its Square account (OAuth, mocked with respx), picks a location, is paid there.

Bodies follow Square's API reference: ObtainToken (`POST /oauth2/token`, authorization_code and
refresh_token grants: access_token, token_type, expires_at, merchant_id, refresh_token),
RevokeToken (`POST /oauth2/revoke`, `Authorization: Client <secret>`, `{"success": true}`),
ListLocations (`GET /v2/locations`), CreatePaymentLink with `checkout_options.app_fee_money`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from sqlalchemy import select

from mosaic.accounts.billing.service import start_checkout
from mosaic.booking.merchants.jobs import refresh_square_tokens_job
from mosaic.booking.merchants.models import SquareToken
from mosaic.booking.merchants.service import gateway_for_charge, merchant_for_company
from mosaic.core.jobs import JobContext
from mosaic.providers.payments import Reference, build_payment_gateway
from tests.accounts.conftest import Account, new_account, set_role
from tests.booking.conftest import create_company, data, new_owner

API = "/api/v1"
SQUARE = "https://connect.squareupsandbox.com"
APP_ID = "sandbox-sq0idb-uaPHILoPzWZk3tlJqlML0g"
APP_SECRET = "sandbox-sq0csb-30a-4C_tVOnTh14Piza2BfTPBXyLafLPWSzY1qAjeBfM"
MERCHANT = "MLQW2DD2QGNCX"
LOCATIONS = {
    "locations": [
        {
            "id": "L88917AVBK2S5",
            "name": "Blue Room Lisbon",
            "address": {"address_line_1": "Rua Augusta 1", "locality": "Lisboa", "country": "PT"},
            "timezone": "Europe/Lisbon",
            "capabilities": ["CREDIT_CARD_PROCESSING"],
            "status": "ACTIVE",
            "created_at": "2024-04-01T09:00:00.000Z",
            "merchant_id": MERCHANT,
            "country": "PT",
            "language_code": "pt-PT",
            "currency": "EUR",
            "business_name": "Blue Room Studios",
            "type": "PHYSICAL",
        },
        {
            "id": "LH2XR7AMW8Z9N",
            "name": "Blue Room Porto (closed)",
            "status": "INACTIVE",
            "merchant_id": MERCHANT,
            "country": "PT",
            "currency": "EUR",
        },
    ]
}


def token_answer(
    access: str = "EAAAEPF1Access", refresh: str = "EQAAEPhFRefresh", days: int = 30
) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_at": expires,
        "merchant_id": MERCHANT,
        "refresh_token": refresh,
        "short_lived": False,
    }


@pytest.fixture
async def square_app(make_client):
    return await make_client(
        PAYMENT_PROVIDER="square",
        SQUARE_ACCESS_TOKEN="EAAAl-platform-token",
        SQUARE_LOCATION_ID="LPLATFORM0001",
        SQUARE_WEBHOOK_SIGNATURE_KEY="sq-signature-key-for-tests",
        SQUARE_APPLICATION_ID=APP_ID,
        SQUARE_APPLICATION_SECRET=APP_SECRET,
        PUBLIC_BASE_URL="https://mosaic.example.com",
    )


async def connect_url(client: httpx.AsyncClient, owner: Account, company_id: str) -> str:
    answer = data(await client.get(f"{API}/companies/{company_id}/square/connect", headers=owner.headers))
    url: str = answer["authorize_url"]
    return url


async def connected(client: httpx.AsyncClient, owner: Account, company_id: str) -> dict[str, Any]:
    url = await connect_url(client, owner, company_id)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{SQUARE}/oauth2/token").mock(return_value=httpx.Response(200, json=token_answer()))
        mock.get(f"{SQUARE}/v2/locations").mock(return_value=httpx.Response(200, json=LOCATIONS))
        answer = await client.get(
            f"{API}/payments/square/oauth/callback",
            params={"code": "sq0cgb-l0SBqxs4uwxErTVyYOdemg", "state": state},
        )
    assert answer.status_code == 303, answer.text
    result: dict[str, Any] = data(
        await client.get(f"{API}/companies/{company_id}/square", headers=owner.headers)
    )
    return result


async def test_the_owner_connects_square_and_the_tokens_are_stored_sealed(square_app):
    app, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    url = await connect_url(client, owner, company["id"])
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{SQUARE}/oauth2/authorize"
    assert query["client_id"] == [APP_ID] and query["session"] == ["false"]
    assert {"PAYMENTS_WRITE", "MERCHANT_PROFILE_READ", "ORDERS_WRITE"} <= set(query["scope"][0].split())
    assert query["redirect_uri"] == ["https://mosaic.example.com/api/v1/payments/square/oauth/callback"]
    with respx.mock(assert_all_called=True) as mock:
        token = mock.post(f"{SQUARE}/oauth2/token").mock(
            return_value=httpx.Response(200, json=token_answer())
        )
        locations = mock.get(f"{SQUARE}/v2/locations").mock(return_value=httpx.Response(200, json=LOCATIONS))
        answer = await client.get(
            f"{API}/payments/square/oauth/callback",
            params={"code": "sq0cgb-l0SBqxs4uwxErTVyYOdemg", "state": query["state"][0]},
        )
    assert answer.status_code == 303
    assert (
        answer.headers["location"]
        == f"http://frontend.test/companies/{company['id']}/payments?square=connected"
    )
    sent = json.loads(token.calls.last.request.content)
    assert sent == {
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "grant_type": "authorization_code",
        "code": "sq0cgb-l0SBqxs4uwxErTVyYOdemg",
        "redirect_uri": "https://mosaic.example.com/api/v1/payments/square/oauth/callback",
    }
    assert locations.calls.last.request.headers["Authorization"] == "Bearer EAAAEPF1Access"
    status = data(await client.get(f"{API}/companies/{company['id']}/square", headers=owner.headers))
    assert status["connected"] is True and status["merchant_id"] == MERCHANT
    # The one ACTIVE location is chosen; the inactive one is listed but not chosen.
    assert status["location_id"] == "L88917AVBK2S5" and status["takes_payments"] is True
    assert [x["status"] for x in status["locations"]] == ["ACTIVE", "INACTIVE"]
    assert "EAAAEPF1Access" not in json.dumps(status)
    async with app.state.database.transaction() as session:
        row = await session.scalar(
            select(SquareToken).where(SquareToken.company_id == uuid.UUID(company["id"]))
        )
        assert row is not None
        assert row.access_token.startswith("v1.") and "EAAAEPF1Access" not in row.access_token
        assert "EQAAEPhFRefresh" not in row.refresh_token
        merchant = await merchant_for_company(session, row.company_id, app.state.settings)
        assert merchant is not None and merchant.access_token == "EAAAEPF1Access"
        assert merchant.location_id == "L88917AVBK2S5"
        # A token copied onto the other column (or another row) does not open.
        row.refresh_token, row.access_token = row.access_token, row.refresh_token
        assert await merchant_for_company(session, row.company_id, app.state.settings) is None
        await session.rollback()


async def test_a_bad_expired_or_foreign_state_is_400_and_stores_nothing(square_app):
    app, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    url = await connect_url(client, owner, company["id"])
    state = parse_qs(urlsplit(url).query)["state"][0]
    callback = f"{API}/payments/square/oauth/callback"
    with respx.mock(assert_all_called=False) as mock:
        token = mock.post(f"{SQUARE}/oauth2/token").mock(
            return_value=httpx.Response(200, json=token_answer())
        )
        for bad in ("not-a-state", state[:-4] + "AAAA"):
            answer = await client.get(callback, params={"code": "c", "state": bad})
            assert answer.status_code == 400 and answer.json()["error"]["code"] == "OAUTH_INVALID_STATE"
        # A manager is not the owner: a state of theirs (forged by the owner's removal) is refused.
        other = await new_owner(client)
        foreign = parse_qs(
            urlsplit(await connect_url(client, other, (await create_company(client, other))["id"])).query
        )
        await client.delete(
            f"{API}/companies/{(await _company_of_state(app, foreign['state'][0]))}", headers=other.headers
        )
        answer = await client.get(callback, params={"code": "c", "state": foreign["state"][0]})
        assert answer.status_code == 400
        assert not token.called
    expired = await make_state(app, company["id"], owner.id, minutes=-1)
    answer = await client.get(callback, params={"code": "c", "state": expired})
    assert answer.status_code == 400
    status = data(await client.get(f"{API}/companies/{company['id']}/square", headers=owner.headers))
    assert status["connected"] is False and status["locations"] == []


async def _company_of_state(app: Any, state: str) -> str:
    from mosaic.core.security import TokenPurpose, decode_token

    return str(decode_token(app.state.settings, state, TokenPurpose.SQUARE_OAUTH_STATE)["cid"])


async def make_state(app: Any, company_id: str, user_id: str, minutes: int) -> str:
    from mosaic.core.security import TokenPurpose, issue_token

    token, _ = issue_token(
        app.state.settings,
        TokenPurpose.SQUARE_OAUTH_STATE,
        user_id,
        timedelta(minutes=minutes),
        extra={"cid": company_id},
        now=datetime.now(UTC) - timedelta(minutes=5),
    )
    return token


async def test_declined_authorization_redirects_back_and_a_refused_code_is_400(square_app):
    _, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    state = parse_qs(urlsplit(await connect_url(client, owner, company["id"])).query)["state"][0]
    callback = f"{API}/payments/square/oauth/callback"
    denied = await client.get(callback, params={"error": "access_denied", "state": state})
    assert denied.status_code == 303 and "square=denied&reason=access_denied" in denied.headers["location"]
    with respx.mock() as mock:
        mock.post(f"{SQUARE}/oauth2/token").mock(
            return_value=httpx.Response(
                401,
                json={
                    "errors": [
                        {"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED", "detail": "bad code"}
                    ]
                },
            )
        )
        refused = await client.get(callback, params={"code": "sq0cgb-spent", "state": state})
        assert (
            refused.status_code == 400 and refused.json()["error"]["code"] == "SQUARE_AUTHORIZATION_REFUSED"
        )
        mock.post(f"{SQUARE}/oauth2/token").mock(side_effect=httpx.ConnectError("down"))
        down = await client.get(callback, params={"code": "sq0cgb-x", "state": state})
        assert down.status_code == 503 and down.json()["error"]["code"] == "PAYMENT_GATEWAY_UNAVAILABLE"


async def test_roles_and_unconfigured_deployments(square_app, client):
    _, square_client = square_app
    owner = await new_owner(square_client)
    company = await create_company(square_client, owner)
    stranger = await new_owner(square_client)
    path = f"{API}/companies/{company['id']}/square"
    assert (await square_client.get(f"{path}/connect", headers=stranger.headers)).status_code == 404
    assert (await square_client.get(f"{path}/connect")).status_code == 401
    assert (await square_client.delete(path, headers=owner.headers)).json()["error"][
        "code"
    ] == "SQUARE_NOT_CONNECTED"
    # The default test app has no Square application.
    owner2 = await new_owner(client)
    company2 = await create_company(client, owner2)
    answer = await client.get(f"{API}/companies/{company2['id']}/square/connect", headers=owner2.headers)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "SQUARE_NOT_CONFIGURED"
    # Nothing connected is a 404 there too, not the 503 of a missing application (a fuzz finding).
    gone = await client.delete(f"{API}/companies/{company2['id']}/square", headers=owner2.headers)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "SQUARE_NOT_CONNECTED"


async def test_choosing_a_location(square_app):
    _, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    await connected(client, owner, company["id"])
    path = f"{API}/companies/{company['id']}/square"
    inactive = await client.put(path, json={"location_id": "LH2XR7AMW8Z9N"}, headers=owner.headers)
    assert inactive.status_code == 409 and inactive.json()["error"]["code"] == "SQUARE_LOCATION_INACTIVE"
    unknown = await client.put(path, json={"location_id": "LNOPE"}, headers=owner.headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "SQUARE_LOCATION_NOT_FOUND"
    chosen = await client.put(path, json={"location_id": "L88917AVBK2S5"}, headers=owner.headers)
    assert data(chosen)["location_id"] == "L88917AVBK2S5"


async def test_disconnect_revokes_at_square_then_deletes(square_app):
    _, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    await connected(client, owner, company["id"])
    path = f"{API}/companies/{company['id']}/square"
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{SQUARE}/oauth2/revoke").mock(side_effect=httpx.ConnectError("down"))
        down = await client.delete(path, headers=owner.headers)
        assert down.status_code == 503
        assert data(await client.get(path, headers=owner.headers))["connected"] is True
        revoke = mock.post(f"{SQUARE}/oauth2/revoke").mock(
            return_value=httpx.Response(200, json={"success": True})
        )
        assert (await client.delete(path, headers=owner.headers)).status_code == 200
    request = revoke.calls.last.request
    assert request.headers["Authorization"] == f"Client {APP_SECRET}"
    assert json.loads(request.content) == {"client_id": APP_ID, "access_token": "EAAAEPF1Access"}
    status = data(await client.get(path, headers=owner.headers))
    assert status["connected"] is False and status["locations"] == []


async def test_the_schedule_refreshes_tokens_before_they_expire(square_app):
    app, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    await connected(client, owner, company["id"])
    company_id = uuid.UUID(company["id"])
    ctx = JobContext(settings=app.state.settings, database=app.state.database)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{SQUARE}/oauth2/token").mock(
            return_value=httpx.Response(200, json=token_answer(access="EAAAEPF2Renewed"))
        )
        assert await refresh_square_tokens_job(ctx) == 0  # 30 days left: nothing to do
        assert not route.called
        async with app.state.database.transaction() as session:
            row = await session.scalar(select(SquareToken).where(SquareToken.company_id == company_id))
            assert row is not None
            row.expires_at = datetime.now(UTC) + timedelta(days=3)
        assert await refresh_square_tokens_job(ctx) >= 1
    assert json.loads(route.calls.last.request.content) == {
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": "EQAAEPhFRefresh",
    }
    async with app.state.database.transaction() as session:
        merchant = await merchant_for_company(session, company_id, app.state.settings)
        assert merchant is not None and merchant.access_token == "EAAAEPF2Renewed"
    # A refusal is recorded and the token kept (the next run tries again).
    async with app.state.database.transaction() as session:
        row = await session.scalar(select(SquareToken).where(SquareToken.company_id == company_id))
        assert row is not None
        row.expires_at = datetime.now(UTC) + timedelta(days=1)
    with respx.mock() as mock:
        mock.post(f"{SQUARE}/oauth2/token").mock(
            return_value=httpx.Response(
                401, json={"errors": [{"code": "UNAUTHORIZED", "category": "AUTHENTICATION_ERROR"}]}
            )
        )
        await refresh_square_tokens_job(ctx)
    status = data(await client.get(f"{API}/companies/{company['id']}/square", headers=owner.headers))
    assert "UNAUTHORIZED" in status["refresh_error"] and status["takes_payments"] is True


def payment_link(request: httpx.Request) -> httpx.Response:
    ident = uuid.uuid4().hex[:16].upper()
    return httpx.Response(
        200,
        json={
            "payment_link": {
                "id": ident,
                "version": 1,
                "order_id": f"ORD{ident}",
                "url": f"https://sandbox.square.link/u/{ident[:8]}",
                "created_at": "2026-12-01T10:00:00Z",
            }
        },
    )


async def test_a_merchant_checkout_uses_their_token_and_location_with_the_app_fee(square_app):
    app, client = square_app
    owner = await new_owner(client)
    company = await create_company(client, owner)
    await connected(client, owner, company["id"])
    settings = app.state.settings
    with respx.mock(assert_all_called=True) as mock:
        link = mock.post(f"{SQUARE}/v2/online-checkout/payment-links").mock(side_effect=payment_link)
        async with app.state.database.transaction() as session:
            merchant = await merchant_for_company(session, uuid.UUID(company["id"]), settings)
            charge = await start_checkout(
                session,
                build_payment_gateway(settings),
                reference=Reference("booking", str(uuid.uuid4())),
                purpose="booking",
                description="Room A, 2 hours",
                amount=Decimal("40.00"),
                currency="EUR",
                user_id=None,
                customer_email=None,
                success_url="http://frontend.test/ok",
                cancel_url="http://frontend.test/no",
                expires_at=datetime.now(UTC) + timedelta(minutes=30),
                merchant=merchant,
                app_fee=Decimal("4.00"),
            )
            assert charge.merchant_id == MERCHANT
            refunder = await gateway_for_charge(session, settings, charge)
            assert getattr(refunder, "access_token", None) == "EAAAEPF1Access"
            # Without a merchant the platform's account and location take it, with no app fee.
            platform = await start_checkout(
                session,
                build_payment_gateway(settings),
                reference=Reference("booking", str(uuid.uuid4())),
                purpose="booking",
                description="Room B",
                amount=Decimal("10.00"),
                currency="EUR",
                user_id=None,
                customer_email=None,
                success_url="http://frontend.test/ok",
                cancel_url="http://frontend.test/no",
                expires_at=datetime.now(UTC) + timedelta(minutes=30),
                merchant=None,
                app_fee=Decimal("1.00"),
            )
            assert platform.merchant_id is None
    first, second = (json.loads(call.request.content) for call in link.calls)
    assert link.calls[0].request.headers["Authorization"] == "Bearer EAAAEPF1Access"
    assert first["quick_pay"]["location_id"] == "L88917AVBK2S5"
    assert first["checkout_options"]["app_fee_money"] == {"amount": 400, "currency": "EUR"}
    assert link.calls[1].request.headers["Authorization"] == "Bearer EAAAl-platform-token"
    assert (
        second["quick_pay"]["location_id"] == "LPLATFORM0001"
        and "app_fee_money" not in second["checkout_options"]
    )


async def test_only_admins_set_the_stripe_account_and_owners_read_it(client, app):
    owner = await new_owner(client)
    company = await create_company(client, owner)
    admin = await new_account(client, first_name="Ada")
    await set_role(app, admin.id, "admin")
    path = f"{API}/companies/{company['id']}/stripe-account"
    body = {"stripe_account_id": "acct_1QbZ3x2eZvKYlo2C"}
    assert (await client.put(path, json=body, headers=owner.headers)).status_code == 403
    assert (
        data(await client.put(path, json=body, headers=admin.headers))["stripe_account_id"]
        == body["stripe_account_id"]
    )
    assert (
        data(await client.get(path, headers=owner.headers))["stripe_account_id"] == body["stripe_account_id"]
    )
    bad = await client.put(path, json={"stripe_account_id": "not-an-account"}, headers=admin.headers)
    assert bad.status_code == 422
    missing = await client.put(
        f"{API}/companies/{uuid.uuid4()}/stripe-account", json=body, headers=admin.headers
    )
    assert missing.status_code == 404
    assert (
        data(await client.put(path, json={"stripe_account_id": None}, headers=admin.headers))[
            "stripe_account_id"
        ]
        is None
    )
