"""Trades: open, correct, close with P&L, cancel, ownership, filters, pagination and the summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext

import pytest

from mosaic.accounts.plans.models import Plan
from mosaic.accounts.plans.service import subscribe
from tests.accounts.conftest import Account
from tests.trading.conftest import API, create_agent, open_trade

URL = f"{API}/trades"


async def close(client, account: Account, trade_id: str, exit_price: str):
    return await client.post(
        f"{URL}/{trade_id}/close", json={"exit_price": exit_price}, headers=account.headers
    )


async def test_opening_a_trade_sets_the_server_fields(client, user_a: Account):
    trade = await open_trade(
        client, user_a, symbol="eth/usdt", entry_price="2500.5", quantity="0.1", leverage=5
    )
    assert trade["symbol"] == "ETH/USDT" and trade["status"] == "open" and trade["trade_type"] == "crypto"
    assert trade["entry_price"] == "2500.50000000" and trade["quantity"] == "0.10000000"
    assert trade["leverage"] == 5 and trade["profit_loss"] is None and trade["exit_price"] is None
    assert trade["closed_at"] is None
    executed = datetime.fromisoformat(trade["executed_at"])
    assert executed.tzinfo is not None and abs(datetime.now(UTC) - executed) < timedelta(minutes=1)
    fetched = await client.get(f"{URL}/{trade['id']}", headers=user_a.headers)
    assert fetched.json()["data"] == trade


@pytest.mark.parametrize(
    ("side", "entry", "exit_", "quantity", "leverage", "expected"),
    [
        ("buy", "100", "110.5", "2", 3, Decimal("63")),
        ("buy", "100", "90", "1", 1, Decimal("-10")),
        ("sell", "100", "90", "0.5", 10, Decimal("50")),
        ("sell", "100", "120", "1", 2, Decimal("-40")),
        ("buy", "0.00001234", "0.00001300", "1000000", 5, Decimal("3.3")),
        ("sell", "65000.12345678", "65000.12345678", "3", 125, Decimal("0")),
    ],
)
async def test_closing_computes_profit_and_loss(
    client, user_a: Account, side, entry, exit_, quantity, leverage, expected
):
    trade = await open_trade(
        client, user_a, side=side, entry_price=entry, quantity=quantity, leverage=leverage
    )
    response = await close(client, user_a, trade["id"], exit_)
    assert response.status_code == 200, response.text
    closed = response.json()["data"]
    assert Decimal(closed["profit_loss"]) == expected
    assert closed["profit_loss"] == format(expected.quantize(Decimal("0.00000001")), "f")
    assert closed["status"] == "closed" and Decimal(closed["exit_price"]) == Decimal(exit_)
    assert closed["closed_at"] is not None


async def test_pnl_rounds_half_even_to_eight_decimals(client, user_a: Account):
    trade = await open_trade(client, user_a, entry_price="0.00000001", quantity="0.00000005", leverage=1)
    closed = (await close(client, user_a, trade["id"], "0.00000002")).json()["data"]
    # (0.00000002 - 0.00000001) * 0.00000005 = 5E-16 -> 0E-8
    assert closed["profit_loss"] == "0.00000000"


async def test_state_machine_only_an_open_trade_closes_cancels_or_changes(client, user_a: Account):
    closed = await open_trade(client, user_a)
    assert (await close(client, user_a, closed["id"], "101")).status_code == 200
    for response in (
        await close(client, user_a, closed["id"], "150"),
        await client.post(f"{URL}/{closed['id']}/cancel", headers=user_a.headers),
        await client.put(f"{URL}/{closed['id']}", json={"quantity": "5"}, headers=user_a.headers),
    ):
        assert response.status_code == 409 and response.json()["error"]["code"] == "CONFLICT"
    assert (await client.get(f"{URL}/{closed['id']}", headers=user_a.headers)).json()["data"][
        "profit_loss"
    ] == ("1.00000000")

    cancelled = await open_trade(client, user_a)
    response = await client.post(f"{URL}/{cancelled['id']}/cancel", headers=user_a.headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "cancelled" and data["profit_loss"] is None and data["closed_at"] is not None
    assert (await close(client, user_a, cancelled["id"], "101")).status_code == 409
    assert (await client.post(f"{URL}/{cancelled['id']}/cancel", headers=user_a.headers)).status_code == 409


async def test_an_open_trade_can_be_corrected(client, user_a: Account):
    trade = await open_trade(client, user_a)
    response = await client.put(
        f"{URL}/{trade['id']}", json={"entry_price": "99.5", "leverage": 2}, headers=user_a.headers
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["entry_price"] == "99.50000000" and data["leverage"] == 2 and data["quantity"] == "1.00000000"
    closed = (await close(client, user_a, trade["id"], "100.5")).json()["data"]
    assert Decimal(closed["profit_loss"]) == Decimal("2")


@pytest.mark.parametrize(
    "body",
    [
        {"entry_price": "0"},
        {"entry_price": "-1"},
        {"quantity": "0"},
        {"entry_price": "1.123456789"},
        {"entry_price": "NaN"},
        {"leverage": 0},
        {"leverage": 126},
        {"side": "hold"},
        {"trade_type": "stocks"},
        {"symbol": "BTCUSDT"},
        {"symbol": "BTC/USDT/EUR"},
        {"symbol": ""},
    ],
)
async def test_invalid_trades_are_422(client, user_a: Account, body):
    payload = {"symbol": "BTC/USDT", "side": "buy", "entry_price": "1", "quantity": "1", **body}
    response = await client.post(URL, json=payload, headers=user_a.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "closed"},
        {"profit_loss": "1000000"},
        {"pnl": "1000000"},
        {"exit_price": "1"},
        {"user_id": str(uuid.uuid4())},
        {"executed_at": "2020-01-01T00:00:00Z"},
        {"closed_at": "2020-01-01T00:00:00Z"},
        {"id": str(uuid.uuid4())},
    ],
)
async def test_server_owned_trade_fields_are_rejected_and_nothing_changes(client, user_a: Account, extra):
    body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": "1", "quantity": "1", **extra}
    assert (await client.post(URL, json=body, headers=user_a.headers)).status_code == 422
    assert (await client.get(URL, headers=user_a.headers)).json()["data"]["total"] == 0
    trade = await open_trade(client, user_a)
    response = await client.put(f"{URL}/{trade['id']}", json=extra, headers=user_a.headers)
    assert response.status_code == 422
    assert (await client.get(f"{URL}/{trade['id']}", headers=user_a.headers)).json()["data"] == trade


async def test_symbol_side_and_type_cannot_be_changed(client, user_a: Account):
    trade = await open_trade(client, user_a)
    for body in ({"symbol": "ETH/USDT"}, {"side": "sell"}, {"trade_type": "forex"}):
        assert (
            await client.put(f"{URL}/{trade['id']}", json=body, headers=user_a.headers)
        ).status_code == 422


async def test_another_users_trade_answers_404_like_a_random_id(client, user_a: Account, user_b: Account):
    trade = await open_trade(client, user_a)
    url = f"{URL}/{trade['id']}"
    missing = await client.get(f"{URL}/{uuid.uuid4()}", headers=user_b.headers)
    assert missing.status_code == 404
    for response in (
        await client.get(url, headers=user_b.headers),
        await client.put(url, json={"quantity": "9"}, headers=user_b.headers),
        await client.delete(url, headers=user_b.headers),
        await close(client, user_b, trade["id"], "1000"),
        await client.post(f"{url}/cancel", headers=user_b.headers),
    ):
        assert response.status_code == 404 and response.json() == missing.json()
    listed = await client.get(URL, params={"user_id": user_a.id}, headers=user_b.headers)
    assert listed.json()["data"]["total"] == 0
    summary = (await client.get(f"{URL}/summary", headers=user_b.headers)).json()["data"]
    assert summary["counts"]["total"] == 0
    assert (await client.get(url, headers=user_a.headers)).json()["data"] == trade


async def test_deleting_a_trade_hides_it(client, user_a: Account):
    trade = await open_trade(client, user_a)
    assert (await client.delete(f"{URL}/{trade['id']}", headers=user_a.headers)).status_code == 200
    assert (await client.get(f"{URL}/{trade['id']}", headers=user_a.headers)).status_code == 404
    assert (await client.delete(f"{URL}/{trade['id']}", headers=user_a.headers)).status_code == 404
    assert (await client.get(URL, headers=user_a.headers)).json()["data"]["total"] == 0


async def test_list_filters_by_symbol_side_status_and_time(client, user_a: Account):
    btc = await open_trade(client, user_a, symbol="BTC/USDT", side="buy")
    eth = await open_trade(client, user_a, symbol="ETH/USDT", side="sell")
    await close(client, user_a, eth["id"], "90")

    async def ids(**params):
        response = await client.get(URL, params=params, headers=user_a.headers)
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["data"]["items"]}

    assert await ids(symbol="btc/usdt") == {btc["id"]}
    assert await ids(side="sell") == {eth["id"]}
    assert await ids(status="closed") == {eth["id"]}
    assert await ids(status="open", side="buy") == {btc["id"]}
    now = datetime.now(UTC)
    assert await ids(executed_from=(now - timedelta(hours=1)).isoformat()) == {btc["id"], eth["id"]}
    assert await ids(executed_from=(now + timedelta(hours=1)).isoformat()) == set()
    assert await ids(executed_to=(now - timedelta(hours=1)).isoformat()) == set()
    inverted = await client.get(
        URL,
        params={"executed_from": now.isoformat(), "executed_to": (now - timedelta(days=1)).isoformat()},
        headers=user_a.headers,
    )
    # A rule across two fields, which the schema cannot state: 400, like the other business rules.
    assert inverted.status_code == 400 and inverted.json()["error"]["code"] == "VALIDATION_ERROR"
    assert (await client.get(URL, params={"status": "pending"}, headers=user_a.headers)).status_code == 422


async def test_sorting_by_price_is_numeric(client, user_a: Account):
    for price in ("10", "9", "100"):
        await open_trade(client, user_a, entry_price=price)
    response = await client.get(URL, params={"sort": "entry_price"}, headers=user_a.headers)
    assert [t["entry_price"] for t in response.json()["data"]["items"]] == [
        "9.00000000",
        "10.00000000",
        "100.00000000",
    ]
    response = await client.get(URL, params={"sort": "-entry_price"}, headers=user_a.headers)
    assert response.json()["data"]["items"][0]["entry_price"] == "100.00000000"


async def test_pagination_is_clamped_and_validated(client, settings, user_a: Account):
    for _ in range(3):
        await open_trade(client, user_a)
    page = (await client.get(URL, params={"limit": 2}, headers=user_a.headers)).json()["data"]
    assert len(page["items"]) == 2 and page["total"] == 3 and page["has_more"] is True
    last = (await client.get(URL, params={"limit": 2, "offset": 2}, headers=user_a.headers)).json()["data"]
    assert len(last["items"]) == 1 and last["has_more"] is False
    assert {t["id"] for t in page["items"]}.isdisjoint({t["id"] for t in last["items"]})
    huge = (await client.get(URL, params={"limit": 100000}, headers=user_a.headers)).json()["data"]
    assert huge["limit"] == settings.MAX_PAGE_SIZE and len(huge["items"]) == 3
    for params in ({"limit": 0}, {"limit": -1}, {"offset": -5}, {"sort": "user_id"}):
        assert (await client.get(URL, params=params, headers=user_a.headers)).status_code == 422


async def test_agent_reference_must_be_an_active_catalogue_agent(client, admin: Account, user_a: Account):
    agent = await create_agent(client, admin)
    inactive = await create_agent(client, admin, is_active=False)
    trade = await open_trade(client, user_a, agent_id=agent["id"])
    assert trade["agent_id"] == agent["id"] and trade["flow_id"] is None
    for agent_id in (inactive["id"], str(uuid.uuid4())):
        body = {
            "symbol": "BTC/USDT",
            "side": "buy",
            "entry_price": "1",
            "quantity": "1",
            "agent_id": agent_id,
        }
        assert (await client.post(URL, json=body, headers=user_a.headers)).status_code == 404
    listed = await client.get(URL, params={"agent_id": agent["id"]}, headers=user_a.headers)
    assert [t["id"] for t in listed.json()["data"]["items"]] == [trade["id"]]


async def test_summary_numbers(client, user_a: Account):
    empty = (await client.get(f"{URL}/summary", headers=user_a.headers)).json()["data"]
    assert empty["counts"] == {"total": 0, "open": 0, "closed": 0, "cancelled": 0}
    assert empty["win_rate"] is None and empty["total_profit_loss"] == "0.00000000"
    assert empty["by_symbol"] == [] and empty["by_day"] == []

    win_btc = await open_trade(client, user_a, symbol="BTC/USDT", entry_price="100", quantity="2", leverage=3)
    await close(client, user_a, win_btc["id"], "110.5")  # +63
    win_eth = await open_trade(client, user_a, symbol="ETH/USDT", side="sell", quantity="0.5", leverage=10)
    await close(client, user_a, win_eth["id"], "90")  # +50
    loss_btc = await open_trade(client, user_a, symbol="BTC/USDT", side="sell", leverage=2)
    await close(client, user_a, loss_btc["id"], "120")  # -40
    await open_trade(client, user_a)  # open
    cancelled = await open_trade(client, user_a)
    await client.post(f"{URL}/{cancelled['id']}/cancel", headers=user_a.headers)
    deleted = await open_trade(client, user_a, symbol="XRP/USDT")
    await close(client, user_a, deleted["id"], "1000")
    await client.delete(f"{URL}/{deleted['id']}", headers=user_a.headers)  # excluded everywhere

    response = await client.get(f"{URL}/summary", headers=user_a.headers)
    assert response.status_code == 200
    summary = response.json()["data"]
    assert summary["counts"] == {"total": 5, "open": 1, "closed": 3, "cancelled": 1}
    assert summary["wins"] == 2 and summary["losses"] == 1
    assert summary["win_rate"] == "0.6667"
    assert summary["total_profit_loss"] == "73.00000000"
    assert summary["by_symbol"] == [
        {"symbol": "BTC/USDT", "closed_trades": 2, "wins": 1, "profit_loss": "23.00000000"},
        {"symbol": "ETH/USDT", "closed_trades": 1, "wins": 1, "profit_loss": "50.00000000"},
    ]
    today = datetime.now(UTC).date().isoformat()
    assert summary["by_day"] == [{"date": today, "closed_trades": 3, "profit_loss": "73.00000000"}]

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = (
        await client.get(f"{URL}/summary", params={"executed_from": future}, headers=user_a.headers)
    ).json()
    assert later["data"]["counts"]["total"] == 0


async def test_trades_per_day_follow_the_plan_limit(client, app, user_a: Account):
    async with app.state.database.transaction() as session:
        plan = Plan(
            name=f"Tiny {uuid.uuid4().hex[:8]}",
            limits=[{"resource": "trades_per_day", "title": "Trades per day", "description": "", "value": 2}],
            features=[],
        )
        session.add(plan)
        await session.flush()
        await subscribe(session, uuid.UUID(user_a.id), plan.id)
    first = await open_trade(client, user_a)
    await open_trade(client, user_a)
    await client.delete(f"{URL}/{first['id']}", headers=user_a.headers)  # deleting does not reset the quota
    body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": "1", "quantity": "1"}
    response = await client.post(URL, json=body, headers=user_a.headers)
    assert response.status_code == 402 and response.json()["error"]["code"] == "PLAN_LIMIT_REACHED"


async def test_trades_need_a_token(client):
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(f"{URL}/summary")).status_code == 401


async def test_closing_a_trade_at_the_extremes_of_the_inputs_is_exact_not_a_500(client, user_a: Account):
    """Issue 17 item 5: price x quantity x leverage of the largest inputs (31 digits) is computed
    exactly, not a 500. A P&L column (`Amount(40, 8)`) stores what both backends can (about
    ±9.2e10, SQLite's scaled int64): beyond it the close is refused with its stable code, a 400
    (schema-valid inputs whose result cannot be stored: a business rule, not a schema refusal,
    as the stateful fuzz's `positive_data_acceptance` found); up to it the P&L is exact."""
    biggest = "9999999999.99999999"
    trade = await open_trade(client, user_a, entry_price="0.00000001", quantity=biggest, leverage=125)
    response = await close(client, user_a, trade["id"], biggest)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "AMOUNT_OUT_OF_RANGE"

    trade = await open_trade(client, user_a, entry_price="0.00000001", quantity="9.19999999", leverage=1)
    response = await close(client, user_a, trade["id"], biggest)
    assert response.status_code == 200, response.text
    with localcontext() as context:
        context.prec = 80
        exact = ((Decimal(biggest) - Decimal("0.00000001")) * Decimal("9.19999999")).quantize(Decimal("1E-8"))
    assert response.json()["data"]["profit_loss"] == format(exact, "f")
    summary = await client.get(f"{URL}/summary", headers=user_a.headers)
    assert summary.status_code == 200, summary.text


@pytest.mark.parametrize(
    "amount",
    [
        "1e2",
        " 1",
        "+1",
        "1_0",
        "0",
        "0.00000000",
        "01",
        "1.123456789",
        "10000000000",
        0.25,
        True,
        0,
        10**10,
    ],
)
async def test_amounts_are_parsed_as_strictly_as_the_schema_declares(client, user_a: Account, amount):
    """Issue 17 item 6: a decimal string with at most 10 + 8 digits, or a whole number."""
    body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": amount, "quantity": "1"}
    response = await client.post(URL, json=body, headers=user_a.headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("amount", ["0.00000001", "9999999999.99999999", "12.5", 7, 3.0])
async def test_amounts_the_schema_declares_are_accepted(client, user_a: Account, amount):
    body = {"symbol": "BTC/USDT", "side": "buy", "entry_price": amount, "quantity": "1"}
    response = await client.post(URL, json=body, headers=user_a.headers)
    assert response.status_code == 201, response.text
    assert Decimal(response.json()["data"]["entry_price"]) == Decimal(str(amount))
