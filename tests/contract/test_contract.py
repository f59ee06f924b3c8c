"""The app, `docs/api` and the mock describe the same API; a route added without docs fails here."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from mosaic.apidocs.build import build_files, drift
from mosaic.apidocs.contract import app_routes, body_problems, example_problems, route_drift
from mosaic.apidocs.parser import parse_folder
from mosaic.core.envelope import Envelope, ok
from mosaic.main import create_app
from mosaic.mock.app import create_mock_app

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "api"
DESCRIPTIONS = REPO / "docs" / "descriptions"

# Called on the real app; each answer must have the shape of the documented example.
SAMPLE = [
    ("GET", "/health/live", False),
    ("GET", "/api/v1/plans", False),
    ("GET", "/api/v1/users/me", True),
    ("GET", "/api/v1/users", True),
    ("GET", "/api/v1/roles", True),
    ("GET", "/api/v1/permissions", True),
    ("GET", "/api/v1/users/me/settings", True),
    ("GET", "/api/v1/notifications/unread-count", True),
    ("GET", "/api/v1/users/me/plans", True),
]


@pytest.fixture(scope="module")
def docs():
    return parse_folder(DOCS)


def with_probe_route(app: FastAPI) -> FastAPI:
    @app.get("/api/v1/contract-probe", response_model=Envelope[str], tags=["probe"])
    async def contract_probe() -> Envelope[str]:
        return ok("probe")

    return app


def test_committed_docs_are_what_build_writes(app):
    assert drift(DOCS, build_files(app, DOCS, DESCRIPTIONS).files, ".md") == []


def test_every_route_is_documented_and_every_implemented_doc_is_served(app, docs):
    assert route_drift(app, docs) == []


def test_the_mock_serves_exactly_the_apps_routes(app, docs):
    mock = create_mock_app(DOCS)
    served = {
        (method, route.path)
        for route in mock.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    implemented = {d.key for d in docs if d.status == "implemented"}
    assert served & implemented == app_routes(app)
    assert served == {d.key for d in docs}


def test_every_documented_example_validates_against_the_apps_schema(app, docs):
    assert example_problems(app, docs) == []


async def test_real_answers_have_the_documented_shape(client: httpx.AsyncClient, settings, docs):
    login = await client.post(
        "/api/v1/auth/login",
        json={
            "email": settings.SUPERADMIN_EMAIL,
            "password": settings.SUPERADMIN_PASSWORD.get_secret_value(),
        },
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
    by_key = {d.key: d for d in docs}
    for method, path, auth in SAMPLE:
        response = await client.request(method, path, headers=headers if auth else {})
        example = by_key[(method, path)].default_example()
        assert response.status_code == example.status, (path, response.text)
        assert body_problems(response.json(), example.body) == [], path


def test_an_undocumented_route_fails_the_contract(settings, docs):
    app = with_probe_route(create_app(settings))
    assert route_drift(app, docs) == [
        "undocumented route GET /api/v1/contract-probe: run `mosaic docs build`"
    ]
    assert any("probe/contract_probe.md" in d for d in drift(DOCS, build_files(app, DOCS).files, ".md"))


def test_an_example_that_breaks_the_schema_fails_the_contract(app, docs):
    live = next(d for d in docs if d.key == ("GET", "/health/live"))
    live.default_example().body["data"] = {"status": 1}
    try:
        problems = example_problems(app, [live])
    finally:
        live.default_example().body["data"] = {"status": "ok", "version": "0.1.0"}
    assert any("health/live.md (200 success)" in p and "$.data" in p for p in problems), problems


def test_a_real_answer_of_another_shape_fails(docs):
    example = next(d for d in docs if d.key == ("GET", "/health/live")).default_example().body
    assert body_problems({"status_code": 200, "message": "OK", "data": None, "error": None}, example) == []
    assert body_problems({"status_code": 200, "message": "OK", "data": {"status": "ok"}}, example) != []
