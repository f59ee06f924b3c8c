"""The mock answers every documented endpoint with its exact example, and lets callers choose."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest

from mosaic.apidocs.examples import FIXED_UUID
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


@pytest.fixture
async def mock(things: Path):
    async with running(create_mock_app(things, reload=True)) as client:
        yield client


async def test_every_committed_endpoint_answers_its_default_example_exactly():
    docs = parse_folder(DOCS)
    async with running(create_mock_app(DOCS)) as client:
        for doc in docs:
            response = await client.request(doc.method, concrete_path(doc))
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


async def test_cors_is_open(mock):
    response = await mock.options(
        "/api/v1/things/5",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in {"*", "http://localhost:3000"}


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
        response = await client.get("/api/v1/things/1?__code=307")
    assert response.status_code == 307
    assert response.headers["location"] == "https://example.com/next"


async def test_several_folders_are_served_together(things, tmp_path_factory):
    other = tmp_path_factory.mktemp("stubs")
    (other / "list.md").write_text(GOOD.replace("/api/v1/things/{thing_id}", "/api/v1/others/{thing_id}"))
    async with running(create_mock_app([things, other])) as client:
        assert (await client.get("/api/v1/things/1")).status_code == 200
        assert (await client.get("/api/v1/others/1")).status_code == 200


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
