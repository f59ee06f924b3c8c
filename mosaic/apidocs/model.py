"""The in-memory form of one endpoint document, shared by the generator, the parser and the mock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
AUTH_KINDS = ("none", "bearer", "external")
DOC_STATUSES = ("documented", "mocked", "implemented")
JSON_MEDIA_TYPE = "application/json"
TEXT_MEDIA_TYPE = "text/plain"
PARAMETER_LOCATIONS = ("path", "query", "header", "body")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One row of a parameter table (path, query, header or body field)."""

    name: str
    location: str
    type: str = "string"
    required: bool = False
    description: str = ""


@dataclass(slots=True)
class Example:
    """One fenced data block: a request body, or a response body for one status under one name."""

    status: int
    name: str
    body: Any
    media_type: str = JSON_MEDIA_TYPE
    line: int = 0


@dataclass(slots=True)
class ResponseDoc:
    status: int
    description: str = ""
    examples: list[Example] = field(default_factory=list)


@dataclass(slots=True)
class EndpointDoc:
    """Everything one `docs/api/<domain>/<operation>.md` file says about one method + path."""

    method: str
    path: str
    domain: str
    operation: str
    title: str
    description: str = ""
    auth: str = "none"
    permission: str | None = None
    tags: list[str] = field(default_factory=list)
    operation_id: str | None = None
    status: str = "implemented"
    legacy_source: str | None = None
    legacy_path: str | None = None
    parameters: list[Parameter] = field(default_factory=list)
    request_media_type: str | None = None
    request_example: Example | None = None
    responses: list[ResponseDoc] = field(default_factory=list)
    source: Path | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def relative_path(self) -> str:
        return f"{self.domain}/{self.operation}.md" if self.domain else f"{self.operation}.md"

    def params_in(self, location: str) -> list[Parameter]:
        return [p for p in self.parameters if p.location == location]

    def examples(self) -> list[Example]:
        return [example for response in self.responses for example in response.examples]

    def response(self, status: int) -> ResponseDoc | None:
        return next((r for r in self.responses if r.status == status), None)

    def default_example(self) -> Example:
        """The lowest success status and its first example (Prism's default choice)."""
        successes = sorted((e for e in self.examples() if 200 <= e.status < 400), key=lambda e: e.status)
        if not successes:
            raise LookupError(f"{self.method} {self.path} has no success example")
        return successes[0]
