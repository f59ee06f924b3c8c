"""Markdown endpoint documents back into `EndpointDoc`s, for generated and hand-written docs alike.

The parser is strict on purpose: the mock server and the contract tests trust what it returns,
so a duplicate route, JSON that does not parse, a missing success example, an undocumented path
parameter or an unknown fenced block stops everything with the file and line to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mosaic.apidocs.model import (
    AUTH_KINDS,
    DOC_STATUSES,
    HTTP_METHODS,
    JSON_MEDIA_TYPE,
    TEXT_MEDIA_TYPE,
    EndpointDoc,
    Example,
    Parameter,
    ResponseDoc,
)

PATH_PARAM = re.compile(r"\{([^{}]*)\}")
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(:path)?$")
FENCE = re.compile(r"^(`{3,})(.*)$")
RESPONSE_INFO = re.compile(r"^(json|text) response (\d{3})(?: ([A-Za-z0-9_.-]+))?$")
STATUS_HEADING = re.compile(r"^### (\d{3})\b")
SECTION_LOCATIONS = {
    "path parameters": "path",
    "query parameters": "query",
    "header parameters": "header",
    "request body": "body",
}


@dataclass(frozen=True, slots=True)
class Problem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class DocsError(Exception):
    """One or more documents are invalid; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _FileParser:
    def __init__(self, path: Path, text: str, relative_to: Path | None) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        relative = path.relative_to(relative_to) if relative_to else Path(path.name)
        self.domain = "/".join(relative.parts[:-1])
        self.operation = relative.stem

    def fail(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def parse(self) -> EndpointDoc | None:
        meta, body_start = self._front_matter()
        if meta is None:
            return None
        doc = self._doc_from_meta(meta)
        if doc is None:
            return None
        self._body(doc, body_start)
        self._check(doc)
        return None if self.problems else doc

    def _front_matter(self) -> tuple[dict[str, Any] | None, int]:
        if not self.lines or self.lines[0].strip() != "---":
            self.fail(1, "missing YAML front matter (the file must start with '---')")
            return None, 0
        try:
            end = next(i for i in range(1, len(self.lines)) if self.lines[i].strip() == "---")
        except StopIteration:
            self.fail(1, "front matter is not closed by '---'")
            return None, 0
        try:
            meta = yaml.safe_load("\n".join(self.lines[1:end]))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.fail((mark.line + 2) if mark else 1, f"invalid YAML front matter: {exc}")
            return None, 0
        if not isinstance(meta, dict):
            self.fail(1, "front matter must be a mapping")
            return None, 0
        return meta, end + 1

    def _doc_from_meta(self, meta: dict[str, Any]) -> EndpointDoc | None:
        line_of = {
            key: i + 1 for i, text in enumerate(self.lines) for key in meta if text.startswith(f"{key}:")
        }
        method = str(meta.get("method", "")).upper()
        path = str(meta.get("path", ""))
        if method not in HTTP_METHODS:
            self.fail(line_of.get("method", 1), f"method must be one of {', '.join(HTTP_METHODS)}")
        if not path.startswith("/"):
            self.fail(line_of.get("path", 1), "path must start with '/'")
        elif "/:" in path:
            self.fail(line_of["path"], "path must use {param}, not :param")
        for name in PATH_PARAM.findall(path):
            if not PARAM_NAME.match(name):
                self.fail(line_of.get("path", 1), f"path parameter {{{name}}} is not a valid name")
        auth = str(meta.get("auth") or "none")
        if auth not in AUTH_KINDS:
            self.fail(line_of.get("auth", 1), f"auth must be one of {', '.join(AUTH_KINDS)}")
        status = str(meta.get("status") or "documented")
        if status not in DOC_STATUSES:
            self.fail(line_of.get("status", 1), f"status must be one of {', '.join(DOC_STATUSES)}")
        tags = meta.get("tags") or []
        if self.problems:
            return None
        return EndpointDoc(
            method=method,
            path=path,
            domain=self.domain,
            operation=self.operation,
            title="",
            auth=auth,
            permission=_optional_str(meta.get("permission")),
            tags=[str(t) for t in (tags if isinstance(tags, list) else [tags])],
            operation_id=_optional_str(meta.get("operation_id")),
            status=status,
            legacy_source=_optional_str(meta.get("legacy_source")),
            legacy_path=_optional_str(meta.get("legacy_path")),
            source=self.path,
        )

    def _body(self, doc: EndpointDoc, start: int) -> None:
        section = ""
        prose: list[str] = []
        response: ResponseDoc | None = None
        i = start
        while i < len(self.lines):
            line = self.lines[i]
            fence = FENCE.match(line)
            if fence:
                i = self._block(doc, i, fence.group(1), fence.group(2).strip())
                continue
            if line.startswith("# ") and not doc.title:
                doc.title = line[2:].strip()
            elif line.startswith("## "):
                section = line[3:].strip().lower()
                response = None
            elif section == "responses" and (heading := STATUS_HEADING.match(line)):
                response = self._response(doc, int(heading.group(1)))
            elif section in SECTION_LOCATIONS and line.startswith("|"):
                self._table_row(doc, SECTION_LOCATIONS[section], line)
            elif section == "request body" and line.startswith("Content type:"):
                doc.request_media_type = line.split(":", 1)[1].strip().strip("`") or None
            elif not section and doc.title:
                prose.append(line)
            elif response is not None and line.strip() and not response.description:
                response.description = line.strip()
            i += 1
        doc.description = "\n".join(prose).strip()

    def _response(self, doc: EndpointDoc, status: int) -> ResponseDoc:
        existing = doc.response(status)
        if existing is not None:
            return existing
        response = ResponseDoc(status)
        doc.responses.append(response)
        return response

    def _block(self, doc: EndpointDoc, start: int, ticks: str, info: str) -> int:
        end = next(
            (j for j in range(start + 1, len(self.lines)) if self.lines[j].strip() == ticks),
            None,
        )
        if end is None:
            self.fail(start + 1, "fenced block is not closed")
            return len(self.lines)
        text = "\n".join(self.lines[start + 1 : end])
        line = start + 1
        if info == "json request":
            if doc.request_example is not None:
                self.fail(line, "more than one 'json request' block")
            body = self._json(text, line)
            if body is not _INVALID:
                doc.request_example = Example(0, "request", body, JSON_MEDIA_TYPE, line)
            return end + 1
        match = RESPONSE_INFO.match(info)
        if not match:
            self.fail(
                line,
                f"unknown fenced block info string {info!r}: use 'json request', "
                "'json response <status> [<name>]' or 'text response <status> [<name>]'",
            )
            return end + 1
        kind, status, name = match.group(1), int(match.group(2)), match.group(3) or "default"
        body = self._json(text, line) if kind == "json" else text
        if body is _INVALID:
            return end + 1
        response = self._response(doc, status)
        if any(e.name == name for e in response.examples):
            self.fail(line, f"duplicate example name {name!r} for status {status}")
        media = JSON_MEDIA_TYPE if kind == "json" else TEXT_MEDIA_TYPE
        response.examples.append(Example(status, name, body, media, line))
        return end + 1

    def _json(self, text: str, line: int) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail(line + exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
            return _INVALID

    def _table_row(self, doc: EndpointDoc, location: str, line: str) -> None:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if not cells or set(cells[0]) <= {"-", ":", " "} or cells[0].lower() in {"name", "field"}:
            return
        name = cells[0].strip("`")
        kind = cells[1].replace("\\|", "|") if len(cells) > 1 else "string"
        required = len(cells) > 2 and cells[2].lower() in {"yes", "true", "required"}
        description = cells[3].replace("\\|", "|") if len(cells) > 3 else ""
        doc.parameters.append(Parameter(name, location, kind, required or location == "path", description))

    def _check(self, doc: EndpointDoc) -> None:
        if not doc.title:
            self.fail(1, "missing '# Title' heading")
        if not any(200 <= e.status < 400 for e in doc.examples()):
            self.fail(
                len(self.lines) or 1, "no 2xx example: add a 'json response 200' block (3xx for redirects)"
            )
        documented = {p.name for p in doc.params_in("path")}
        for name in PATH_PARAM.findall(doc.path):
            bare = name.split(":", 1)[0]
            if bare not in documented:
                self.fail(
                    _line_starting(self.lines, "path:"),
                    f"path parameter {{{bare}}} is missing from the 'Path parameters' table",
                )


_INVALID: Any = object()


def _optional_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _line_starting(lines: list[str], prefix: str) -> int:
    return next((i + 1 for i, text in enumerate(lines) if text.startswith(prefix)), 1)


def parse_text(text: str, path: Path, relative_to: Path | None = None) -> EndpointDoc:
    parser = _FileParser(path, text, relative_to)
    doc = parser.parse()
    if parser.problems or doc is None:
        raise DocsError(parser.problems)
    return doc


def parse_file(path: Path, relative_to: Path | None = None) -> EndpointDoc:
    return parse_text(path.read_text(encoding="utf-8"), path, relative_to)


def doc_files(folder: Path) -> list[Path]:
    """Every endpoint document under `folder`; files and folders starting with `_`, and READMEs, are not."""
    return sorted(
        path
        for path in folder.rglob("*.md")
        if not any(part.startswith("_") for part in path.relative_to(folder).parts)
        and path.name.lower() != "readme.md"
    )


def parse_folder(*folders: Path) -> list[EndpointDoc]:
    """All documents of the folders, checked together: one method + path may appear only once."""
    docs, problems = parse_documents(*folders)
    if problems:
        raise DocsError(problems)
    return docs


def parse_documents(*folders: Path) -> tuple[list[EndpointDoc], list[Problem]]:
    """The documents that parse and the problems of those that do not (a duplicate included);
    for readers that serve what they can, such as the mock server."""
    docs: list[EndpointDoc] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Path] = {}
    for folder in folders:
        if not folder.is_dir():
            raise DocsError([Problem(folder, 0, "docs folder does not exist")])
        for path in doc_files(folder):
            try:
                doc = parse_file(path, folder)
            except DocsError as exc:
                problems.extend(exc.problems)
                continue
            if doc.key in seen:
                problems.append(
                    Problem(
                        path,
                        _line_starting(path.read_text(encoding="utf-8").splitlines(), "path:"),
                        f"duplicate {doc.method} {doc.path}: already documented in {seen[doc.key]}",
                    )
                )
                continue
            seen[doc.key] = path
            docs.append(doc)
    return docs, problems
