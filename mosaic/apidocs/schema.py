"""The app's published OpenAPI document: FastAPI's schema completed from the routes themselves.

FastAPI knows each route's models but not what the platform around it can answer (the middleware's
413/415/429/503, the auth dependency's 401/403, an integrity error's 409), nor the prose in
`docs/descriptions/`. `install_openapi` completes the schema once, generically, so a route added by
any domain is held to the same bar without extra code:

- every status the route can really send is declared, each with named examples (success and error)
  whose codes and 422 field names are the route's own; `mosaic docs build` copies the same examples
  into the Markdown docs, so the schema is their one source;
- operations carry their `docs/descriptions/<domain>/<operation>.md` text, tags their description
  from `docs/descriptions/_tags.yaml`; path ids without a description get "ID of the <thing>.";
- public operations say `security: []`; `servers` and `license` are set;
- a create (`POST` on a collection answering 201 with `data.id`) carries OpenAPI `links` to the
  operations on the item it made (`GET`/`PUT`/`PATCH`/`DELETE` on `{collection}/{id}`), so
  generated clients and stateful fuzzers (schemathesis) can follow create -> read -> update ->
  delete without a hand-kept list.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from mosaic.apidocs.examples import ExampleGenerator, Schema, SchemaResolver
from mosaic.apidocs.model import HTTP_METHODS, JSON_MEDIA_TYPE
from mosaic.apidocs.openapi import route_index
from mosaic.core.errors import ERROR_CODES_KEY, STATUS_CODES

# The source tree's folder (an editable install), else the working directory's (the Docker image
# copies docs/descriptions/ next to the code it runs from /app).
DESCRIPTIONS = next(
    (
        folder
        for folder in (
            Path(__file__).resolve().parents[2] / "docs" / "descriptions",
            Path.cwd() / "docs" / "descriptions",
        )
        if folder.is_dir()
    ),
    Path(__file__).resolve().parents[2] / "docs" / "descriptions",
)
TAGS_FILE = "_tags.yaml"
ERROR_SCHEMA_REF = "#/components/schemas/ErrorEnvelope"
EXAMPLE_NAMESPACE = uuid.UUID("6f1c1b2e-2d4b-4c59-9a53-7c1a0d5e9b10")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The operations on one item that a create links to, in this order.
ITEM_METHODS = ("get", "put", "patch", "delete")
HTTP_METHOD_KEYS = tuple(method.lower() for method in HTTP_METHODS)
CREATED_ID = "$response.body#/data/id"
PATH_PARAMETER = re.compile(r"\{([^/{}]+)\}")
# Statuses every route can send, whatever it does: the middleware's 405/429/503, a bug's 500, a
# business-rule refusal (400); 422 wherever there is a parameter or a body to refuse.
ALWAYS = (400, 405, 429, 500, 503)
STATUS_DESCRIPTIONS: dict[int, str] = {
    400: "Well-formed, but breaks a rule of this operation (`BAD_REQUEST`, `VALIDATION_ERROR`).",
    401: "No bearer token, or the token is invalid, expired or revoked.",
    402: "The caller's plan does not allow one more of this resource.",
    403: "Authenticated, but not allowed to do this.",
    404: "No such resource (or not the caller's), or an unknown path.",
    405: "The path exists but not with this method; `Allow` lists the methods it has.",
    409: "Conflicts with the current state (a duplicate name, a resource in the wrong state).",
    413: "The request body is larger than MAX_REQUEST_BODY_MB.",
    415: "The body is not JSON, a form or multipart/form-data.",
    422: "A parameter or a body field fails validation; `error.details` lists each field.",
    429: "Rate limit reached; retry after `Retry-After` seconds (see the `X-RateLimit-*` headers).",
    500: "Unexpected error; the `X-Request-ID` header identifies it in the logs.",
    503: "A backing service is unavailable or the server is saturated; retry after `Retry-After`.",
}
# What each status says on routes that do not name a more precise code (the app's real defaults).
ERROR_MESSAGES: dict[int, str] = {
    400: "Request could not be processed",
    405: "Method not allowed",
    413: "Request body is too large",
    415: "Send JSON, a form or multipart/form-data",
    500: "Internal server error",
    503: "Service temporarily unavailable",
}


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def route_group(route: APIRoute) -> str:
    """The first tag, else the first literal path segment after `/api/v1`."""
    if route.tags:
        return slug(str(route.tags[0]))
    parts = [p for p in route.path.split("/") if p and not p.startswith("{") and p not in {"api", "v1"}]
    return slug(parts[0]) if parts else "root"


def operation_id(route: APIRoute) -> str:
    """`<tag>_<function name without the tag's words>`: `list_trades` under `trades` -> `trades_list`.

    Installed as FastAPI's `generate_unique_id_function`, so generated clients get short, stable
    method names; `install_openapi` falls back to the full function name if two ever collide.
    """
    group = route_group(route)
    words = route.name.split("_")
    tag_words = group.split("_")
    for variant in (tag_words, [*tag_words[:-1], singular(tag_words[-1])]):
        for start in range(len(words) - len(variant) + 1):
            if words[start : start + len(variant)] == variant:
                rest = words[:start] + words[start + len(variant) :]
                if rest:
                    return f"{group}_{'_'.join(rest)}"
    return f"{group}_{route.name}" if not route.name.startswith(group) else route.name


def _dependency_attribute(dependant: Dependant, name: str) -> list[Any]:
    found = []
    for sub in dependant.dependencies:
        value = getattr(sub.call, name, None)
        if value is not None:
            found.append(value)
        found += _dependency_attribute(sub, name)
    return found


class RealisticExamples(ExampleGenerator):
    """The docs' generator with distinct ids and instants, and unset optional values left null.

    Every uuid and date-time of one example differs (a list of two items, or `created_at` and
    `updated_at`, do not share a value), yet the same schema always gives the same example. A
    nullable field is null (a freshly opened trade has no `closed_at` nor `profit_loss`); a model
    that wants another picture declares a model-level example.
    """

    def __init__(self, resolver: SchemaResolver) -> None:
        super().__init__(resolver)
        self.counter = 0

    def reset(self) -> None:
        self.counter = 0

    def example(self, schema: Schema, name: str = "", depth: int = 0) -> Any:
        resolved = self.resolver.resolve(schema)
        variants = resolved.get("anyOf") or resolved.get("oneOf") or []
        nullable = any(self.resolver.resolve(v).get("type") == "null" for v in variants)
        if nullable and depth > 0 and name != "data":
            return None
        return super().example(schema, name, depth)

    def _string(self, schema: Schema, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            self.counter += 1
            return str(uuid.uuid5(EXAMPLE_NAMESPACE, f"{name}-{self.counter}"))
        if fmt == "date-time":
            self.counter += 1
            n = self.counter
            return f"2026-11-{2 + n % 27:02d}T{8 + n % 12:02d}:{(n * 7) % 60:02d}:00Z"
        return super()._string(schema, name)


class OpenAPICompleter:
    """Adds the declared statuses, examples, descriptions and metadata to one FastAPI schema."""

    def __init__(self, app: FastAPI, openapi: dict[str, Any], descriptions: Path | None) -> None:
        self.app = app
        self.openapi = openapi
        self.descriptions = descriptions
        self.resolver = SchemaResolver(openapi)
        self.examples = RealisticExamples(self.resolver)

    def complete(self) -> dict[str, Any]:
        routes = route_index(self.app)
        taken = Counter(
            str(operation.get("operationId", ""))
            for item in self.openapi.get("paths", {}).values()
            for method, operation in item.items()
            if method.upper() in HTTP_METHODS
        )
        for path, item in self.openapi.get("paths", {}).items():
            for method, operation in item.items():
                if method.upper() not in HTTP_METHODS:
                    continue
                route = routes.get((method.upper(), path))
                if route is not None and taken.get(operation.get("operationId", ""), 0) > 1:
                    operation["operationId"] = f"{route_group(route)}_{route.name}"
                self._operation(method.upper(), path, operation, route)
        self._links()
        self._tags()
        return self.openapi

    # --- links -----------------------------------------------------------------------------

    def _creates_an_id(self, operation: dict[str, Any]) -> bool:
        """Whether the operation's 201 answer is an envelope whose `data` has an `id`."""
        media = operation.get("responses", {}).get("201", {}).get("content", {}).get(JSON_MEDIA_TYPE, {})
        envelope = self.resolver.non_null(media.get("schema", {}))
        data = self.resolver.non_null(envelope.get("properties", {}).get("data", {}))
        return "id" in data.get("properties", {})

    def _links(self) -> None:
        """Link each create to the operations on the item it made (the rule in the module doc).

        The item path is the collection's plus one templated segment, whose parameter takes the
        created `data.id`; the collection's own path parameters (`/studios/{studio_id}/closures`)
        are passed on from the create's request. Operations under the item that need no other
        path parameter (`POST /studios/{studio_id}/closures`) are linked too, so chains reach
        sub-resources. A create without such a path (an upload answering its parent) has none.
        """
        paths: dict[str, dict[str, Any]] = self.openapi.get("paths", {})
        for path, item in paths.items():
            create = item.get("post")
            if not isinstance(create, dict) or not self._creates_an_id(create):
                continue
            parents = PATH_PARAMETER.findall(path)
            links: dict[str, Any] = {}
            for item_path in paths:
                rest = item_path[len(path) + 1 :] if item_path.startswith(path + "/") else ""
                match = PATH_PARAMETER.fullmatch(rest)
                if match is None:
                    continue
                parameters = {name: f"$request.path.{name}" for name in parents}
                parameters[match.group(1)] = CREATED_ID
                for target_path, target_item in paths.items():
                    below = target_path.startswith(item_path + "/")
                    if target_path != item_path and not (
                        below and set(PATH_PARAMETER.findall(target_path)) <= parameters.keys()
                    ):
                        continue
                    methods = ITEM_METHODS if target_path == item_path else HTTP_METHOD_KEYS
                    for method in methods:
                        target = target_item.get(method)
                        if not isinstance(target, dict) or "operationId" not in target:
                            continue
                        links[str(target["operationId"])] = {
                            "operationId": target["operationId"],
                            "parameters": {
                                name: parameters[name] for name in PATH_PARAMETER.findall(target_path)
                            },
                            "description": f"`{method.upper()} {target_path}` on the item this call created.",
                        }
            if links:
                create["responses"]["201"]["links"] = links

    # --- one operation ---------------------------------------------------------------------

    def _operation(self, method: str, path: str, operation: dict[str, Any], route: APIRoute | None) -> None:
        if not operation.get("security"):
            operation["security"] = []
        authenticated = bool(operation["security"])
        if route is not None:
            description = self._description(route)
            if description:
                operation["description"] = description
        self._parameters(operation)
        statuses = set(ALWAYS)
        if authenticated:
            statuses |= {401, 403}
        if "{" in path:
            statuses.add(404)
        if method in WRITE_METHODS:
            statuses.add(409)
        if "requestBody" in operation:
            statuses |= {413, 415}
        if "requestBody" in operation or operation.get("parameters"):
            statuses.add(422)
        else:  # nothing to validate: the router-wide default 422 cannot happen here
            operation.get("responses", {}).pop("422", None)
        dependency_errors = self._dependency_errors(route)
        statuses |= set(dependency_errors)
        responses = operation.setdefault("responses", {})
        for status in sorted(statuses):
            spec = responses.setdefault(str(status), {})
            spec.setdefault("content", {JSON_MEDIA_TYPE: {"schema": {"$ref": ERROR_SCHEMA_REF}}})
        for status, spec in responses.items():
            if not str(status).isdigit():
                continue
            code = int(status)
            # A declared 422 code is a refusal of one of the operation's fields: its example names one.
            field = [self._field_error(operation)] if code == 422 else None
            named = [(str(e["code"]), str(e["message"]), field) for e in spec.pop(ERROR_CODES_KEY, [])]
            generic = {None, "", STATUS_CODES.get(code, ("", ""))[1]}
            if code >= 400 and spec.get("description") in generic:
                spec["description"] = (
                    "; ".join(f"`{c}`: {m}" for c, m, _ in named)
                    if named
                    else STATUS_DESCRIPTIONS.get(code, HTTPStatus(code).phrase)
                )
            media = spec.get("content", {}).get(JSON_MEDIA_TYPE)
            if media is None or media.get("examples") or not media.get("schema"):
                continue
            if code < 400:
                media["examples"] = self._success_examples(media["schema"], code)
            else:
                media["examples"] = self._error_examples(
                    code, operation, route, [*named, *dependency_errors.get(code, [])]
                )
        self._request_examples(operation)
        operation["responses"] = dict(sorted(responses.items(), key=lambda kv: str(kv[0])))

    def _description(self, route: APIRoute) -> str | None:
        if self.descriptions is None:
            return None
        group, name = route_group(route), slug(route.name)
        for candidate in (self.descriptions / group / f"{name}.md", self.descriptions / f"{name}.md"):
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8").strip()
        return None

    def _parameters(self, operation: dict[str, Any]) -> None:
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if not parameter.get("description") and schema.get("description"):
                parameter["description"] = schema["description"]
            name = str(parameter.get("name", ""))
            if not parameter.get("description") and parameter.get("in") == "path" and name.endswith("_id"):
                parameter["description"] = f"ID of the {name[:-3].replace('_', ' ')}."

    def _dependency_errors(self, route: APIRoute | None) -> dict[int, list[tuple[str, str, Any]]]:
        """Errors that a route's dependencies declare (`documented_errors` on the callable)."""
        found: dict[int, list[tuple[str, str, Any]]] = {}
        if route is None:
            return found
        for errors in _dependency_attribute(route.dependant, "documented_errors"):
            for status, code, message, details in errors:
                entry = (code, message, details)
                if entry not in found.setdefault(int(status), []):
                    found[int(status)].append(entry)
        return found

    # --- examples -----------------------------------------------------------------------------

    def _success_examples(self, schema: Schema, status: int) -> dict[str, Any]:
        self.examples.reset()
        body = self.examples.example(schema)
        if isinstance(body, dict) and {"status_code", "message", "data"} <= body.keys():
            body["status_code"] = status
            body["message"] = "Created" if status == 201 else HTTPStatus(status).phrase
            body["error"] = None
        name = "created" if status == 201 else "success"
        return {name: {"summary": HTTPStatus(status).phrase, "value": body}}

    def _request_examples(self, operation: dict[str, Any]) -> None:
        media = operation.get("requestBody", {}).get("content", {}).get(JSON_MEDIA_TYPE)
        if media is None or media.get("examples") or not media.get("schema"):
            return
        self.examples.reset()
        value = ExampleGenerator(self.resolver).example(media["schema"])
        schema = self.resolver.non_null(media["schema"])
        if isinstance(value, dict):
            # Optional nullable fields (`flow_id`) left out, unless nothing would remain (an update).
            required = set(schema.get("required", []))
            properties = schema.get("properties", {})
            trimmed = {
                key: sub
                for key, sub in value.items()
                if key in required or not self._nullable(properties.get(key, {}))
            }
            value = trimmed or value
        media["examples"] = {"request": {"summary": "A valid request", "value": value}}

    def _error_examples(
        self,
        status: int,
        operation: dict[str, Any],
        route: APIRoute | None,
        declared: list[tuple[str, str, Any]],
    ) -> dict[str, Any]:
        default_code, default_message = STATUS_CODES.get(status, ("HTTP_ERROR", HTTPStatus(status).phrase))
        cases: list[tuple[str, str, Any]] = list(declared)
        thing = singular(route_group(route)).replace("_", " ").capitalize() if route else "Resource"
        if status == 401 and not declared:
            cases += [
                ("UNAUTHORIZED", "Authentication required", None),
                ("INVALID_TOKEN", "Invalid or expired token", None),
            ]
        elif status == 403 and not declared:
            permission = self._permission(route)
            message = f"Missing permission {permission}" if permission else default_message
            cases.append((default_code, message, None))
        elif status == 404:
            cases.append(
                (
                    default_code,
                    f"{thing} not found" if "{" in str(route and route.path) else default_message,
                    None,
                )
            )
        elif status == 409 and not declared:
            cases.append((default_code, "Conflict with an existing resource", None))
        elif status == 422:
            cases.append((default_code, "Validation failed", [self._field_error(operation)]))
        elif status == 429:
            cases.append((default_code, "Rate limit exceeded, retry in 30 seconds", None))
        elif not cases:
            cases.append((default_code, ERROR_MESSAGES.get(status, default_message), None))
        examples: dict[str, Any] = {}
        for code, message, details in cases:
            name = code.lower().replace("_", "-")
            examples[name] = {
                "summary": f"{code}: {message}",
                "value": {
                    "status_code": status,
                    "message": message,
                    "data": None,
                    "error": {"code": code, "message": message, "details": details},
                },
            }
        return examples

    def _nullable(self, schema: Schema) -> bool:
        resolved = self.resolver.resolve(schema)
        variants = resolved.get("anyOf") or resolved.get("oneOf") or []
        return any(self.resolver.resolve(v).get("type") == "null" for v in variants)

    def _permission(self, route: APIRoute | None) -> str | None:
        if route is None:
            return None
        found = _dependency_attribute(route.dependant, "permission")
        return str(found[0]) if found else None

    def _field_error(self, operation: dict[str, Any]) -> dict[str, str]:
        """A 422 detail naming a real field of this operation: a body field, else a parameter."""
        media = operation.get("requestBody", {}).get("content", {})
        for media_type in (JSON_MEDIA_TYPE, "multipart/form-data", "application/x-www-form-urlencoded"):
            schema = self.resolver.non_null(media.get(media_type, {}).get("schema", {}))
            required = list(schema.get("required", [])) or list(schema.get("properties", {}))
            if required:
                return {
                    "field": required[0],
                    "location": "body",
                    "message": "Field required",
                    "type": "missing",
                }
        for parameter in operation.get("parameters", []):
            if parameter.get("in") in {"path", "query"}:
                return {
                    "field": str(parameter["name"]),
                    "location": str(parameter["in"]),
                    "message": "Input should be a valid value",
                    "type": "value_error",
                }
        return {"field": "", "location": "body", "message": "Invalid request", "type": "value_error"}

    # --- document level -----------------------------------------------------------------------

    def _tags(self) -> None:
        used = sorted(
            {
                str(tag)
                for item in self.openapi.get("paths", {}).values()
                for operation in item.values()
                if isinstance(operation, dict)
                for tag in operation.get("tags", [])
            }
        )
        described = tag_descriptions(self.descriptions)
        self.openapi["tags"] = [
            {"name": tag, **({"description": described[tag]} if tag in described else {})} for tag in used
        ]


def tag_descriptions(descriptions: Path | None) -> dict[str, str]:
    """`docs/descriptions/_tags.yaml`: {tag: description}."""
    if descriptions is None or not (descriptions / TAGS_FILE).is_file():
        return {}
    data = yaml.safe_load((descriptions / TAGS_FILE).read_text(encoding="utf-8")) or {}
    return {str(k): str(v).strip() for k, v in data.items()}


def install_openapi(
    app: FastAPI, *, servers: list[dict[str, str]], descriptions: Path | None = DESCRIPTIONS
) -> Callable[[], dict[str, Any]]:
    """Replace `app.openapi` by the completed schema (built once, on first use)."""
    folder = descriptions if descriptions is not None and descriptions.is_dir() else None

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                servers=servers,
                license_info=app.license_info,
                contact=app.contact,
                separate_input_output_schemas=app.separate_input_output_schemas,
            )
            app.openapi_schema = OpenAPICompleter(app, schema, folder).complete()
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return openapi
