"""Deterministic example values from JSON Schema, and a schema inferred back from an example.

Examples in the generated docs must not change between two builds of the same app, so nothing
here reads the clock or a random source: formats map to fixed values (one UUID, one instant).
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from mosaic.core.errors import STATUS_CODES

Schema = dict[str, Any]

FIXED_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
FIXED_DATETIME = "2026-01-01T00:00:00Z"
FORMAT_EXAMPLES: dict[str, str] = {
    "uuid": FIXED_UUID,
    "date-time": FIXED_DATETIME,
    "date": "2026-01-01",
    "time": "09:30:00",
    "email": "jane.doe@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "password": "correct horse battery",
    "binary": "<binary>",
    "duration": "P1D",
}
MAX_DEPTH = 8


class SchemaResolver:
    """Follows local `$ref`s of one OpenAPI document."""

    def __init__(self, openapi: dict[str, Any]) -> None:
        self.openapi = openapi

    def resolve(self, schema: Schema) -> Schema:
        seen: set[str] = set()
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen.add(ref)
            target: Any = self.openapi
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def non_null(self, schema: Schema) -> Schema:
        """`X | None` as Pydantic writes it (`anyOf: [X, null]`) reduced to X."""
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            variants = [self.resolve(v) for v in schema.get(key, []) if v.get("type") != "null"]
            if len(variants) == 1:
                merged = {k: v for k, v in schema.items() if k != key}
                return {**variants[0], **merged}
        return schema

    def type_name(self, schema: Schema) -> str:
        """A short human type for a table cell: `string (uuid)`, `array of PlanOut`, `integer | null`."""
        raw = schema
        nullable = any(v.get("type") == "null" for v in raw.get("anyOf", []) + raw.get("oneOf", []))
        schema = self.non_null(raw)
        name = self._type_name(schema, raw)
        return f"{name} | null" if nullable else name

    def _type_name(self, schema: Schema, raw: Schema) -> str:
        ref = raw.get("$ref") or next(
            (v["$ref"] for v in raw.get("anyOf", []) + raw.get("oneOf", []) if "$ref" in v), None
        )
        if ref:
            return str(ref).rsplit("/", 1)[-1]
        if "anyOf" in schema or "oneOf" in schema:
            variants = schema.get("anyOf") or schema.get("oneOf") or []
            return " | ".join(self.type_name(v) for v in variants)
        kind = schema.get("type", "any")
        if isinstance(kind, list):
            return " | ".join(str(k) for k in kind)
        if kind == "array":
            return f"array of {self.type_name(schema.get('items', {}))}"
        if "enum" in schema:
            return f"{kind} (one of {', '.join(str(v) for v in schema['enum'])})"
        if schema.get("format"):
            return f"{kind} ({schema['format']})"
        return str(kind)


class ExampleGenerator:
    """Builds one example value per schema: the schema's own example first, a generated one else."""

    def __init__(self, resolver: SchemaResolver) -> None:
        self.resolver = resolver

    def example(self, schema: Schema, name: str = "", depth: int = 0) -> Any:
        schema = self.resolver.resolve(schema)
        for key in ("const",):
            if key in schema:
                return schema[key]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        if "example" in schema:
            return schema["example"]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        if depth > MAX_DEPTH:
            return None
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            # An object with its own properties and an `anyOf` is a rule over those properties
            # (both or neither): the example comes from the properties, not from a rule branch.
            if key in schema and "properties" not in schema:
                variants = [v for v in schema[key] if self.resolver.resolve(v).get("type") != "null"]
                return self.example(variants[0], name, depth + 1) if variants else None
        if "allOf" in schema:
            merged: Schema = {}
            for part in schema["allOf"]:
                merged.update(self.resolver.resolve(part))
            return self.example(merged, name, depth + 1)
        return self._by_type(schema, name, depth)

    def _by_type(self, schema: Schema, name: str, depth: int) -> Any:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            if properties:
                return {key: self.example(sub, key, depth + 1) for key, sub in properties.items()}
            extra = schema.get("additionalProperties")
            return {"key": self.example(extra, "value", depth + 1)} if isinstance(extra, dict) else {}
        if kind == "array":
            count = max(1, int(schema.get("minItems", 1)))
            return [self.example(schema.get("items", {}), name, depth + 1) for _ in range(count)]
        if kind == "integer":
            if "minimum" in schema:
                return int(schema["minimum"])
            return int(schema["exclusiveMinimum"]) + 1 if "exclusiveMinimum" in schema else 1
        if kind == "number":
            return float(schema.get("minimum", 1.5))
        if kind == "boolean":
            return "deleted" not in name  # `is_deleted: true` would read as an odd default
        if kind == "null":
            return None
        if kind == "string":
            return self._string(schema, name)
        return None

    def _string(self, schema: Schema, name: str) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in FORMAT_EXAMPLES:
            return FORMAT_EXAMPLES[fmt]
        if name.endswith("url"):
            return "https://example.com/"
        if name.endswith("email"):
            return FORMAT_EXAMPLES["email"]
        value = name.replace("_", " ") if name else "string"
        minimum = int(schema.get("minLength", 0))
        maximum = int(schema.get("maxLength", max(minimum, len(value))))
        if len(value) < minimum:
            value = value + "x" * (minimum - len(value))
        value = value[:maximum] if maximum else value
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not re.search(pattern, value):
            # A name-derived text that the pattern refuses: the first plain candidate it accepts.
            words = name.split("_") if name else ["string"]
            candidates = [
                "_".join(words),
                "-".join(words),
                "".join(words),
                words[-1],
                "BTC/USDT",
                "USD",
                "a1",
                "25.50",  # a decimal-string amount
                "+1",  # a calling code
                "5551234567",  # a phone number's digits
            ]
            value = next((c for c in candidates if re.search(pattern, c)), value)
        return value


def envelope_example(generator: ExampleGenerator, schema: Schema, status: int) -> Any:
    """An example body for one status; envelope bodies get the status, phrase and error code right."""
    body = generator.example(schema)
    if not (isinstance(body, dict) and {"status_code", "message", "data", "error"} <= body.keys()):
        return body
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "OK"
    body["status_code"] = status
    if status < 400:
        body["message"] = phrase
        body["error"] = None
        return body
    code, message = STATUS_CODES.get(status, ("HTTP_ERROR", phrase))
    details: Any = None
    if status == 422:
        details = [
            {"field": "email", "location": "body", "message": "Field required", "type": "missing"},
        ]
    body.update(message=message, data=None, error={"code": code, "message": message, "details": details})
    return body


def infer_schema(value: Any) -> Schema:
    """A JSON Schema that the example satisfies, loose enough for other values of the same shape.

    Keys present in the example are required; scalars and objects may also be null because an
    example shows one optional field filled in that a real answer may leave empty.
    """
    if isinstance(value, dict):
        return {
            "type": ["object", "null"],
            "properties": {key: infer_schema(sub) for key, sub in value.items()},
            "required": list(value),
        }
    if isinstance(value, list):
        return {"type": "array", "items": infer_schema(value[0])} if value else {"type": "array"}
    if isinstance(value, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(value, int | float):
        return {"type": ["number", "null"]}
    if isinstance(value, str):
        return {"type": ["string", "null"]}
    return {}
