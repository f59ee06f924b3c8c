"""The mock server: every documented method + path answers its documented example, exactly.

Bodies are the parsed JSON serialised again with keys in document order and no response model,
so a front end sees byte for byte what the docs show. The choice among examples follows Prism:
`Prefer: code=404`, `Prefer: example=NAME` (or both, comma-separated), and the query forms
`?__code=404&__example=NAME`; the default is the lowest 2xx status and its first example.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from mosaic.apidocs.model import JSON_MEDIA_TYPE, EndpointDoc, Example
from mosaic.apidocs.parser import DocsError, doc_files, parse_documents, parse_folder
from mosaic.core.envelope import error_body
from mosaic.core.errors import install_error_handlers

logger = logging.getLogger("mosaic.mock")

PREFER_PART = re.compile(r"^\s*(code|example)\s*=\s*\"?([^\",;]*)\"?\s*$")
PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::path)?\}")


@dataclass(frozen=True, slots=True)
class Choice:
    code: int | None
    example: str | None


def requested_choice(request: Request) -> Choice:
    """What the caller asked for: query parameters win over the `Prefer` header."""
    wanted: dict[str, str] = {}
    for part in request.headers.get("prefer", "").split(","):
        match = PREFER_PART.match(part)
        if match:
            wanted[match.group(1)] = match.group(2)
    for key in ("code", "example"):
        if f"__{key}" in request.query_params:
            wanted[key] = request.query_params[f"__{key}"]
    code = wanted.get("code")
    return Choice(int(code) if code and code.isdigit() else (-1 if code else None), wanted.get("example"))


def choices_of(doc: EndpointDoc) -> dict[str, list[str]]:
    return {str(r.status): [e.name for e in r.examples] for r in doc.responses if r.examples}


def select_example(doc: EndpointDoc, choice: Choice) -> Example | None:
    if choice.code is None and choice.example is None:
        return doc.default_example()
    if choice.code is not None:
        response = doc.response(choice.code)
        if response is None or not response.examples:
            return None
        if choice.example is None:
            return response.examples[0]
        return next((e for e in response.examples if e.name == choice.example), None)
    default = doc.default_example()
    ordered = [default, *(e for e in doc.examples() if e is not default)]
    return next((e for e in ordered if e.name == choice.example), None)


def _invalid_path_params(doc: EndpointDoc, values: dict[str, Any]) -> list[dict[str, str]]:
    """Path parameters whose documented type is integer, number, boolean or uuid must look like one."""
    problems = []
    for param in doc.params_in("path"):
        raw = str(values.get(param.name, ""))
        kind = param.type.lower()
        valid = True
        if kind.startswith("integer"):
            valid = bool(re.fullmatch(r"-?\d+", raw))
        elif kind.startswith("number"):
            valid = bool(re.fullmatch(r"-?\d+(\.\d+)?", raw))
        elif kind.startswith("boolean"):
            valid = raw in {"true", "false"}
        elif "uuid" in kind:
            try:
                uuid.UUID(raw)
            except ValueError:
                valid = False
        if not valid:
            problems.append({"field": param.name, "location": "path", "message": f"Expected {param.type}"})
    return problems


def _body_bytes(example: Example) -> bytes:
    if example.media_type == JSON_MEDIA_TYPE:
        return json.dumps(example.body, ensure_ascii=False, separators=(",", ":")).encode()
    return str(example.body).encode()


def handler_for(doc: EndpointDoc) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        invalid = _invalid_path_params(doc, dict(request.path_params))
        if invalid:
            body = error_body(422, "VALIDATION_ERROR", "Validation failed", invalid)
            return Response(json.dumps(body), 422, media_type=JSON_MEDIA_TYPE)
        choice = requested_choice(request)
        example = select_example(doc, choice)
        if example is None:
            asked = ", ".join(
                f"{k}={v}" for k, v in (("code", choice.code), ("example", choice.example)) if v is not None
            )
            documented = "; ".join(
                f"code={code}: {', '.join(names)}" for code, names in choices_of(doc).items()
            )
            message = (
                f"No documented response for {asked} on {doc.method} {doc.path}; documented: {documented}"
            )
            body = error_body(404, "MOCK_EXAMPLE_NOT_FOUND", message, {"choices": choices_of(doc)})
            return Response(json.dumps(body), 404, media_type=JSON_MEDIA_TYPE)
        headers = {"X-Mock-Example": f"{example.status} {example.name}"}
        if 300 <= example.status < 400 and example.body:
            headers["Location"] = str(example.body).strip()
        media_type = (
            example.media_type if example.media_type == JSON_MEDIA_TYPE else "text/plain; charset=utf-8"
        )
        return Response(_body_bytes(example), example.status, headers=headers, media_type=media_type)

    return answer


def _specificity(path: str) -> list[tuple[int, str]]:
    """Literal segments before parameters, so `/users/me` is tried before `/users/{user_id}`."""
    return [(1, "") if PATH_PARAM.fullmatch(s) else (0, s) for s in path.split("/")]


LEGACY_PARAM = re.compile(r":\w+\??|\{[^{}]+\}")


def legacy_route_path(doc: EndpointDoc) -> str | None:
    """The document's legacy path as a route with the document's parameter names, in order.

    Legacy syntaxes (`:id`, `:id?`, `{user}`, `{post:slug}`) all mark one segment; the names
    are the new path's, so the same handler answers both. None (logged) when the shapes differ.
    """
    legacy = doc.legacy_path
    if not legacy or not legacy.startswith("/"):
        return None
    names = PATH_PARAM.findall(doc.path)
    slots = LEGACY_PARAM.findall(legacy)
    if "*" in legacy or ":path}" in doc.path or len(slots) != len(names):
        logger.warning(
            "%s %s: legacy path %s not served (its parameters do not map onto %s)",
            doc.method,
            doc.path,
            legacy,
            doc.path,
        )
        return None
    filled = iter(names)
    path = LEGACY_PARAM.sub(lambda _: "{" + next(filled) + "}", legacy).rstrip("/") or "/"
    return None if path == doc.path else path


def build_router(docs: Sequence[EndpointDoc], *, serve_legacy_paths: bool = False) -> APIRouter:
    """One route per document (and per legacy path when asked); a route that cannot be
    registered (a duplicated parameter name, a clash) is skipped with a logged reason."""
    entries = [(doc.path, doc, False) for doc in docs]
    if serve_legacy_paths:
        taken = {(doc.method, PATH_PARAM.sub("{}", doc.path)) for doc in docs}
        for doc in docs:
            old = legacy_route_path(doc)
            if old is not None and (doc.method, PATH_PARAM.sub("{}", old)) not in taken:
                taken.add((doc.method, PATH_PARAM.sub("{}", old)))
                entries.append((old, doc, True))
    router = APIRouter()
    for path, doc, legacy in sorted(entries, key=lambda e: (_specificity(e[0]), e[1].method)):
        try:
            router.add_api_route(
                path,
                handler_for(doc),
                methods=[doc.method],
                name=f"{doc.domain}.{doc.operation}" + (".legacy" if legacy else ""),
                summary=doc.title + (f" (legacy path {path})" if legacy else ""),
                tags=[doc.domain] if doc.domain else None,
                include_in_schema=True,
            )
        except (ValueError, AssertionError) as exc:
            logger.error("skipped %s %s from %s: %s", doc.method, path, doc.source or doc.relative_path, exc)
    return router


def load_documents(folders: Sequence[Path]) -> list[EndpointDoc]:
    """Every document that parses; each one that does not is skipped with its problems logged."""
    docs, problems = parse_documents(*folders)
    for problem in problems:
        logger.error("skipped %s", problem)
    return docs


def folder_signature(folders: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    entries = []
    for folder in folders:
        for path in doc_files(folder) if folder.is_dir() else []:
            stat = path.stat()
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class _ReloadOnChange:
    """Re-reads the docs before a request when a file changed; a broken edit keeps the old routes."""

    def __init__(
        self, inner: ASGIApp, mock: FastAPI, folders: Sequence[Path], signature: tuple[Any, ...]
    ) -> None:
        self.inner = inner
        self.mock = mock
        self.folders = list(folders)
        self.signature = signature  # of the files the current routes were built from

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            signature = folder_signature(self.folders)
            if signature != self.signature:
                self.signature = signature
                try:
                    load_routes(self.mock, parse_folder(*self.folders))
                    logger.info("mock reloaded from %s", ", ".join(map(str, self.folders)))
                except DocsError as exc:
                    logger.error("docs changed but do not parse; keeping the previous routes:\n%s", exc)
        await self.inner(scope, receive, send)


def load_routes(mock: FastAPI, docs: Sequence[EndpointDoc]) -> None:
    """Replace the documented routes (the app's own /docs and /openapi.json stay)."""
    builtin = [r for r in mock.router.routes if getattr(r, "name", "") in _BUILTIN_ROUTES]
    legacy = bool(getattr(mock.state, "serve_legacy_paths", False))
    mock.router.routes[:] = [*builtin, *build_router(docs, serve_legacy_paths=legacy).routes]
    mock.openapi_schema = None
    mock.state.documents = list(docs)


_BUILTIN_ROUTES = {"openapi", "swagger_ui_html", "swagger_ui_redirect", "redoc_html"}


def create_mock_app(
    folders: Path | Sequence[Path], *, reload: bool = False, serve_legacy_paths: bool = False
) -> FastAPI:
    """A FastAPI app serving the documents of the folders.

    A document that does not parse, or whose route cannot be registered, is skipped with a
    logged reason: one bad stub never stops the rest. `serve_legacy_paths` also answers each
    document's `legacy_path`, so a front end still calling the old backend's paths works.
    Raises `DocsError` only for a missing folder.
    """
    paths = [folders] if isinstance(folders, Path) else list(folders)
    signature = folder_signature(paths)
    docs = load_documents(paths)
    mock = FastAPI(
        title="Mosaic mock API",
        description="Documented examples from " + ", ".join(str(p) for p in paths),
    )
    mock.state.serve_legacy_paths = serve_legacy_paths
    load_routes(mock, docs)
    install_error_handlers(mock)
    mock.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Mock-Example", "Location"],
    )
    if reload:
        mock.add_middleware(_ReloadOnChange, mock=mock, folders=paths, signature=signature)
    return mock
