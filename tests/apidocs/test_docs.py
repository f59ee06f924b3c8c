"""Docs generation: deterministic, faithful to the schema, and round-tripping through the parser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, Query, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from mosaic.apidocs.build import build_files, drift, write_files
from mosaic.apidocs.examples import FIXED_DATETIME, FIXED_UUID
from mosaic.apidocs.openapi import documents_for_app
from mosaic.apidocs.parser import parse_file, parse_folder, parse_text
from mosaic.apidocs.render import render
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.main import create_app

REPO = Path(__file__).resolve().parents[2]


class WidgetOut(BaseModel):
    id: str = Field(json_schema_extra={"format": "uuid"})
    name: str = Field(examples=["Blue widget"])
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    owner_email: str = Field(json_schema_extra={"format": "email"})
    size: int = Field(ge=3)


class WidgetIn(BaseModel):
    name: str = Field(min_length=1, examples=["Blue widget"])


class needs:  # noqa: N801 - mirrors require_permission: a dependency carrying `.permission`
    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self) -> None:
        return None


api_key = APIKeyHeader(name="X-Api-Key", auto_error=False)


def widget_app() -> FastAPI:
    app = FastAPI()

    @app.get(
        "/api/v1/widgets/{widget_id}",
        response_model=Envelope[WidgetOut],
        summary="Get a widget",
        tags=["widgets"],
        responses=error_responses(404),
        dependencies=[Depends(needs("widgets:read"))],
    )
    async def get_widget(
        widget_id: str, verbose: Annotated[bool, Query(description="More fields")] = False
    ) -> Any:
        return ok(None)

    @app.post(
        "/api/v1/widgets",
        response_model=Envelope[WidgetOut],
        status_code=201,
        tags=["widgets"],
        openapi_extra={"x-permission": "widgets:write"},
    )
    async def create_widget(body: WidgetIn, x_trace: Annotated[str | None, Header()] = None) -> Any:
        return ok(None)

    @app.get("/api/v1/gadgets", response_model=Envelope[list[str]])
    async def list_gadgets(key: Annotated[str | None, Depends(api_key)]) -> Any:
        return ok([])

    @app.get(
        "/plain",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"example": "hello"}}, "description": "Text"}},
    )
    async def plain() -> Response:
        return Response("hello", media_type="text/plain")

    return app


@pytest.fixture
def widget_docs() -> dict[str, Any]:
    return {doc.relative_path: doc for doc in documents_for_app(widget_app())}


def test_one_document_per_method_and_path_in_domain_folders(widget_docs):
    assert sorted(widget_docs) == [
        "gadgets/list_gadgets.md",
        "plain/plain.md",
        "widgets/create_widget.md",
        "widgets/get_widget.md",
    ]


def test_front_matter_says_auth_permission_and_status(widget_docs):
    get = widget_docs["widgets/get_widget.md"]
    assert (get.method, get.path, get.permission, get.status) == (
        "GET",
        "/api/v1/widgets/{widget_id}",
        "widgets:read",
        "implemented",
    )
    assert widget_docs["widgets/create_widget.md"].permission == "widgets:write"  # x-permission
    assert get.auth == "none"
    assert widget_docs["gadgets/list_gadgets.md"].auth == "external"


def test_parameter_tables_cover_path_query_header_and_body(widget_docs):
    get = widget_docs["widgets/get_widget.md"]
    assert [(p.name, p.location) for p in get.parameters] == [("widget_id", "path"), ("verbose", "query")]
    create = widget_docs["widgets/create_widget.md"]
    assert [(p.name, p.location, p.required) for p in create.parameters] == [
        ("x-trace", "header", False),
        ("name", "body", True),
    ]
    assert create.request_example is not None
    assert create.request_example.body == {"name": "Blue widget"}


def test_examples_are_envelopes_with_stable_generated_values(widget_docs):
    get = widget_docs["widgets/get_widget.md"]
    body = get.default_example().body
    assert body["status_code"] == 200 and body["error"] is None
    assert body["data"] == {
        "id": FIXED_UUID,
        "name": "Blue widget",
        "created_at": FIXED_DATETIME,
        "owner_email": "jane.doe@example.com",
        "size": 3,
    }
    not_found = get.response(404)
    assert not_found is not None
    assert not_found.examples[0].body["error"]["code"] == "NOT_FOUND"
    created = widget_docs["widgets/create_widget.md"].default_example()
    assert (created.status, created.body["status_code"], created.body["message"]) == (201, 201, "Created")


def test_text_responses_are_documented_as_text(widget_docs):
    example = widget_docs["plain/plain.md"].default_example()
    assert (example.media_type, example.body) == ("text/plain", "hello")


def test_every_generated_file_round_trips_through_the_parser(app, tmp_path):
    files = build_files(app, tmp_path / "none").files
    for relative, text in files.items():
        if relative in {"README.md", "openapi.json"}:
            continue
        doc = parse_text(text, tmp_path / relative, tmp_path)
        assert render(doc) == text, relative
        assert doc.relative_path == relative


def test_build_is_deterministic(app, tmp_path):
    first = build_files(app, tmp_path / "a").files
    second = build_files(app, tmp_path / "a").files
    assert first == second
    # A second app (a second schema) gives the same examples: no clock, no random source.
    assert build_files(create_app(app.state.settings), tmp_path / "a").files == first
    write_files(tmp_path / "a", first, ".md")
    assert drift(tmp_path / "a", build_files(app, tmp_path / "a").files, ".md") == []


def test_index_lists_every_endpoint(app, tmp_path):
    result = build_files(app, tmp_path)
    index = result.files["README.md"]
    for doc in result.documents:
        assert f"[`{doc.path}`]({doc.relative_path})" in index


def test_descriptions_folder_supplies_the_prose(tmp_path):
    descriptions = tmp_path / "descriptions"
    (descriptions / "widgets").mkdir(parents=True)
    (descriptions / "widgets" / "get_widget.md").write_text("Fetch one widget by id.\n")
    (descriptions / "create_widget.md").write_text("Create a widget.\n")
    files = build_files(widget_app(), tmp_path / "api", descriptions).files
    assert "\nFetch one widget by id.\n" in files["widgets/get_widget.md"]
    assert "\nCreate a widget.\n" in files["widgets/create_widget.md"]


def test_drift_reports_missing_stale_and_changed_files(tmp_path):
    out = tmp_path / "api"
    files = build_files(widget_app(), out).files
    write_files(out, files, ".md")
    (out / "widgets" / "get_widget.md").write_text("edited")
    (out / "widgets" / "gone.md").write_text("old")
    (out / "plain" / "plain.md").unlink()
    problems = drift(out, files, ".md")
    assert any(p.startswith("out of date") and "get_widget.md" in p for p in problems)
    assert any(p.startswith("not produced") and "gone.md" in p for p in problems)
    assert any(p.startswith("missing") and "plain.md" in p for p in problems)


def test_hand_written_docs_are_kept_and_replaced_once_implemented(tmp_path):
    out = tmp_path / "api"
    out.mkdir()
    stub = render(documents_for_app(widget_app())[0])  # gadgets/list_gadgets, as if hand-written
    (out / "legacy").mkdir()
    hand = stub.replace("status: implemented", "status: mocked").replace(
        "status: mocked\n", "status: mocked\nlegacy_source: express:app.js:3\nlegacy_path: /gadgets\n"
    )
    (out / "legacy" / "old_gadgets.md").write_text(hand.replace("/api/v1/gadgets", "/api/v1/old-gadgets"))
    (out / "legacy" / "gadgets.md").write_text(hand)
    result = build_files(widget_app(), out)
    assert result.kept == ["legacy/old_gadgets.md"]
    assert "legacy/gadgets.md" not in result.files  # now implemented: the generated file replaces it
    generated = result.files["gadgets/list_gadgets.md"]
    assert "legacy_source: express:app.js:3\nlegacy_path: /gadgets\n" in generated
    assert "status: implemented" in generated


def test_the_template_is_a_valid_document():
    doc = parse_file(REPO / "docs" / "api" / "_template.md")
    assert doc.path == "/api/v1/widgets/{widget_id}"
    assert [e.name for e in doc.examples()] == ["default", "archived", "default"]
    assert doc.legacy_path == "/api/widgets/:id"


def test_committed_docs_folder_parses():
    docs = parse_folder(REPO / "docs" / "api")
    assert any(d.path == "/health/live" for d in docs)
    assert all(not d.relative_path.startswith("_") for d in docs)
