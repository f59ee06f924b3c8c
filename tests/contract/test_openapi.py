"""The published /openapi.json as third-party tools see it: a linter, a client generator, its examples.

Everything here is driven by the app's routes, so a route any domain adds later is held to the same
bar without touching these tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator

from mosaic.apidocs.model import HTTP_METHODS, JSON_MEDIA_TYPE
from mosaic.apidocs.openapi import route_index
from mosaic.apidocs.schema import DESCRIPTIONS, route_group, slug, tag_descriptions
from mosaic.core.envelope import Envelope, ok
from mosaic.core.migrations import run_alembic
from mosaic.main import create_app
from tests.conftest import fresh_database_url, make_settings

REPO = Path(__file__).resolve().parents[2]
REDOCLY = REPO / "node_modules" / ".bin" / "redocly"
IN_CI = os.environ.get("CI", "").lower() == "true"


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method.upper() in HTTP_METHODS
    ]


@pytest.fixture(scope="module")
def openapi(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


# --- linter ---------------------------------------------------------------------------------------


def test_redocly_lint_finds_no_problem(openapi, tmp_path):
    """`redocly lint` (recommended-strict + redocly.yaml): any error or warning fails."""
    if not REDOCLY.exists():
        if IN_CI:
            pytest.fail("node_modules/.bin/redocly is missing: `make install` runs `npm ci`")
        pytest.skip("redocly not installed (`npm ci`)")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(openapi), encoding="utf-8")
    result = subprocess.run(
        [str(REDOCLY), "lint", str(spec), "--config", str(REPO / "redocly.yaml"), "--format=stylish"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
        check=False,
    )
    output = result.stdout + result.stderr  # redocly reports on stderr
    assert result.returncode == 0, output
    assert "Your API description is valid" in output, output


def test_the_linter_fails_on_a_broken_schema(openapi, tmp_path):
    """The lint test can fail: a non-standard keyword and an undescribed operation are errors."""
    if not REDOCLY.exists():
        pytest.skip("redocly not installed (`npm ci`)")
    broken = json.loads(json.dumps(openapi))
    operation = broken["paths"]["/health/live"]["get"]
    del operation["description"]
    broken["components"]["schemas"]["ErrorBody"]["properties"]["code"]["le"] = "1000000"
    spec = tmp_path / "broken.json"
    spec.write_text(json.dumps(broken), encoding="utf-8")
    result = subprocess.run(
        [str(REDOCLY), "lint", str(spec), "--config", str(REPO / "redocly.yaml"), "--format=stylish"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={**os.environ, "REDOCLY_TELEMETRY": "off"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "operation-description" in output and "`le`" in output, output


# --- the project's own rules ----------------------------------------------------------------------

NON_STANDARD = {"le", "ge", "lt", "gt", "max_digits", "decimal_places", "min_items", "max_items"}


def _walk(node: Any, where: str = "$"):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]")


def test_no_schema_uses_pydantic_keywords(openapi):
    found = [
        f"{where}: {key}"
        for where, node in _walk(openapi["components"]["schemas"])
        for key in NON_STANDARD & node.keys()
        if "properties" not in where.rsplit(".", 1)[-1]
    ]
    assert found == []


def test_document_metadata(openapi):
    assert openapi["servers"] and openapi["servers"][0]["url"]
    assert openapi["info"]["license"]["name"] == "MIT"
    details = openapi["components"]["schemas"]["ErrorBody"]["properties"]["details"]
    assert {"$ref": "#/components/schemas/FieldError"} in [
        variant.get("items") for variant in details["anyOf"] if variant.get("type") == "array"
    ]


def test_operation_ids_are_short_unique_and_stable(openapi, app):
    ids = [operation["operationId"] for _, _, operation in operations(openapi)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{2,40}", i) for i in ids), ids
    assert {"trades_list", "roles_remove_permission", "auth_login", "users_get_me"} <= set(ids)
    # A second app of the same code gets the same ids.
    again = create_app(app.state.settings).openapi()
    assert [op["operationId"] for _, _, op in operations(again)] == ids


def test_every_operation_declares_what_it_can_send(openapi):
    problems = []
    for method, path, operation in operations(openapi):
        declared = {int(s) for s in operation["responses"]}
        needed = {400, 405, 429, 500, 503}
        if operation.get("parameters") or "requestBody" in operation:
            needed.add(422)
        if operation["security"]:
            needed |= {401, 403}
        if "requestBody" in operation:
            needed |= {413, 415}
        if "{" in path:
            needed.add(404)
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            needed.add(409)
        if missing := needed - declared:
            problems.append(f"{method} {path}: {sorted(missing)}")
        if not any(200 <= s < 400 for s in declared):
            problems.append(f"{method} {path}: no success status")
    assert problems == []


def test_public_operations_say_security_is_empty(openapi):
    public = {(m, p) for m, p, op in operations(openapi) if op["security"] == []}
    assert ("POST", "/api/v1/auth/login") in public and ("GET", "/health/live") in public
    assert ("GET", "/api/v1/users/me") not in public
    assert all("security" in op for _, _, op in operations(openapi))


def test_every_operation_tag_and_parameter_is_described(openapi):
    problems = [f"{m} {p}: no description" for m, p, op in operations(openapi) if not op.get("description")]
    problems += [
        f"{m} {p}: parameter {prm['name']} has no description"
        for m, p, op in operations(openapi)
        for prm in op.get("parameters", [])
        if not prm.get("description")
    ]
    problems += [f"tag {t['name']} has no description" for t in openapi["tags"] if not t.get("description")]
    assert problems == []


# --- named examples -------------------------------------------------------------------------------


def named_examples(openapi: dict[str, Any]):
    """(where, schema, value, status) of every named example: request bodies (status 0) and responses."""
    for method, path, operation in operations(openapi):
        media = operation.get("requestBody", {}).get("content", {}).get(JSON_MEDIA_TYPE)
        if media:
            for name, example in media.get("examples", {}).items():
                yield f"{method} {path} request {name}", media["schema"], example["value"], 0
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(JSON_MEDIA_TYPE)
            if not media:
                continue
            for name, example in media.get("examples", {}).items():
                yield f"{method} {path} {status} {name}", media["schema"], example["value"], int(status)


def test_every_json_response_has_named_examples(openapi):
    missing = [
        f"{m} {p} {status}"
        for m, p, op in operations(openapi)
        for status, response in op["responses"].items()
        if JSON_MEDIA_TYPE in response.get("content", {})
        and not response["content"][JSON_MEDIA_TYPE].get("examples")
    ]
    assert missing == []


def test_every_named_example_validates_against_its_schema(openapi):
    problems = []
    for where, schema, value, _ in named_examples(openapi):
        validator = Draft202012Validator({**schema, "components": openapi["components"]})
        problems += [f"{where}: {e.json_path}: {e.message}" for e in validator.iter_errors(value)]
    assert problems == []


def test_examples_are_consistent(openapi):
    problems = []
    for where, _, value, status in named_examples(openapi):
        if not status or not isinstance(value, dict) or "status_code" not in value:
            continue
        if value["status_code"] != status:
            problems.append(f"{where}: status_code {value['status_code']}")
        if status >= 400:
            error = value["error"]
            if not re.fullmatch(r"[A-Z][A-Z_]+", error["code"]):
                problems.append(f"{where}: code {error['code']}")
            if status == 422 and not (error["details"] and error["details"][0]["field"]):
                problems.append(f"{where}: 422 without a field")
        else:
            ids = [
                v for _, n in _walk(value) for k, v in n.items() if k.endswith("id") and isinstance(v, str)
            ]
            stamps = [v for _, n in _walk(value) for k, v in n.items() if k.endswith("_at") and v]
            if len(ids) != len(set(ids)) or len(stamps) != len(set(stamps)):
                problems.append(f"{where}: repeated ids or timestamps")
    assert problems == []


def test_examples_are_the_routes_own(openapi):
    """Error codes and 422 fields differ by route: not one shared body for every error."""
    responses = openapi["paths"]["/api/v1/trades"]["post"]["responses"]
    created = responses["201"]["content"][JSON_MEDIA_TYPE]["examples"]["created"]["value"]
    assert created["status_code"] == 201
    assert created["data"]["status"] == "open"
    assert created["data"]["closed_at"] is None and created["data"]["profit_loss"] is None
    limit = responses["402"]["content"][JSON_MEDIA_TYPE]["examples"]
    assert [e["value"]["error"]["code"] for e in limit.values()] == ["PLAN_LIMIT_REACHED"]
    field = responses["422"]["content"][JSON_MEDIA_TYPE]["examples"]["validation-error"]["value"]
    assert field["error"]["details"][0]["field"] in {"symbol", "side", "entry_price", "quantity"}
    login = openapi["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "invalid-credentials" in login["401"]["content"][JSON_MEDIA_TYPE]["examples"]
    me = openapi["paths"]["/api/v1/users/me"]["get"]["responses"]
    assert "invalid-token" in me["401"]["content"][JSON_MEDIA_TYPE]["examples"]
    not_found = openapi["paths"]["/api/v1/trades/{trade_id}"]["get"]["responses"]["404"]
    assert not_found["content"][JSON_MEDIA_TYPE]["examples"]["not-found"]["value"]["message"] == (
        "Trade not found"
    )


def _fill_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.UUID(int=7)), path)


async def test_request_examples_are_accepted_by_the_live_app(tmp_path):
    """Each JSON request example, sent by the superadmin to a fresh app, passes validation (no 422)."""
    async with fresh_database_url(tmp_path, "examples") as url:
        settings = make_settings(
            DATABASE_URL=url, EMAIL_OUTBOX_DIR=str(tmp_path / "outbox"), MEDIA_ROOT=str(tmp_path / "m")
        )
        await run_alembic(settings, "upgrade")
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                login = await client.post(
                    "/api/v1/auth/login",
                    json={
                        "email": settings.SUPERADMIN_EMAIL,
                        "password": settings.SUPERADMIN_PASSWORD.get_secret_value(),
                    },
                )
                headers = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
                refused = []
                sent = 0
                for method, path, operation in operations(application.openapi()):
                    media = operation.get("requestBody", {}).get("content", {}).get(JSON_MEDIA_TYPE)
                    if not media or path.endswith("/change-password"):
                        continue  # a valid change-password example would sign the superadmin out
                    for name, example in media.get("examples", {}).items():
                        response = await client.request(
                            method, _fill_path(path), json=example["value"], headers=headers
                        )
                        sent += 1
                        if response.status_code in {415, 422} or response.status_code >= 500:
                            refused.append(f"{method} {path} {name}: {response.status_code} {response.text}")
                assert sent > 20
                assert refused == []


def test_a_route_added_later_is_held_to_the_same_bar(settings):
    """A new route with no description file and an undescribed query parameter is reported."""
    app = create_app(settings)

    @app.get("/api/v1/widgets", response_model=Envelope[str], tags=["widgets"])
    async def list_widgets(colour: str | None = None) -> Envelope[str]:
        return ok("widget")

    openapi = app.openapi()
    operation = openapi["paths"]["/api/v1/widgets"]["get"]
    assert operation["operationId"] == "widgets_list"
    assert not operation.get("description")
    assert not operation["parameters"][0].get("description")
    assert not next(t for t in openapi["tags"] if t["name"] == "widgets").get("description")
    assert {"405", "422", "429", "500", "503"} <= operation["responses"].keys()
    assert "401" not in operation["responses"] and operation["security"] == []


# --- descriptions ---------------------------------------------------------------------------------


def description_problems(app: FastAPI, folder: Path) -> list[str]:
    """Every route needs `<folder>/<domain>/<operation>.md`, in the template: prose, no fenced data."""
    problems = []
    for (method, path), route in sorted(route_index(app).items()):
        group, name = route_group(route), slug(route.name)
        file = folder / group / f"{name}.md"
        if not file.is_file() and not (folder / f"{name}.md").is_file():
            problems.append(f"{method} {path}: write {file.relative_to(folder.parent.parent)}")
            continue
        text = (file if file.is_file() else folder / f"{name}.md").read_text(encoding="utf-8")
        if "```" in text:
            problems.append(f"{file}: fenced blocks are data in endpoint documents; use prose")
        if len(text.split()) < 8:
            problems.append(f"{file}: say who calls it, what it does and which errors to handle")
    tags = {str(t) for route in route_index(app).values() for t in route.tags}
    described = tag_descriptions(folder)
    problems += [f"tag {tag}: add it to {folder / '_tags.yaml'}" for tag in sorted(tags - described.keys())]
    return problems


def test_every_endpoint_has_a_description_in_the_template(app):
    assert description_problems(app, DESCRIPTIONS) == []


def test_a_missing_description_fails(settings):
    app = create_app(settings)

    @app.get("/api/v1/gadgets/{gadget_id}", response_model=Envelope[str], tags=["gadgets"])
    async def get_gadget(gadget_id: uuid.UUID) -> Envelope[str]:
        return ok("gadget")

    problems = description_problems(app, DESCRIPTIONS)
    assert problems == [
        "GET /api/v1/gadgets/{gadget_id}: write docs/descriptions/gadgets/get_gadget.md",
        f"tag gadgets: add it to {DESCRIPTIONS / '_tags.yaml'}",
    ]


# --- a generated client ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_client(openapi, tmp_path_factory):
    """`openapi-python-client generate` on the schema; the package imported from a temp folder."""
    generator = shutil.which("openapi-python-client") or str(
        Path(sys.executable).parent / "openapi-python-client"
    )
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(openapi), encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text("project_name_override: mosaic-client\npackage_name_override: mosaic_client\n")
    result = subprocess.run(
        [generator, "generate", "--path", str(spec), "--config", str(config), "--meta", "none",
         "--output-path", str(folder / "mosaic_client")],
        capture_output=True, text=True, timeout=600, check=False, cwd=folder,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    for name in [m for m in sys.modules if m == "mosaic_client" or m.startswith("mosaic_client.")]:
        del sys.modules[name]


async def test_the_generated_client_calls_the_live_app(generated_client, app, settings):
    import importlib

    client_module = importlib.import_module("mosaic_client")
    login_api = importlib.import_module("mosaic_client.api.auth.auth_login")
    me_api = importlib.import_module("mosaic_client.api.users.users_get_me")
    plans_api = importlib.import_module("mosaic_client.api.plans.plans_list")
    models = importlib.import_module("mosaic_client.models")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    anonymous = client_module.Client(base_url="http://testserver")
    anonymous.set_async_httpx_client(httpx.AsyncClient(transport=transport, base_url="http://testserver"))

    plans = await plans_api.asyncio_detailed(client=anonymous)
    assert plans.status_code == 200
    assert isinstance(plans.parsed.data.items, list) and plans.parsed.data.total >= 1

    refused = await me_api.asyncio_detailed(client=anonymous)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.ErrorEnvelope)
    assert refused.parsed.error.code == "UNAUTHORIZED"

    body = models.LoginIn(
        email=settings.SUPERADMIN_EMAIL, password=settings.SUPERADMIN_PASSWORD.get_secret_value()
    )
    login = await login_api.asyncio_detailed(client=anonymous, body=body)
    assert login.status_code == 200, login.content
    token = login.parsed.data.access_token

    authenticated = client_module.AuthenticatedClient(base_url="http://testserver", token=token)
    authenticated.set_async_httpx_client(
        httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"}
        )
    )
    me = await me_api.asyncio_detailed(client=authenticated)
    assert me.status_code == 200
    assert me.parsed.data.email == settings.SUPERADMIN_EMAIL

    wrong = await login_api.asyncio_detailed(
        client=anonymous, body=models.LoginIn(email=settings.SUPERADMIN_EMAIL, password="not-the-password")
    )
    assert wrong.status_code == 401
    assert wrong.parsed.error.code == "INVALID_CREDENTIALS"


def test_generated_pages_show_the_description_parameters_and_named_examples(app, tmp_path):
    """`docs/api` pages come from the same schema: its prose, parameter descriptions and examples."""
    from mosaic.apidocs.build import build_files

    files = build_files(app, tmp_path).files
    page = " ".join(files["trades/open_trade.md"].split())
    description = " ".join((DESCRIPTIONS / "trades" / "open_trade.md").read_text(encoding="utf-8").split())
    assert description in page
    for block in ("json response 201 created", "json response 402 plan-limit-reached", "json request"):
        assert f"```{block}" in files["trades/open_trade.md"]
    assert (
        "| `side` | string (one of buy, sell) \\| null | no | Only buys or only sells. |"
        in (files["trades/list_trades.md"])
    )
    assert "```json response 401 invalid-credentials" in files["auth/login.md"]
