"""Requests checked the way the real app checks them, so a front end meets the same refusals.

The rules come from the app's schema, `openapi.json` beside the docs (`mosaic docs build` writes
it); without one, the docs' own tables are used (path and query types, required body fields).
Answers use the app's envelope and codes: 401 UNAUTHORIZED / INVALID_TOKEN for a missing or
malformed bearer token, 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON, a form or
multipart, 422 VALIDATION_ERROR with `{field, location, message, type}` details for the rest.
`--lenient` switches all of it off.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from starlette.requests import Request

from mosaic.apidocs.build import SCHEMA_NAME
from mosaic.apidocs.model import JSON_MEDIA_TYPE, EndpointDoc
from mosaic.core.envelope import error_body

BEARER = re.compile(r"^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$")
ACCEPTED_MEDIA = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CONTROL_QUERY = frozenset({"__code", "__example", "__dynamic"})
ERROR_TYPES = {
    "required": "missing",
    "enum": "enum",
    "const": "literal_error",
    "pattern": "string_pattern_mismatch",
    "minLength": "string_too_short",
    "maxLength": "string_too_long",
    "minimum": "greater_than_equal",
    "exclusiveMinimum": "greater_than",
    "maximum": "less_than_equal",
    "exclusiveMaximum": "less_than",
    "additionalProperties": "extra_forbidden",
    "minItems": "too_short",
    "maxItems": "too_long",
    "format": "value_error",
}

Detail = dict[str, str]


class Refusal(Exception):
    """The request is refused with this status, code, message and details (the app's envelope)."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message, self.details)


class SchemaSource:
    """The first `openapi.json` of the docs folders, re-read when it changes."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.paths = [folder / SCHEMA_NAME for folder in folders]
        self._cache: tuple[tuple[str, int], dict[str, Any]] | None = None

    def get(self) -> dict[str, Any] | None:
        for path in self.paths:
            if path.is_file():
                key = (str(path), path.stat().st_mtime_ns)
                if self._cache is None or self._cache[0] != key:
                    self._cache = (key, json.loads(path.read_text(encoding="utf-8")))
                return self._cache[1]
        return None


def operation_of(openapi: dict[str, Any] | None, doc: EndpointDoc) -> dict[str, Any] | None:
    if openapi is None:
        return None
    operation: dict[str, Any] | None = openapi.get("paths", {}).get(doc.path, {}).get(doc.method.lower())
    return operation


def _validator(openapi: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": openapi.get("components", {})})


def _details(error: ValidationError, location: str, prefix: str = "") -> Detail:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        required: Any = error.validator_value
        missing = next((str(r) for r in required if r not in error.instance), "")
        path.append(missing)
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema: Any = error.schema
        allowed = set(schema.get("properties", {}) if isinstance(schema, dict) else {})
        path.append(next((str(k) for k in error.instance if k not in allowed), ""))
    field = ".".join(p for p in [prefix, *path] if p) or location
    kind = ERROR_TYPES.get(str(error.validator), "value_error")
    if error.validator == "type":
        kind = f"{error.validator_value}_type" if isinstance(error.validator_value, str) else "type_error"
    message = "Field required" if kind == "missing" else error.message
    return {"field": field, "location": location, "message": message, "type": kind}


def _best(errors: list[ValidationError]) -> list[ValidationError]:
    """`anyOf` failures (`X | None`) reported through the non-null variant's error, as pydantic does."""
    flat: list[ValidationError] = []
    for error in errors:
        candidates = [
            e for e in error.context or [] if not (e.validator == "type" and e.validator_value == "null")
        ]
        flat.append(max(candidates, key=lambda e: len(e.absolute_path)) if candidates else error)
    return flat


def check_auth(doc: EndpointDoc, request: Request) -> None:
    if doc.auth != "bearer":
        return
    header = request.headers.get("authorization")
    challenge = {"WWW-Authenticate": "Bearer"}
    if not header:
        raise Refusal(401, "UNAUTHORIZED", "Authentication required", headers=challenge)
    if not BEARER.match(header.strip()):
        raise Refusal(401, "INVALID_TOKEN", "Invalid or expired token", headers=challenge)


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """A query or path string as the type its schema names (as FastAPI reads it), else the string."""
    variants = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    for variant in variants:
        kind = variant.get("type")
        try:
            if kind == "integer" and re.fullmatch(r"[+-]?\d+", raw):
                return int(raw)
            if kind == "number":
                return float(raw)
            if kind == "boolean" and raw.lower() in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
                return raw.lower() in {"true", "1", "yes", "on"}
        except ValueError:
            continue
    return raw


def _format_problem(raw: str, schema: dict[str, Any]) -> str | None:
    formats = {v.get("format") for v in [schema, *schema.get("anyOf", [])] if v.get("format")}
    try:
        if "uuid" in formats:
            uuid.UUID(raw)
        if "date-time" in formats:
            datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return f"Input should be a valid {' or '.join(sorted(str(f) for f in formats))}"
    return None


def parameter_problems(doc: EndpointDoc, request: Request, openapi: dict[str, Any] | None) -> list[Detail]:
    operation = operation_of(openapi, doc)
    if operation is None or openapi is None:
        return []
    problems: list[Detail] = []
    for parameter in operation.get("parameters", []):
        location, name = parameter.get("in"), str(parameter.get("name"))
        if location not in {"query", "path"}:
            continue
        raw = request.query_params.get(name) if location == "query" else request.path_params.get(name)
        if raw is None:
            if parameter.get("required"):
                problems.append(_missing(name, location))
            continue
        schema = parameter.get("schema", {})
        problem = _format_problem(str(raw), schema)
        if problem:
            problems.append({"field": name, "location": location, "message": problem, "type": "value_error"})
            continue
        for error in _best(list(_validator(openapi, schema).iter_errors(_coerce(str(raw), schema)))):
            problems.append({**_details(error, location), "field": name})
    return problems


def _missing(field: str, location: str) -> Detail:
    return {"field": field, "location": location, "message": "Field required", "type": "missing"}


def _invalid(detail: Detail) -> Refusal:
    return Refusal(422, "VALIDATION_ERROR", "Validation failed", [detail])


_NO_BODY: Any = object()


async def read_body(doc: EndpointDoc, request: Request, openapi: dict[str, Any] | None) -> tuple[Any, Any]:
    """(parsed JSON body or _NO_BODY, its schema): 415 and undecodable JSON come first, as in the app."""
    if doc.method not in BODY_METHODS:
        return _NO_BODY, None
    spec = (operation_of(openapi, doc) or {}).get("requestBody")
    if spec is None and doc.request_media_type is None:
        return _NO_BODY, None
    content: dict[str, Any] = (spec or {}).get("content", {}) or {str(doc.request_media_type): {}}
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    is_json = media == JSON_MEDIA_TYPE or media.endswith("+json")
    if raw and media not in ACCEPTED_MEDIA and not is_json:
        raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON, a form or multipart/form-data")
    if JSON_MEDIA_TYPE not in content:
        return _NO_BODY, None  # a form or an upload: the mock does not parse multipart
    if not raw:
        if spec is None or spec.get("required", True):
            raise _invalid(_missing("body", "body"))
        return _NO_BODY, None
    if not is_json:
        raise _invalid(
            {"field": "body", "location": "body", "message": "Input should be a valid dictionary",
             "type": "model_attributes_type"}
        )  # fmt: skip
    try:
        return json.loads(raw), content[JSON_MEDIA_TYPE].get("schema")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _invalid(
            {"field": "body", "location": "body", "message": "JSON decode error", "type": "json_invalid"}
        ) from None


def body_problems(doc: EndpointDoc, body: Any, schema: Any, openapi: dict[str, Any] | None) -> list[Detail]:
    if body is _NO_BODY:
        return []
    if openapi is not None and schema:
        return [_details(e, "body") for e in _best(list(_validator(openapi, schema).iter_errors(body)))]
    present = body if isinstance(body, dict) else {}  # no schema: the docs' body table
    return [_missing(p.name, "body") for p in doc.params_in("body") if p.required and p.name not in present]


async def check_request(doc: EndpointDoc, request: Request, openapi: dict[str, Any] | None) -> None:
    """Raise `Refusal` for what the real app would refuse, in its order: media type and undecodable
    JSON (before routing and dependencies), then the bearer token, then every invalid field at once."""
    body, schema = await read_body(doc, request, openapi)
    check_auth(doc, request)
    problems = parameter_problems(doc, request, openapi) + body_problems(doc, body, schema, openapi)
    if problems:
        raise Refusal(422, "VALIDATION_ERROR", "Validation failed", problems)
