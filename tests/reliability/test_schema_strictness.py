"""The schema declares what the server checks, and the server parses what the schema says (issue 17
item 6): sort fields, booleans, date-times, amounts, emails."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from mosaic.core.params import Email
from mosaic.core.repository import Repository
from tests.accounts.conftest import Account, register
from tests.reliability.test_input_bounds import OPENAPI


def _query_schema(path: str, name: str) -> dict[str, Any]:
    parameter = next(p for p in OPENAPI["paths"][path]["get"]["parameters"] if p["name"] == name)
    schema: dict[str, Any] = parameter["schema"]
    return next((s for s in schema.get("anyOf", [schema]) if s.get("type") == "string"), schema)


def sort_fields(path: str) -> set[str]:
    pattern = _query_schema(path, "sort")["pattern"]
    match = re.match(r"^\^-\?\(\?:([a-z_|]+)\)", pattern)
    assert match, pattern
    return set(match.group(1).split("|"))


SORTED_LISTS = sorted(
    path
    for path, operations in OPENAPI["paths"].items()
    if "get" in operations and any(p["name"] == "sort" for p in operations["get"].get("parameters", []))
)


def test_every_list_declares_its_sort_fields():
    assert len(SORTED_LISTS) >= 14
    # The pattern is generated from the repository's whitelist, not the old `[a-z_]+`.
    assert sort_fields("/api/v1/plans") == {"created_at", "name", "price"}
    assert sort_fields("/api/v1/roles") == {"created_at", "name"}
    subclasses = {frozenset(cls.sortable) for cls in _all_repositories()}
    for path in SORTED_LISTS:
        assert frozenset(sort_fields(path)) in subclasses, path


def _all_repositories() -> list[type[Repository[Any]]]:
    found, todo = [], list(Repository.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


@pytest.mark.parametrize("path", [p for p in SORTED_LISTS if "{" not in p])
async def test_every_declared_sort_field_is_served(client: httpx.AsyncClient, superadmin: Account, path: str):
    fields = sorted(sort_fields(path))
    for sort in [*fields, ",".join(f"-{field}" for field in fields)]:
        response = await client.get(path, params={"sort": sort}, headers=superadmin.headers)
        assert response.status_code == 200, (path, sort, response.text)
    refused = await client.get(path, params={"sort": "no_such_field"}, headers=superadmin.headers)
    assert refused.status_code == 422


@pytest.mark.parametrize("value", ["1", "0", "yes", "on", "True", ""])
async def test_boolean_query_parameters_are_true_or_false(
    client: httpx.AsyncClient, admin: Account, value: str
):
    response = await client.get("/api/v1/users", params={"is_active": value}, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert (
        await client.get("/api/v1/users", params={"is_active": "true"}, headers=admin.headers)
    ).status_code == 200


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
async def test_boolean_body_fields_are_json_booleans(client: httpx.AsyncClient, user_a: Account, value: Any):
    response = await client.put(
        "/api/v1/users/me/settings", json={"notifications_enabled": value}, headers=user_a.headers
    )
    assert response.status_code == 422, response.text
    ok = await client.put(
        "/api/v1/users/me/settings", json={"notifications_enabled": False}, headers=user_a.headers
    )
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("value", ["0.5", "1700000000", "2026-12-01", "2026-12-01T09:30:00", "tomorrow"])
async def test_date_time_parameters_are_rfc3339(client: httpx.AsyncClient, user_a: Account, value: str):
    response = await client.get("/api/v1/trades", params={"executed_to": value}, headers=user_a.headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("value", ["2026-12-01T09:30:00Z", "2026-12-01T09:30:00.123+05:30"])
async def test_rfc3339_date_times_are_accepted(client: httpx.AsyncClient, user_a: Account, value: str):
    response = await client.get("/api/v1/trades", params={"executed_to": value}, headers=user_a.headers)
    assert response.status_code == 200, response.text


def test_the_amount_and_email_rules_are_in_the_schema():
    trade = OPENAPI["components"]["schemas"]["TradeIn"]["properties"]["entry_price"]
    kinds = {branch["type"]: branch for branch in trade["anyOf"]}
    assert kinds["integer"]["maximum"] == 10**10 - 1 and kinds["integer"]["minimum"] == 1
    assert re.fullmatch(kinds["string"]["pattern"].strip("^$"), "0.00000001")
    register_body = OPENAPI["components"]["schemas"]["RegisterIn"]["properties"]["email"]
    assert register_body["format"] == "email" and "test" in register_body["pattern"]


EMAILS = ["jane@example.com", "a@b.co", "x@foo.test", "x@a.local", "x@x.invalid", "x@localhost", "x@y.onion"]


@pytest.mark.parametrize("address", EMAILS)
def test_the_email_pattern_agrees_with_the_validator(address: str):
    pattern = OPENAPI["components"]["schemas"]["RegisterIn"]["properties"]["email"]["pattern"]
    try:
        TypeAdapter(Email).validate_python(address)
        accepted = True
    except ValidationError:
        accepted = False
    assert bool(re.search(pattern, address)) is accepted


async def test_registration_on_a_special_use_domain_is_a_422(client: httpx.AsyncClient):
    response = await register(client, email="someone@company.test")
    assert response.status_code == 422
