"""Endpoint document to Markdown, in the layout of `docs/api/_template.md`.

Data lives only in fenced blocks whose info string the parser knows (`json request`,
`json response <status> [<name>]`, `text response <status> [<name>]`), so a file reads as plain
Markdown anywhere and still parses back to exactly the same values.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import yaml

from mosaic.apidocs.model import JSON_MEDIA_TYPE, EndpointDoc, Example, Parameter

PARAMETER_SECTIONS = (
    ("path", "Path parameters"),
    ("query", "Query parameters"),
    ("header", "Header parameters"),
)


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Response"


def front_matter(doc: EndpointDoc) -> str:
    data: dict[str, Any] = {
        "method": doc.method,
        "path": doc.path,
        "auth": doc.auth,
        "permission": doc.permission,
        "tags": list(doc.tags),
        "operation_id": doc.operation_id,
        "status": doc.status,
    }
    if doc.legacy_source or doc.legacy_path:
        data["legacy_source"] = doc.legacy_source
        data["legacy_path"] = doc.legacy_path
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    return f"---\n{dumped}---\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def parameter_table(parameters: list[Parameter], first_column: str = "name") -> str:
    rows = [f"| {first_column} | type | required | description |", "| --- | --- | --- | --- |"]
    for p in parameters:
        rows.append(
            f"| `{p.name}` | {_cell(p.type)} | {'yes' if p.required else 'no'} | {_cell(p.description)} |"
        )
    return "\n".join(rows) + "\n"


def fenced(example: Example, info: str) -> str:
    if example.media_type == JSON_MEDIA_TYPE:
        body = json.dumps(example.body, indent=2, ensure_ascii=False)
    else:
        body = str(example.body).rstrip("\n")
    return f"```{info}\n{body}\n```\n"


def response_info(example: Example) -> str:
    kind = "json" if example.media_type == JSON_MEDIA_TYPE else "text"
    name = "" if example.name == "default" else f" {example.name}"
    return f"{kind} response {example.status}{name}"


def render(doc: EndpointDoc) -> str:
    parts = [front_matter(doc), f"\n# {doc.title}\n"]
    if doc.description.strip():
        parts.append(f"\n{doc.description.strip()}\n")
    for location, heading in PARAMETER_SECTIONS:
        params = doc.params_in(location)
        if params:
            parts.append(f"\n## {heading}\n\n{parameter_table(params)}")
    body_fields = doc.params_in("body")
    if doc.request_media_type or body_fields or doc.request_example:
        parts.append("\n## Request body\n")
        if doc.request_media_type:
            parts.append(f"\nContent type: `{doc.request_media_type}`\n")
        if body_fields:
            parts.append(f"\n{parameter_table(body_fields, 'field')}")
        if doc.request_example is not None:
            parts.append(f"\n{fenced(doc.request_example, 'json request')}")
    parts.append("\n## Responses\n")
    for response in doc.responses:
        parts.append(f"\n### {response.status} {status_phrase(response.status)}\n")
        if response.description.strip():
            parts.append(f"\n{_cell(response.description)}\n")
        for example in response.examples:
            parts.append(f"\n{fenced(example, response_info(example))}")
    return "".join(parts)
