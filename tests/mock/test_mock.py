"""The mock answers every documented endpoint with its exact example, and lets callers choose."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mosaic.apidocs.examples import FIXED_UUID, ExampleGenerator, SchemaResolver
from mosaic.apidocs.model import EndpointDoc
from mosaic.apidocs.parser import parse_folder
from mosaic.mock.app import create_mock_app
from mosaic.mock.export import export_files
from tests.apidocs.test_parser import GOOD
from tests.conftest import running

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "api"


def concrete_path(doc: EndpointDoc) -> str:
    types = {p.name: p.type for p in doc.params_in("path")}

    def value(match: re.Match[str]) -> str:
        kind = types.get(match.group(1), "string")
        return FIXED_UUID if "uuid" in kind else "7" if kind.startswith(("integer", "number")) else "sample"

    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::path)?\}", value, doc.path)


@pytest.fixture
def things(tmp_path: Path) -> Path:
    (tmp_path / "things").mkdir()
    (tmp_path / "things" / "get.md").write_text(
        GOOD.replace("### 200 OK", "### 200 OK\n\nFine.\n\n### 404 Not Found")
        + '\n```json response 404\n{"status_code": 404, "message": "Resource not found", "data": null}\n```\n'
        + '\n```json response 404 gone\n{"status_code": 404, "message": "Gone for good", "data": null}\n```\n'
    )
    return tmp_path


TOKEN = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtb2NrIn0.c2lnbmF0dXJl"}


@pytest.fixture
async def mock(things: Path):
    async with running(create_mock_app(things, reload=True)) as client:
        client.headers.update(TOKEN)
        yield client


def required_query(doc: EndpointDoc, openapi: dict) -> dict[str, str]:
    """Example values of the operation's required query parameters (the mock validates them)."""
    operation = openapi["paths"][doc.path][doc.method.lower()]
    generator = ExampleGenerator(SchemaResolver(openapi))
    return {
        p["name"]: str(generator.example(p["schema"], p["name"]))
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


async def test_every_committed_endpoint_answers_its_default_example_exactly():
    """Called as a client would (token, documented request body, required query): JSON-equal."""
    docs = parse_folder(DOCS)
    openapi = json.loads((DOCS / "openapi.json").read_text())
    async with running(create_mock_app(DOCS)) as client:
        for doc in docs:
            body = doc.request_example.body if doc.request_example else None
            response = await client.request(
                doc.method,
                concrete_path(doc),
                json=body,
                headers=TOKEN,
                params=required_query(doc, openapi),
            )
            example = doc.default_example()
            assert response.status_code == example.status, (doc.method, doc.path, response.text)
            if example.media_type == "application/json":
                assert response.content == json.dumps(example.body, separators=(",", ":")).encode()
            else:
                assert response.text == example.body


async def test_keys_keep_their_documented_order(mock: httpx.AsyncClient):
    response = await mock.get("/api/v1/things/5")
    assert response.content == b'{"status_code":200,"message":"OK","data":{"b":1,"a":2},"error":null}'
    assert response.headers["x-mock-example"] == "200 default"


@pytest.mark.parametrize(
    ("headers", "query", "status", "message"),
    [
        ({"Prefer": "code=404"}, "", 404, "Resource not found"),
        ({"Prefer": "example=gone"}, "", 404, "Gone for good"),
        ({"Prefer": "code=404, example=gone"}, "", 404, "Gone for good"),
        ({"Prefer": "example=empty"}, "", 200, "OK"),
        ({}, "?__code=404", 404, "Resource not found"),
        ({}, "?__example=gone", 404, "Gone for good"),
        ({}, "?__code=404&__example=gone", 404, "Gone for good"),
        ({"Prefer": "code=200"}, "?__code=404", 404, "Resource not found"),
    ],
)
async def test_prefer_header_and_query_forms_choose_the_example(mock, headers, query, status, message):
    response = await mock.get(f"/api/v1/things/5{query}", headers=headers)
    assert (response.status_code, response.json()["message"]) == (status, message)


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"Prefer": "code=418"}, ""), ({"Prefer": "example=nope"}, ""), ({}, "?__code=200&__example=gone")],
)
async def test_an_unknown_choice_answers_404_listing_the_choices(mock, headers, query):
    response = await mock.get(f"/api/v1/things/5{query}", headers=headers)
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "MOCK_EXAMPLE_NOT_FOUND"
    assert body["error"]["details"] == {"choices": {"200": ["default", "empty"], "404": ["default", "gone"]}}
    assert "documented: code=200: default, empty; code=404: default, gone" in body["message"]


