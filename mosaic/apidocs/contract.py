"""The checks that keep the app, its docs and the mock from drifting apart (SPEC §7).

Used by the contract tests; each returns a list of human-readable problems, empty when all holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI
from jsonschema import Draft202012Validator

from mosaic.apidocs.examples import SchemaResolver, infer_schema
from mosaic.apidocs.model import HTTP_METHODS, JSON_MEDIA_TYPE, EndpointDoc

RouteKey = tuple[str, str]


def app_routes(app: FastAPI) -> set[RouteKey]:
    """(method, path) of every operation in the app's OpenAPI schema."""
    return {
        (method.upper(), path)
        for path, item in app.openapi().get("paths", {}).items()
        for method in item
        if method.upper() in HTTP_METHODS
    }


def route_drift(app: FastAPI, docs: Iterable[EndpointDoc]) -> list[str]:
    """Routes without a document, and `implemented` documents the app does not serve."""
    served = app_routes(app)
    implemented = {doc.key for doc in docs if doc.status == "implemented"}
    problems = [
        f"undocumented route {m} {p}: run `mosaic docs build`" for m, p in sorted(served - implemented)
    ]
    problems += [
        f"documented as implemented but not served: {m} {p}" for m, p in sorted(implemented - served)
    ]
    return problems


def response_schema(openapi: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any] | None:
    operation = openapi.get("paths", {}).get(path, {}).get(method.lower(), {})
    response = SchemaResolver(openapi).resolve(operation.get("responses", {}).get(str(status), {}))
    schema: dict[str, Any] | None = response.get("content", {}).get(JSON_MEDIA_TYPE, {}).get("schema")
    return schema


def example_problems(app: FastAPI, docs: Sequence[EndpointDoc]) -> list[str]:
    """Every JSON example of an implemented document must validate against the app's schema."""
    openapi = app.openapi()
    problems = []
    for doc in docs:
        if doc.status != "implemented":
            continue
        for example in doc.examples():
            where = f"{doc.relative_path} ({example.status} {example.name})"
            operation = openapi.get("paths", {}).get(doc.path, {}).get(doc.method.lower())
            if operation is None:
                continue  # reported by route_drift
            if str(example.status) not in operation.get("responses", {}):
                problems.append(f"{where}: status {example.status} is not a documented response of the app")
                continue
            schema = response_schema(openapi, doc.method, doc.path, example.status)
            if example.media_type != JSON_MEDIA_TYPE or schema is None:
                continue
            validator = Draft202012Validator({**schema, "components": openapi.get("components", {})})
            problems += [
                f"{where}: {error.json_path}: {error.message}"
                for error in validator.iter_errors(example.body)
            ]
    return problems


def body_problems(body: Any, example: Any) -> list[str]:
    """A real answer must have the documented example's shape (keys and value types)."""
    validator = Draft202012Validator(infer_schema(example))
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(body)]
