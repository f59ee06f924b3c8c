"""No 500 from input, and a schema that bounds every number (issue 17 item 5).

`GET /plans?offset=100000000000000000000` (anonymous: the offset went into the cache key and
overflowed it) and closing a trade whose P&L overflowed the decimal context answered 500. Every
numeric input now has both bounds in the schema, so docs and generated clients show them, and an
arithmetic error that slips past them is a 422.
"""

from __future__ import annotations

import decimal
from typing import Any

import httpx
import pytest

from mosaic.main import create_app
from tests.conftest import make_settings

OPENAPI = create_app(make_settings()).openapi()
COMPONENTS = OPENAPI["components"]["schemas"]


def _unbounded(schema: dict[str, Any], where: str, found: set[str], seen: set[str]) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _unbounded(COMPONENTS[name], name, found, seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _unbounded(sub, where, found, seen)
    if schema.get("type") in ("integer", "number"):
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        if not (low and high):
            found.add(where)
    for name, prop in schema.get("properties", {}).items():
        _unbounded(prop, f"{where}.{name}", found, seen)
    if isinstance(schema.get("items"), dict):
        _unbounded(schema["items"], f"{where}[]", found, seen)
    if isinstance(schema.get("additionalProperties"), dict):
        _unbounded(schema["additionalProperties"], f"{where}{{}}", found, seen)


def unbounded_numeric_inputs(spec: dict[str, Any]) -> set[str]:
    """Every integer/number a client may send (parameters and request bodies) without both bounds."""
    found: set[str] = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                _unbounded(parameter["schema"], f"{method.upper()} {path} ?{parameter['name']}", found, set())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _unbounded(content["schema"], f"{method.upper()} {path} body", found, set())
    return found


def test_every_numeric_input_has_both_bounds_in_the_schema():
    assert unbounded_numeric_inputs(OPENAPI) == set()


def test_the_audit_sees_an_unbounded_number():
    spec = {
        "paths": {"/x": {"get": {"parameters": [{"name": "n", "schema": {"type": "integer", "minimum": 0}}]}}}
    }
    assert unbounded_numeric_inputs(spec) == {"GET /x ?n"}


@pytest.mark.parametrize(
    "params",
    [{"offset": "100000000000000000000"}, {"offset": str(2**53)}, {"limit": "10000000000000000000000"}],
)
async def test_huge_pagination_values_are_a_422_not_a_500(client: httpx.AsyncClient, params: dict[str, str]):
    response = await client.get("/api/v1/plans", params=params)  # anonymous, cached
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_the_largest_declared_offset_is_served(client: httpx.AsyncClient):
    response = await client.get("/api/v1/plans", params={"offset": str(2**53 - 1)})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["items"] == []


async def test_an_arithmetic_error_from_a_handler_is_a_422(make_client: Any):
    app, client = await make_client(SEED_ON_STARTUP=False)

    async def overflow() -> None:
        with decimal.localcontext(prec=5):
            decimal.Decimal("123456789").quantize(decimal.Decimal("0.01"))

    app.add_api_route("/test-overflow", overflow)
    response = await client.get("/test-overflow")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "Traceback" not in response.text


@pytest.mark.postgres
async def test_text_postgresql_cannot_store_is_a_400(client: httpx.AsyncClient, user_a: Any):
    """A NUL byte is a valid JSON string character but not storable text in PostgreSQL: a
    business-rule 400, not a 500 (and not the 422 that means the schema refused it)."""
    response = await client.get("/api/v1/user-prompts", params={"q": "a\x00b"}, headers=user_a.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "\\u0000" not in response.text and "SQL" not in response.text


async def test_a_free_form_integer_beyond_64_bits_is_stored_and_read_back_exactly(
    client: httpx.AsyncClient, superadmin: Any
):
    """Found by the stateful fuzz: a wallet's free-form `config` took 2**77 (valid JSON, and the
    schema bounds no value inside a free-form object), the create answered 201 and every read of
    it a 500, since the cache's serialiser stops at 64 bits. Such a value is served uncached."""
    huge = 2**77 + 1
    body = {"name": "Huge", "type": "DEX", "provider": "x.y", "config": {"depth": {"n": huge}}}
    created = await client.post("/api/v1/wallets", json=body, headers=superadmin.headers)
    assert created.status_code == 201, created.text
    for _ in range(2):  # the second read would be the cached one
        read = await client.get(f"/api/v1/wallets/{created.json()['data']['id']}", headers=superadmin.headers)
        assert read.status_code == 200, read.text
        assert read.json()["data"]["config"] == {"depth": {"n": huge}}