async def test_path_parameters_are_validated_against_their_documented_type(mock):
    response = await mock.get("/api/v1/things/abc")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "thing_id"


async def test_undocumented_paths_and_methods_answer_the_envelope(mock):
    assert (await mock.get("/api/v1/nothing")).json()["error"]["code"] == "NOT_FOUND"
    assert (await mock.delete("/api/v1/things/5")).status_code == 405


async def test_cors_is_the_apps(mock):
    """Allow-listed origins with credentials, the app's exposed headers; other origins get none."""
    response = await mock.options(
        "/api/v1/things/5",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["access-control-allow-credentials"] == "true"
    answer = await mock.get("/api/v1/things/5", headers={"Origin": "http://localhost:3000"})
    exposed = {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}
    assert {
        "x-request-id",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    } <= exposed
    stranger = await mock.options(
        "/api/v1/things/5", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in stranger.headers


async def test_docs_changes_are_served_without_a_restart(mock, things):
    new = GOOD.replace("/api/v1/things/{thing_id}", "/api/v1/things/{thing_id}/parts")
    (things / "things" / "parts.md").write_text(new)
    assert (await mock.get("/api/v1/things/5/parts")).status_code == 200
    (things / "things" / "parts.md").write_text("broken")  # a bad edit keeps the previous routes
    stamp = (things / "things" / "parts.md").stat().st_mtime_ns + 10_000_000
    os.utime(things / "things" / "parts.md", ns=(stamp, stamp))
    assert (await mock.get("/api/v1/things/5/parts")).status_code == 200


async def test_redirects_carry_the_documented_location(tmp_path):
    text = GOOD.replace("json response 200 empty", "text response 307 away").replace(
        '{"status_code": 200, "message": "OK", "data": null, "error": null}', "https://example.com/next"
    )
    (tmp_path / "go.md").write_text(text)
    async with running(create_mock_app(tmp_path)) as client:
        response = await client.get("/api/v1/things/1?__code=307", headers=TOKEN)
    assert response.status_code == 307
    assert response.headers["location"] == "https://example.com/next"


async def test_several_folders_are_served_together(things, tmp_path_factory):
    other = tmp_path_factory.mktemp("stubs")
    (other / "list.md").write_text(GOOD.replace("/api/v1/things/{thing_id}", "/api/v1/others/{thing_id}"))
    async with running(create_mock_app([things, other])) as client:
        assert (await client.get("/api/v1/things/1", headers=TOKEN)).status_code == 200
        assert (await client.get("/api/v1/others/1", headers=TOKEN)).status_code == 200


def test_export_writes_one_file_per_endpoint_with_every_example(things):
    files = export_files(parse_folder(things))
    assert list(files) == ["things/get.json"]
    exported = json.loads(files["things/get.json"])
    assert (exported["method"], exported["path"]) == ("GET", "/api/v1/things/{thing_id}")
    assert [(r["status"], r["name"]) for r in exported["responses"]] == [
        (200, "default"),
        (200, "empty"),
        (404, "default"),
        (404, "gone"),
    ]


def test_committed_mock_folder_matches_the_docs():
    expected = export_files(parse_folder(DOCS))
    on_disk = {p.relative_to(REPO / "mock").as_posix() for p in (REPO / "mock").rglob("*.json")}
    assert on_disk == set(expected)
    for relative, content in expected.items():
        assert (REPO / "mock" / relative).read_text() == content


async def test_mock_api_module_serves_the_repo_docs():
    import mock_api

    async with running(mock_api.app) as client:
        response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "ok"


# --- Prefer parsing: never a 5xx --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefer", "status", "code"),
    [
        (["code=²"], 400, "MOCK_INVALID_PREFER"),
        (["code=abc"], 400, "MOCK_INVALID_PREFER"),
        (["code="], 400, "MOCK_INVALID_PREFER"),
        (["code=99999"], 400, "MOCK_INVALID_PREFER"),
        (["Code=404"], 404, None),
        (["CODE = 404"], 404, None),
        (["code=404; example=gone"], 404, None),
        (["code=404; example=x"], 404, "MOCK_EXAMPLE_NOT_FOUND"),
        (["code=404", "example=gone"], 404, None),
        (["code=404", "code=200"], 400, "MOCK_INVALID_PREFER"),
        (["code=404", "code=404"], 404, None),
        (["example="], 400, "MOCK_INVALID_PREFER"),
        (["dynamic=maybe"], 400, "MOCK_INVALID_PREFER"),
        (["respond-async, wait=5"], 200, None),
        (['code="404"'], 404, None),
        (["=404"], 400, "MOCK_INVALID_PREFER"),
        (["code=404 extra"], 400, "MOCK_INVALID_PREFER"),
        ([",,;"], 200, None),
    ],
)
async def test_malformed_prefer_gets_the_documented_result_or_a_400_with_the_choices(
    mock, prefer, status, code
):
    headers = [(b"Prefer", value.encode()) for value in prefer]  # UTF-8 bytes: `²` as a client sends it
    response = await mock.get("/api/v1/things/5", headers=httpx.Headers(headers))
    assert response.status_code == status, response.text
    body = response.json()
    if code is not None:
        assert body["error"]["code"] == code
        assert body["error"]["details"] == {
            "choices": {"200": ["default", "empty"], "404": ["default", "gone"]}
        }
        assert "code=200: default, empty; code=404: default, gone" in body["message"]
    elif status == 404:
        assert body["message"] in {"Resource not found", "Gone for good"}


async def test_a_malformed_prefer_is_refused_on_every_committed_endpoint():
    async with running(create_mock_app(DOCS)) as client:
        for doc in parse_folder(DOCS):
            for value in ("code=²", "code=abc", "code=", "Code=404; example=x"):
                headers = httpx.Headers([*((k.encode(), v.encode()) for k, v in TOKEN.items()),
                                         (b"Prefer", value.encode())])  # fmt: skip
                response = await client.request(doc.method, concrete_path(doc), headers=headers)
                assert response.status_code < 500, (doc.method, doc.path, value, response.text)


# --- request validation, as the real app -------------------------------------------------------------


@pytest.fixture
async def strict():
    async with running(create_mock_app(DOCS)) as client:
        yield client


async def test_missing_or_malformed_bearer_is_a_401(strict):
    missing = await strict.get("/api/v1/users/me")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "UNAUTHORIZED"
    assert missing.headers["www-authenticate"] == "Bearer"
    for header in ("Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "bearer a.b.c d"):
        malformed = await strict.get("/api/v1/users/me", headers={"Authorization": header})
        assert malformed.status_code == 401, header
        assert malformed.json()["error"]["code"] == "INVALID_TOKEN"
    assert (await strict.get("/api/v1/users/me", headers=TOKEN)).status_code == 200
    assert (await strict.get("/api/v1/plans")).status_code == 200  # public: no token needed


async def test_bodies_are_validated_like_the_app(strict, client):
    """Same status and the same details shape as the real app for the same bad requests."""
    cases: list[tuple[dict[str, Any], int]] = [
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422),
        ({"json": {"email": "a@example.com"}}, 422),
        ({"json": {"email": "a@example.com", "password": "x" * 12, "extra": 1}}, 422),
        ({"json": {"email": 5, "password": "x" * 12}}, 422),
        ({"content": b"<xml/>", "headers": {"Content-Type": "application/xml"}}, 415),
        ({}, 422),
    ]
    for kwargs, status in cases:
        mocked = await strict.post("/api/v1/auth/login", **kwargs)
        real = await client.post("/api/v1/auth/login", **kwargs)
        assert mocked.status_code == real.status_code == status, (kwargs, mocked.text, real.text)
        assert mocked.json()["error"]["code"] == real.json()["error"]["code"]
        if status == 422:
            mocked_details, real_details = mocked.json()["error"]["details"], real.json()["error"]["details"]
            assert {tuple(sorted(d)) for d in mocked_details} == {tuple(sorted(d)) for d in real_details}
            assert {d["location"] for d in mocked_details} == {d["location"] for d in real_details}
    missing = (await strict.post("/api/v1/auth/login", json={"email": "a@example.com"})).json()
    assert missing["error"]["details"][0]["field"] == "password"
    assert missing["error"]["details"][0]["type"] == "missing"
    valid = await strict.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 12})
    assert valid.status_code == 200


