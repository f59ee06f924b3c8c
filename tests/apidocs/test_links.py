"""OpenAPI `links` from a create to the item it made: the generic rule of `install_openapi`.

Stateful fuzzing (SECURITY-CHECKLIST 8.02) and generated clients follow these links, so the rule
is checked on a toy app (every shape the rule distinguishes) and on the real app's whole schema.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from mosaic.apidocs.model import HTTP_METHODS
from mosaic.apidocs.schema import CREATED_ID, install_openapi
from mosaic.core.envelope import Envelope, ok
from mosaic.main import create_app
from tests.conftest import make_settings


class Thing(BaseModel):
    id: str
    name: str


class Parent(BaseModel):
    name: str


def toy_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/shelves", response_model=Envelope[Thing], status_code=201)
    async def create_shelf() -> Any:
        return ok(None)

    @app.get("/api/v1/shelves/{shelf_id}", response_model=Envelope[Thing])
    async def get_shelf(shelf_id: str) -> Any:
        return ok(None)

    @app.delete("/api/v1/shelves/{shelf_id}", status_code=204)
    async def delete_shelf(shelf_id: str) -> None:
        return None

    @app.post("/api/v1/shelves/{shelf_id}/books", response_model=Envelope[Thing], status_code=201)
    async def add_book(shelf_id: str) -> Any:
        return ok(None)

    @app.put("/api/v1/shelves/{shelf_id}/books/{book_id}", response_model=Envelope[Thing])
    async def update_book(shelf_id: str, book_id: str) -> Any:
        return ok(None)

    @app.get("/api/v1/shelves/{shelf_id}/books/{book_id}/pages/{page}", response_model=Envelope[Thing])
    async def get_page(shelf_id: str, book_id: str, page: int) -> Any:
        return ok(None)

    # A create answering something without an id, and one answering 200: no links.
    @app.post("/api/v1/shelves/{shelf_id}/label", response_model=Envelope[Parent], status_code=201)
    async def set_label(shelf_id: str) -> Any:
        return ok(None)

    @app.post("/api/v1/lamps", response_model=Envelope[Thing])
    async def switch_lamp() -> Any:
        return ok(None)

    @app.get("/api/v1/lamps/{lamp_id}", response_model=Envelope[Thing])
    async def get_lamp(lamp_id: str) -> Any:
        return ok(None)

    install_openapi(app, servers=[], descriptions=None)
    return app


def _links(spec: dict[str, Any], path: str) -> dict[str, Any]:
    links: dict[str, Any] = spec["paths"][path]["post"]["responses"].get("201", {}).get("links", {})
    return links


def _operation_ids(spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        operation["operationId"]: (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method.upper() in HTTP_METHODS
    }


def test_a_create_links_to_its_item_and_the_sub_resources_it_alone_identifies():
    spec = toy_app().openapi()
    ids = _operation_ids(spec)
    shelf = _links(spec, "/api/v1/shelves")
    assert {ids[link["operationId"]] for link in shelf.values()} == {
        ("GET", "/api/v1/shelves/{shelf_id}"),
        ("DELETE", "/api/v1/shelves/{shelf_id}"),
        ("POST", "/api/v1/shelves/{shelf_id}/books"),
        ("POST", "/api/v1/shelves/{shelf_id}/label"),
    }  # not the book nor the page: they need ids the shelf's answer does not carry
    assert all(link["parameters"] == {"shelf_id": CREATED_ID} for link in shelf.values())


def test_a_nested_create_passes_its_parent_on_from_the_request():
    spec = toy_app().openapi()
    books = _links(spec, "/api/v1/shelves/{shelf_id}/books")
    assert [link["parameters"] for link in books.values()] == [
        {"shelf_id": "$request.path.shelf_id", "book_id": CREATED_ID}
    ]


def test_creates_without_an_id_or_a_201_have_no_links():
    spec = toy_app().openapi()
    assert _links(spec, "/api/v1/shelves/{shelf_id}/label") == {}
    assert _links(spec, "/api/v1/lamps") == {}


def test_every_link_of_the_app_names_a_real_operation_and_fills_its_path():
    """The whole schema: whatever routes the domains add, a link is always followable."""
    spec = create_app(make_settings()).openapi()
    ids = _operation_ids(spec)
    creates = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method.upper() not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                links = response.get("links", {})
                if not links:
                    continue
                assert (method, status) == ("post", "201"), (method, path)
                creates += 1
                own = set(re.findall(r"\{([^}]+)\}", path))
                for link in links.values():
                    target_method, target_path = ids[link["operationId"]]
                    needed = set(re.findall(r"\{([^}]+)\}", target_path))
                    assert set(link["parameters"]) == needed, (path, target_path)
                    for name, expression in link["parameters"].items():
                        passed_on = expression == f"$request.path.{name}" and name in own
                        assert expression == CREATED_ID or passed_on, (path, name, expression)
                    assert target_path.startswith(path + "/"), (path, target_method, target_path)
    # Accounts, trading and booking each have creates with items (roles, trades, studios ...).
    assert creates >= 10
    assert "roles_get" in _links(spec, "/api/v1/roles")
