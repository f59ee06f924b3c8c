"""Money: exact amounts in the database on both backends, ISO 4217 currencies, minor units.

`Amount(precision, scale)` is a column type for `Decimal` values that the database itself can sum,
compare and sort exactly:

- PostgreSQL: `NUMERIC(precision, scale)`.
- SQLite (no decimal type; SQLAlchemy's Numeric goes through 15-digit floats there): a 64-bit
  integer of the value scaled by `10**scale` (scale 2 stores cents, scale 8 stores 1e-8 units).
  `SUM`, `MIN`, `MAX`, comparisons with bound values and `ORDER BY` then work on integers, exactly,
  in SQL; the type turns results back into `Decimal`. Arithmetic other than sums (a product, an
  average) is not meaningful on the scaled integers: do it in Python.

Both backends accept the same range, so a value never stores on one and fails on the other:
|value| <= min(10**(precision - scale) - 10**-scale, (2**63 - 1) / 10**scale). With scale 8 that is
about ±92 billion; with scale 2 about ±92 quadrillion. A value outside it raises `AmountOutOfRange`
(a 422) when it is bound. Values are rounded half-even to `scale` decimals on the way in.

    class Payment(UUIDPrimaryKey, Base):
        amount: Mapped[Decimal] = mapped_column(Amount(18, 2))
        currency: Mapped[str] = mapped_column(CurrencyColumn())

    total = await session.scalar(select(func.sum(Payment.amount)).where(Payment.currency == "EUR"))
    to_minor_units(Decimal("12.34"), "USD") == 1234;  to_minor_units(Decimal("1200"), "JPY") == 1200

Currencies come from the `iso4217` package (the ISO 4217 table, with each currency's exponent).
Only currencies with a defined exponent (not gold, SDRs, test codes) are accepted.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Annotated, Any

from iso4217 import Currency
from pydantic import AfterValidator, WithJsonSchema
from sqlalchemy import BigInteger, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from mosaic.core.errors import InvalidInput, ValidationFailed

INT64_MAX = 2**63 - 1
# Wide enough for NUMERIC(40, 8) and the scaled 64-bit integers, whatever the thread's context.
_CONTEXT = Context(prec=80, rounding=ROUND_HALF_EVEN)


class AmountOutOfRange(ValidationFailed):
    """400: schemas bound every input amount, so what overflows a column is a computed value (a
    P&L) from schema-valid inputs, a rule of the operation, not a schema refusal (422)."""

    code = "AMOUNT_OUT_OF_RANGE"
    default_message = "Amount is out of the range that can be stored"


class Amount(TypeDecorator[Decimal]):
    """An exact decimal column: NUMERIC on PostgreSQL, scaled 64-bit integer on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        if not 0 <= scale < precision:
            raise ValueError("Amount needs 0 <= scale < precision")
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        # Kept on the decorator: on SQLite the dialect copy of this type swaps `impl` for an integer.
        self.amount_scale = scale
        self.quantum = Decimal(1).scaleb(-scale)
        largest = Decimal(10) ** (precision - scale) - self.quantum
        self.max_value = min(largest, Decimal(INT64_MAX).scaleb(-scale, _CONTEXT))

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(self.impl_instance)

    def quantize(self, value: Decimal | int | str) -> Decimal:
        """`value` rounded to the column's scale and checked against its range."""
        try:
            quantized = Decimal(value).quantize(self.quantum, context=_CONTEXT)
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise AmountOutOfRange() from exc
        if not quantized.is_finite() or abs(quantized) > self.max_value:
            raise AmountOutOfRange(details={"max_abs": format(self.max_value, "f")})
        return quantized

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantized = self.quantize(value)
        if dialect.name == "sqlite":
            return int(quantized.scaleb(self.amount_scale, _CONTEXT))
        return quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):  # an AVG or a product: not exact, see the module docstring
                return (
                    Decimal(repr(value))
                    .scaleb(-self.amount_scale, _CONTEXT)
                    .quantize(self.quantum, context=_CONTEXT)
                )
            return (
                Decimal(int(value))
                .scaleb(-self.amount_scale, _CONTEXT)
                .quantize(self.quantum, context=_CONTEXT)
            )
        return Decimal(value).quantize(self.quantum, context=_CONTEXT)


# -- currencies ------------------------------------------------------------------------------
def currency(code: str) -> Currency:
    """The ISO 4217 currency `code` (case-insensitive) names; ValueError for an unknown one."""
    if not isinstance(code, str) or len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError("currency must be a three-letter ISO 4217 code")
    try:
        found = Currency(code.upper())
    except ValueError:
        raise ValueError(f"unknown ISO 4217 currency {code.upper()!r}") from None
    if found.exponent is None:
        raise ValueError(f"{found.code} is not a currency with minor units")
    return found


def validate_currency(code: str) -> str:
    """The canonical (upper-case) code; for pydantic fields and the column type."""
    return currency(code).code


# The codes `currency()` accepts: the schema lists them, so a client (and the fuzzer) knows which
# three letters the server takes rather than finding out from a 422.
CURRENCY_CODES = tuple(sorted(item.code for item in Currency if item.exponent is not None))

CurrencyCode = Annotated[
    str,
    AfterValidator(validate_currency),
    WithJsonSchema({"type": "string", "enum": list(CURRENCY_CODES), "description": "ISO 4217 code"}),
]
"""A pydantic field type: an ISO 4217 code, normalised to upper case (`"eur"` -> `"EUR"`)."""


def minor_units(code: str) -> int:
    """Decimals of the currency's minor unit: USD 2, JPY 0, BHD 3."""
    exponent = currency(code).exponent
    assert exponent is not None  # currency() refuses the others
    return exponent


def to_minor_units(amount: Decimal, code: str) -> int:
    """`12.34 USD` -> `1234`; an amount finer than the currency's minor unit is a ValueError
    (a payment must not be rounded silently)."""
    scaled = Decimal(amount).scaleb(minor_units(code), _CONTEXT)
    if scaled != scaled.to_integral_value(context=_CONTEXT):
        raise ValueError(f"{amount} has more decimals than {code.upper()} allows ({minor_units(code)})")
    return int(scaled)


def from_minor_units(units: int, code: str) -> Decimal:
    """`1234, "USD"` -> `Decimal("12.34")`, with exactly the currency's decimals."""
    places = minor_units(code)
    return (
        Decimal(int(units)).scaleb(-places, _CONTEXT).quantize(Decimal(1).scaleb(-places), context=_CONTEXT)
    )


class CurrencyColumn(TypeDecorator[str]):
    """A `CHAR(3)`-sized column that only stores valid ISO 4217 codes, upper case."""

    impl = String(3)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return validate_currency(value)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value