async def test_query_and_path_parameters_are_typed(strict):
    bad_limit = await strict.get("/api/v1/trades?limit=abc", headers=TOKEN)
    assert bad_limit.status_code == 422
    assert bad_limit.json()["error"]["details"][0] == {
        "field": "limit", "location": "query", "message": bad_limit.json()["error"]["details"][0]["message"],
        "type": "integer_type",
    }  # fmt: skip
    assert (await strict.get("/api/v1/trades?limit=0", headers=TOKEN)).status_code == 422
    assert (await strict.get("/api/v1/trades?side=hold", headers=TOKEN)).status_code == 422
    assert (await strict.get("/api/v1/trades?executed_from=yesterday", headers=TOKEN)).status_code == 422
    assert (await strict.get("/api/v1/trades?limit=5&side=buy", headers=TOKEN)).status_code == 200
    assert (await strict.get("/api/v1/trades/not-a-uuid", headers=TOKEN)).status_code == 422
    missing = await strict.get("/api/v1/auth/verify-email")
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["field"] == "token"


async def test_lenient_mode_answers_without_validating():
    async with running(create_mock_app(DOCS, lenient=True)) as client:
        assert (await client.get("/api/v1/users/me")).status_code == 200
        assert (await client.post("/api/v1/auth/login", content=b"{")).status_code == 200


