"""Money in core: exact amounts summed, filtered and sorted in SQL on both backends; currencies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from sqlalchemy import MetaData, event, func, insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mosaic.core.database import NAMING_CONVENTION, Database, UUIDPrimaryKey
from mosaic.core.errors import install_error_handlers
from mosaic.core.money import (
    Amount,
    AmountOutOfRange,
    CurrencyCode,
    CurrencyColumn,
    from_minor_units,
    minor_units,
    to_minor_units,
)


class LedgerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Entry(UUIDPrimaryKey, LedgerBase):
    __tablename__ = "test_ledger"
    book: Mapped[str] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Amount(18, 2))
    fine: Mapped[Decimal | None] = mapped_column(Amount(30, 8), default=None)
    currency: Mapped[str] = mapped_column(CurrencyColumn(), default="EUR")


AMOUNTS = [Decimal(v) for v in ("0.01", "-5.50", "12345678901.23", "3.00", "-0.01", "99.99", "100.00")]
MAX_2 = Amount(18, 2).max_value  # 10**16 - 0.01: NUMERIC(18, 2)'s limit is below the int64 one


@pytest.fixture(scope="module")
async def engine(app: FastAPI) -> AsyncEngine:
    database: Database = app.state.database
    async with database.engine.begin() as connection:
        await connection.run_sync(LedgerBase.metadata.create_all)
    return database.engine


@contextmanager
def captured_sql(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def new_book(engine: AsyncEngine, amounts: list[Decimal]) -> str:
    book = uuid.uuid4().hex
    async with engine.begin() as connection:
        await connection.execute(
            insert(Entry),
            [{"id": uuid.uuid4(), "book": book, "amount": a, "currency": "EUR"} for a in amounts],
        )
    return book


async def test_sum_runs_in_sql_and_is_exact(engine: AsyncEngine):
    book = await new_book(engine, AMOUNTS)
    with captured_sql(engine) as statements:
        async with engine.connect() as connection:
            total = await connection.scalar(select(func.sum(Entry.amount)).where(Entry.book == book))
    assert total == sum(AMOUNTS)
    assert isinstance(total, Decimal) and total.as_tuple().exponent == -2
    ((sql, _),) = [s for s in statements if "test_ledger" in s[0]]
    assert "sum(test_ledger.amount)" in sql.lower()


async def test_filters_and_order_by_run_in_sql_numerically(engine: AsyncEngine):
    book = await new_book(engine, AMOUNTS)
    with captured_sql(engine) as statements:
        async with engine.connect() as connection:
            statement = (
                select(Entry.amount)
                .where(Entry.book == book, Entry.amount > Decimal("0.00"), Entry.amount < Decimal("100"))
                .order_by(Entry.amount.desc())
            )
            found = list((await connection.execute(statement)).scalars())
            ascending = list(
                (
                    await connection.execute(
                        select(Entry.amount).where(Entry.book == book).order_by(Entry.amount)
                    )
                ).scalars()
            )
    assert found == [Decimal("99.99"), Decimal("3.00"), Decimal("0.01")]
    assert ascending == sorted(AMOUNTS)  # numeric, negatives first: not the text order
    sql = " ".join(s for s, _ in statements).lower()
    assert "order by test_ledger.amount desc" in sql and "test_ledger.amount >" in sql
    if engine.dialect.name == "sqlite":  # the bound values are scaled integers too
        (_, parameters), *_ = [s for s in statements if "test_ledger.amount >" in s[0]]
        assert 0 in parameters and 10000 in parameters


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (Decimal("0.01"), Decimal("0.01")),
        (Decimal("0.005"), Decimal("0.00")),  # half-even
        (Decimal("0.015"), Decimal("0.02")),
        (Decimal("-7"), Decimal("-7.00")),
        (MAX_2, MAX_2),
        (-MAX_2, -MAX_2),
    ],
)
async def test_values_round_trip_exactly(engine: AsyncEngine, given: Decimal, stored: Decimal):
    book = await new_book(engine, [given])
    async with engine.connect() as connection:
        assert await connection.scalar(select(Entry.amount).where(Entry.book == book)) == stored


async def test_eight_decimal_amounts_round_trip_at_the_64_bit_limit(engine: AsyncEngine):
    limit = Amount(30, 8).max_value
    assert limit == Decimal("92233720368.54775807")
    book = uuid.uuid4().hex
    async with engine.begin() as connection:
        rows = [
            {"id": uuid.uuid4(), "book": book, "amount": 0, "fine": v}
            for v in (limit, -limit, Decimal("1e-8"))
        ]
        await connection.execute(insert(Entry), rows)
        found = list(
            await connection.execute(select(Entry.fine).where(Entry.book == book).order_by(Entry.fine))
        )
    assert [row[0] for row in found] == [-limit, Decimal("0.00000001"), limit]


@pytest.mark.parametrize(
    "value", [MAX_2 + Decimal("0.01"), Decimal("1e30"), Decimal("NaN"), Decimal("Infinity")]
)
async def test_out_of_range_values_are_refused_on_every_backend(engine: AsyncEngine, value: Decimal):
    with pytest.raises(StatementError) as caught:
        await new_book(engine, [value])
    assert isinstance(caught.value.orig, AmountOutOfRange)


async def test_out_of_range_through_http_is_a_400_envelope(engine: AsyncEngine):
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/entries")
    async def add(amount: Decimal) -> dict[str, str]:
        await new_book(engine, [amount])
        return {"status": "ok"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/entries", params={"amount": "1e20"})
        assert (await client.post("/entries", params={"amount": "12.5"})).status_code == 200
    # The schema bounds what it can; a value that passes it and still cannot be stored (a computed
    # P&L) breaks a rule of the operation: 400, like every rule the schema cannot state.
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "AMOUNT_OUT_OF_RANGE"


async def test_currency_column_stores_valid_codes_only(engine: AsyncEngine):
    book = uuid.uuid4().hex
    async with engine.begin() as connection:
        await connection.execute(
            insert(Entry), [{"id": uuid.uuid4(), "book": book, "amount": 1, "currency": "jpy"}]
        )
        assert await connection.scalar(select(Entry.currency).where(Entry.book == book)) == "JPY"
    with pytest.raises(StatementError, match="unknown ISO 4217"):
        async with engine.begin() as connection:
            await connection.execute(
                insert(Entry), [{"id": uuid.uuid4(), "book": book, "amount": 1, "currency": "ABC"}]
            )


@pytest.mark.parametrize(
    ("code", "places"), [("USD", 2), ("eur", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("CLF", 4)]
)
def test_minor_units_follow_iso_4217(code: str, places: int):
    assert minor_units(code) == places


@pytest.mark.parametrize(
    ("amount", "code", "units"),
    [
        ("12.34", "USD", 1234),
        ("1200", "JPY", 1200),
        ("1.234", "BHD", 1234),
        ("0", "EUR", 0),
        ("-5.10", "USD", -510),
    ],
)
def test_minor_unit_conversions_round_trip(amount: str, code: str, units: int):
    assert to_minor_units(Decimal(amount), code) == units
    assert from_minor_units(units, code) == Decimal(amount)
    assert from_minor_units(units, code).as_tuple().exponent == -minor_units(code)


def test_minor_unit_conversion_never_rounds_silently():
    with pytest.raises(ValueError, match="more decimals"):
        to_minor_units(Decimal("1.005"), "USD")
    with pytest.raises(ValueError, match="more decimals"):
        to_minor_units(Decimal("100.5"), "JPY")


@pytest.mark.parametrize("code", ["XAU", "XXX", "ABC", "US", "USDX", "12$", "", "ÜSD"])
def test_invalid_or_unit_less_currencies_are_refused(code: str):
    with pytest.raises(ValueError):
        minor_units(code)


def test_currency_code_field_normalises_and_validates():
    class Price(BaseModel):
        currency: CurrencyCode

    assert Price(currency="gbp").currency == "GBP"
    with pytest.raises(ValidationError):
        Price(currency="XYZ")
