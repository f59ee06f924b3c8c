"""Schemathesis over every operation of the OpenAPI schema: SECURITY-CHECKLIST §8.01.

Each operation is fuzzed three times: anonymously, as a regular user and as the superadmin.
Nothing may answer 5xx, every answer must match the documented status codes, content types,
headers and schemas, and anonymous calls to protected routes must answer 401.

The fuzzed app has its own freshly migrated database: whatever the fuzzer deletes, disables or
creates cannot leak into other tests. Schemathesis drives ASGI apps from its own event loop
thread (and runs the app's lifespan there), so this app is never touched from pytest's loop.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, settings
from schemathesis import CheckFunction
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import allow_header_conformance, unsupported_method

from mosaic.accounts.deps import get_principal
from mosaic.core.config import Settings
from mosaic.core.migrations import run_alembic
from mosaic.main import create_app
from tests.conftest import fresh_database_url, make_settings

PASSWORD = "Fuzz-Passw0rd-Not-Guessable"
SEED = 20261123
LOGOUT = ("POST", "/api/v1/auth/logout")
DELETE_ME = ("DELETE", "/api/v1/users/me")
# The coverage phase (every boundary value, enum member, wrong type and undeclared method) finds
# more but takes several times as long: opt in with MOSAIC_FUZZ_COVERAGE=1.
COVERAGE = os.environ.get("MOSAIC_FUZZ_COVERAGE") == "1"


def _needs_principal(dependant: Dependant) -> bool:
    return any(dep.call is get_principal or _needs_principal(dep) for dep in dependant.dependencies)


def protected_operations(app: FastAPI) -> frozenset[tuple[str, str]]:
    """(METHOD, path) of every route that depends on an authenticated principal.

    FastAPI ≥ 0.16x keeps included routers as `_IncludedRouter` entries in `app.routes`, so the
    routes (with their full paths and inherited dependencies) come from `iter_route_contexts`.
    """
    found = set()
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if isinstance(route.original_route, APIRoute) and dependant and _needs_principal(dependant):
            found |= {(method, str(route.path)) for method in route.methods or ()}
    return frozenset(found)


# The schema is static: an app that is never started gives it, and the route facts, at collection.
_SCHEMA_APP = create_app(make_settings())
OPENAPI = _SCHEMA_APP.openapi()
PROTECTED = protected_operations(_SCHEMA_APP)
# Operations whose answer depends on who calls: the authenticated runs fuzz only these (the
# public ones are covered by the anonymous run; logout revokes the access token it is sent).
TOKEN_OPERATIONS = PROTECTED | {LOGOUT}


def _config(*, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "phases": {"coverage": {"enabled": coverage}},
            "checks": {
                # Schema-valid data may still break a business rule the schema cannot state (a
                # taken email, a wrong current password, an unknown reset token): those answers
                # are 400 with their own code; an upload is judged by its bytes (an image), which
                # `format: binary` cannot describe: 415. A 422 (the schema-level rejection) fails.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "415", "429"]
                },
            },
        }
    )


def _reads_the_token(ctx: Any) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) in TOKEN_OPERATIONS


anonymous_schema = schemathesis.openapi.from_dict(OPENAPI, config=_config(coverage=COVERAGE))
authenticated_schema = schemathesis.openapi.from_dict(OPENAPI, config=_config(coverage=COVERAGE)).include(
    _reads_the_token
)

FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _template_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")


def shadowed_paths(spec: dict[str, Any]) -> set[str]:
    """Literal paths that a templated sibling also matches: `/notifications/unread-count` is
    `/notifications/{notification_id}` for every method it does not declare itself, so a DELETE
    there is a 422 (not a UUID), not the 405 that "unsupported method" expects."""
    paths = list(spec["paths"])
    templated = [(path, _template_regex(path)) for path in paths if "{" in path]
    return {path for path in paths for other, regex in templated if other != path and regex.match(path)}


@dataclass(frozen=True)
class Fuzzed:
    app: FastAPI
    settings: Settings


@pytest.fixture(scope="module")
async def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fuzzed]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    async with fresh_database_url(tmp, "fuzz") as url:
        app_settings = make_settings(
            DATABASE_URL=url, EMAIL_OUTBOX_DIR=str(tmp / "outbox"), MEDIA_ROOT=str(tmp / "media")
        )
        await run_alembic(app_settings, "upgrade")
        app = create_app(app_settings)
        assert app.openapi() == OPENAPI and protected_operations(app) == PROTECTED
        try:
            yield Fuzzed(app, app_settings)
        finally:
            asgi.shutdown_lifespans()  # closes the app's pool before its database is dropped


def _login(app: FastAPI, email: str, password: str) -> str:
    with asgi.get_client(cast(Any, app)) as client:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        token: str = response.json()["data"]["access_token"]
        return token


def new_user_token(app: FastAPI) -> str:
    email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    with asgi.get_client(cast(Any, app)) as client:
        body = {"email": email, "password": PASSWORD, "first_name": "Fuzz", "last_name": "User"}
        response = client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
    return _login(app, email, PASSWORD)


@pytest.fixture(scope="module")
def user_token(fuzzed: Fuzzed) -> str:
    # Shared by the operations: the fuzzer cannot guess its password or refresh token, so only
    # DELETE /users/me can end it, and that operation gets a fresh user per example instead.
    return new_user_token(fuzzed.app)


@pytest.fixture(scope="module")
def superadmin_token(fuzzed: Fuzzed) -> str:
    # The last superadmin cannot delete or disable itself, and random ids never hit its own.
    return _login(
        fuzzed.app, fuzzed.settings.SUPERADMIN_EMAIL, fuzzed.settings.SUPERADMIN_PASSWORD.get_secret_value()
    )


# Every check runs: not_a_server_error, status_code_conformance, content_type_conformance,
# response_headers_conformance, response_schema_conformance, positive_data_acceptance,
# negative_data_rejection, missing_required_header, unsupported_method, allow_header_conformance,
# ignored_auth. (Issue 17: the schema declares what the server checks, and the server parses what
# the schema declares, so neither data check needs excluding any more.)
EXCLUDED_CHECKS: list[CheckFunction] = []
SHADOWED = shadowed_paths(OPENAPI)


def _run(case: Any, fuzzed: Fuzzed, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    if token is None and case.headers:
        case.headers.pop("Authorization", None)
    excluded = list(EXCLUDED_CHECKS)
    if case.path in SHADOWED:
        excluded += [unsupported_method, allow_header_conformance]
    return case.call_and_validate(app=fuzzed.app, headers=headers, excluded_checks=excluded)


def _rejected_before_auth(response: Any) -> bool:
    """The request-body middleware refuses media types it does not take (415), and FastAPI parses
    the body before dependencies run: bytes that are not JSON, or multipart without a boundary,
    get 400/422 whoever sends them. Nothing about the resource is revealed."""
    if response.status_code == 415:
        return True
    if response.status_code == 400:  # "There was an error parsing the body", "Missing boundary ..."
        return bool(response.json()["error"]["code"] == "BAD_REQUEST")
    if response.status_code == 422:
        details = response.json()["error"]["details"]
        return bool(details) and all(item["type"] == "json_invalid" for item in details)
    return False


@anonymous_schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous(case: Any, fuzzed: Fuzzed) -> None:
    response = _run(case, fuzzed, None)
    if (case.method.upper(), case.path) in PROTECTED and not _rejected_before_auth(response):
        assert response.status_code == 401, (case.method, case.path, response.status_code, response.text)
        assert response.headers.get("www-authenticate") == ["Bearer"]


@authenticated_schema.parametrize()
@FUZZ_SETTINGS
def test_regular_user(case: Any, fuzzed: Fuzzed, user_token: str) -> None:
    if (case.method.upper(), case.path) == DELETE_ME:
        user_token = new_user_token(fuzzed.app)
    _run(case, fuzzed, user_token)


@authenticated_schema.parametrize()
@FUZZ_SETTINGS
def test_superadmin(case: Any, fuzzed: Fuzzed, superadmin_token: str) -> None:
    _run(case, fuzzed, superadmin_token)


def test_route_facts_the_fuzz_relies_on() -> None:
    # The anonymous run asserts 401 exactly where the app requires a principal.
    assert ("GET", "/api/v1/users/me") in PROTECTED
    assert ("DELETE", "/api/v1/roles/{role_id}") in PROTECTED
    assert ("POST", "/api/v1/auth/login") not in PROTECTED
    # Logout takes an optional access token: an expired one must not prevent logging out.
    assert LOGOUT not in PROTECTED
    secured = {
        (method.upper(), path)
        for path, operations in OPENAPI["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert secured >= PROTECTED
    assert len(PROTECTED) >= 30
    assert "/api/v1/notifications/unread-count" in SHADOWED and "/api/v1/auth/login" not in SHADOWED