async def test_dynamic_examples_are_generated_from_the_schema(strict):
    openapi = json.loads((DOCS / "openapi.json").read_text())
    schema = openapi["paths"]["/api/v1/trades"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    validator = Draft202012Validator({**schema, "components": openapi["components"]})
    bodies = []
    for _ in range(3):
        response = await strict.get("/api/v1/trades", headers={**TOKEN, "Prefer": "dynamic=true"})
        assert response.status_code == 200
        assert response.headers["x-mock-example"] == "200 dynamic"
        assert list(validator.iter_errors(response.json())) == []
        bodies.append(response.json())
    assert len({json.dumps(b, sort_keys=True) for b in bodies}) > 1  # generated, not the fixed example
    error = await strict.get("/api/v1/trades", headers={**TOKEN, "Prefer": "code=401, dynamic=true"})
    assert error.status_code == 401 and error.json()["status_code"] == 401


async def test_request_id_is_echoed_and_rate_limit_examples_carry_their_headers(strict):
    echoed = await strict.get("/api/v1/plans", headers={"X-Request-ID": "front-end-1234"})
    assert echoed.headers["x-request-id"] == "front-end-1234"
    generated = await strict.get("/api/v1/plans", headers={"X-Request-ID": "bad id!"})
    assert generated.headers["x-request-id"] != "bad id!" and len(generated.headers["x-request-id"]) >= 8
    limited = await strict.get("/api/v1/plans", headers={"Prefer": "code=429"})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "30" and limited.headers["x-ratelimit-remaining"] == "0"


async def test_the_mock_docs_page_is_offline(strict):
    page = await strict.get("/docs")
    assert page.status_code == 200
    assert "cdn.jsdelivr.net" not in page.text and "/static-offline-docs/swagger-ui-bundle.js" in page.text
    assert (await strict.get("/static-offline-docs/swagger-ui-bundle.js")).status_code == 200
