"""The app's OpenAPI schema (and its routes, for what the schema does not say) to `EndpointDoc`s.

Rules, so every engineer adding routes gets the same files:
- `<domain>` is the route's first tag, else the first path segment after `/api/v1`, else the
  first path segment; `<operation>` is the endpoint function's name (method-suffixed on a clash).
- `auth` is `bearer` for OAuth2/HTTP bearer security, `external` for OpenID Connect or API keys,
  `none` without a security requirement.
- `permission` is the operation's `x-permission` extension
  (`openapi_extra={"x-permission": "users:read"}`), else the `permission` attribute of a
  dependency (what `require_permission(resource, action)` carries).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from mosaic.apidocs.examples import ExampleGenerator, SchemaResolver, envelope_example
from mosaic.apidocs.model import (
    HTTP_METHODS,
    JSON_MEDIA_TYPE,
    TEXT_MEDIA_TYPE,
    EndpointDoc,
    Example,
    Parameter,
    ResponseDoc,
)

API_PREFIX = "/api/v1"
REDIRECT_PLACEHOLDER = "https://example.com/"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "misc"


def domain_for(path: str, tags: list[str]) -> str:
    if tags:
        return slug(tags[0])
    rest = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path
    first = next((part for part in rest.split("/") if part and not part.startswith("{")), "")
    return slug(first) if first else "root"


def _permission_of(dependant: Dependant) -> str | None:
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "permission", None)
        if isinstance(permission, str):
            return permission
        found = _permission_of(sub)
        if found:
            return found
    return None


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every schema-visible API route with its effective path (FastAPI >= 0.16x includes lazily)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = iterate(app.routes) if iterate else app.routes
    for route in routes:
        if isinstance(getattr(route, "original_route", route), APIRoute) and route.include_in_schema:
            yield route


def route_index(app: FastAPI) -> dict[tuple[str, str], Any]:
    index: dict[tuple[str, str], Any] = {}
    for route in api_routes(app):
        for method in route.methods or ():
            index[(method.upper(), route.path_format)] = route
    return index


def auth_kind(operation: dict[str, Any], openapi: dict[str, Any]) -> str:
    requirements = operation.get("security", openapi.get("security", []))
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    kinds = set()
    for requirement in requirements:
        for name in requirement:
            scheme = schemes.get(name, {})
            bearer = scheme.get("type") == "oauth2" or (
                scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
            )
            kinds.add("bearer" if bearer else "external")
    if not kinds:
        return "none"
    return "bearer" if "bearer" in kinds else "external"


class DocGenerator:
    """Builds one `EndpointDoc` per method + path of an OpenAPI schema."""

    def __init__(self, openapi: dict[str, Any], routes: dict[tuple[str, str], Any] | None = None) -> None:
        self.openapi = openapi
        self.routes = routes or {}
        self.resolver = SchemaResolver(openapi)
        self.generator = ExampleGenerator(self.resolver)

    def documents(self) -> list[EndpointDoc]:
        docs: list[EndpointDoc] = []
        taken: set[str] = set()
        for path, item in self.openapi.get("paths", {}).items():
            for method, operation in item.items():
                if method.upper() not in HTTP_METHODS:
                    continue
                doc = self.document(method.upper(), path, operation)
                if doc.relative_path in taken:
                    doc.operation = f"{doc.operation}_{method.lower()}"
                counter = 2
                base = doc.operation
                while doc.relative_path in taken:
                    doc.operation = f"{base}_{counter}"
                    counter += 1
                taken.add(doc.relative_path)
                docs.append(doc)
        return sorted(docs, key=lambda d: d.relative_path)

    def document(self, method: str, path: str, operation: dict[str, Any]) -> EndpointDoc:
        route = self.routes.get((method, path))
        tags = [str(t) for t in operation.get("tags", [])]
        operation_id = operation.get("operationId")
        name = route.name if route else str(operation_id or f"{method.lower()}_{slug(path)}")
        permission = operation.get("x-permission") or (_permission_of(route.dependant) if route else None)
        doc = EndpointDoc(
            method=method,
            path=path,
            domain=domain_for(path, tags),
            operation=slug(name),
            title=str(operation.get("summary") or name.replace("_", " ").capitalize()),
            description=str(operation.get("description") or "").strip(),
            auth=auth_kind(operation, self.openapi),
            permission=str(permission) if permission else None,
            tags=tags,
            operation_id=str(operation_id) if operation_id else None,
            status="implemented",
            legacy_source=operation.get("x-legacy-source"),
            legacy_path=operation.get("x-legacy-path"),
        )
        doc.parameters = self._parameters(operation)
        self._request_body(doc, operation.get("requestBody"))
        doc.responses = [
            self._response(int(status), spec)
            for status, spec in sorted(operation.get("responses", {}).items(), key=lambda kv: int(kv[0]))
            if str(status).isdigit()
        ]
        return doc

    def _parameters(self, operation: dict[str, Any]) -> list[Parameter]:
        parameters = []
        for raw in operation.get("parameters", []):
            spec = self.resolver.resolve(raw)
            if spec.get("in") not in {"path", "query", "header"}:
                continue
            schema = spec.get("schema", {})
            description = spec.get("description") or self.resolver.non_null(schema).get("description", "")
            default = self.resolver.resolve(schema).get("default")
            if default is not None and "default" not in str(description).lower():
                description = f"{description} Default: `{default}`.".strip()
            parameters.append(
                Parameter(
                    name=str(spec["name"]),
                    location=str(spec["in"]),
                    type=self.resolver.type_name(schema),
                    required=bool(spec.get("required", False)),
                    description=str(description),
                )
            )
        return parameters

    def _request_body(self, doc: EndpointDoc, body: dict[str, Any] | None) -> None:
        if not body:
            return
        content: dict[str, Any] = self.resolver.resolve(body).get("content", {})
        if not content:
            return
        media_type = JSON_MEDIA_TYPE if JSON_MEDIA_TYPE in content else sorted(content)[0]
        media = content[media_type]
        schema = self.resolver.non_null(media.get("schema", {}))
        doc.request_media_type = media_type
        required = set(schema.get("required", []))
        for field, sub in schema.get("properties", {}).items():
            resolved = self.resolver.non_null(sub)
            doc.parameters.append(
                Parameter(
                    name=field,
                    location="body",
                    type=self.resolver.type_name(sub),
                    required=field in required,
                    description=str(resolved.get("description", sub.get("description", ""))),
                )
            )
        if media_type == JSON_MEDIA_TYPE:
            named = self._named_examples(media, 0)
            value = named[0].body if named else self.generator.example(media.get("schema", {}))
            doc.request_example = Example(0, "request", value, JSON_MEDIA_TYPE)

    def _named_examples(self, media: dict[str, Any], status: int) -> list[Example]:
        examples = []
        for name, spec in (media.get("examples") or {}).items():
            value = self.resolver.resolve(spec).get("value")
            examples.append(Example(status, slug(str(name)).replace("_", "-"), value, JSON_MEDIA_TYPE))
        if "example" in media and not examples:
            examples.append(Example(status, "default", media["example"], JSON_MEDIA_TYPE))
        return examples

    def _response(self, status: int, spec: dict[str, Any]) -> ResponseDoc:
        spec = self.resolver.resolve(spec)
        response = ResponseDoc(status, str(spec.get("description", "")))
        content: dict[str, Any] = spec.get("content", {})
        json_media = content.get(JSON_MEDIA_TYPE)
        if json_media is not None and json_media.get("schema"):
            response.examples = self._named_examples(json_media, status) or [
                Example(status, "default", envelope_example(self.generator, json_media["schema"], status))
            ]
        elif content:
            media_type = sorted(content)[0]
            text = str(content[media_type].get("example", "")).rstrip("\n")
            response.examples = [Example(status, "default", text, TEXT_MEDIA_TYPE)]
        elif 300 <= status < 400:
            # A redirect's example is its Location: the mock answers with that header.
            location = spec.get("headers", {}).get("Location", {}).get("example", REDIRECT_PLACEHOLDER)
            response.examples = [Example(status, "default", str(location), TEXT_MEDIA_TYPE)]
        elif status < 300:
            response.examples = [Example(status, "default", "", TEXT_MEDIA_TYPE)]
        return response


def documents_for_app(app: FastAPI) -> list[EndpointDoc]:
    """One document per method + path of the app's OpenAPI schema."""
    return DocGenerator(app.openapi(), route_index(app)).documents()
