"""`Prefer: dynamic=true`: a fresh response generated from the schema, as Prism's dynamic mode.

Values are random but valid for their schema (formats, enums, bounds, lengths); a string with a
pattern keeps the schema's own example, which is known to match it.
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mosaic.apidocs.examples import ExampleGenerator, Schema, SchemaResolver


class DynamicExamples(ExampleGenerator):
    def __init__(self, resolver: SchemaResolver, rng: random.Random | None = None) -> None:
        super().__init__(resolver)
        self.rng = rng or random.Random()  # noqa: S311 - mock data, not security

    def example(self, schema: Schema, name: str = "", depth: int = 0) -> Any:
        resolved = self.resolver.resolve(schema)
        if "const" in resolved:
            return resolved["const"]
        if resolved.get("enum"):
            return self.rng.choice(resolved["enum"])
        for key in ("anyOf", "oneOf"):
            if key in resolved:
                options = [v for v in resolved[key] if self.resolver.resolve(v).get("type") != "null"]
                nullable = len(options) < len(resolved[key])
                if not options or (nullable and depth > 1 and self.rng.random() < 0.3):
                    return None
                return self.example(self.rng.choice(options), name, depth + 1)
        if depth > 8:
            return None
        return self._by_type(resolved, name, depth)

    def _by_type(self, schema: Schema, name: str, depth: int) -> Any:
        kind = schema.get("type")
        if kind == "array":
            low = int(schema.get("minItems", 1))
            high = max(low, min(int(schema.get("maxItems", 3)), 3))
            return [
                self.example(schema.get("items", {}), name, depth + 1)
                for _ in range(self.rng.randint(low, high))
            ]
        if kind == "integer":
            low = int(
                schema.get(
                    "minimum", schema.get("exclusiveMinimum", -1) + 1 if "exclusiveMinimum" in schema else 0
                )
            )
            high = int(schema.get("maximum", low + 1000))
            return self.rng.randint(low, max(low, high))
        if kind == "number":
            bottom = float(schema.get("minimum", 0))
            return round(self.rng.uniform(bottom, float(schema.get("maximum", bottom + 1000))), 2)
        if kind == "boolean":
            return self.rng.random() < 0.5
        return super()._by_type(schema, name, depth)

    def _string(self, schema: Schema, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if fmt == "date-time":
            moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.rng.randint(0, 330 * 86400))
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt or schema.get("pattern") or "examples" in schema:
            examples = schema.get("examples")
            if isinstance(examples, list) and examples:
                return str(self.rng.choice(examples))
            return super()._string(schema, name)
        low = int(schema.get("minLength", 3))
        high = max(low, min(int(schema.get("maxLength", 16)), 16))
        return "".join(self.rng.choice(string.ascii_lowercase) for _ in range(self.rng.randint(low, high)))
