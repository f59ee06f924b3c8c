"""The mock server: every documented method + path answers its documented example.

Bodies are the documented JSON serialised again compactly, keys in document order: JSON-equal to
what the docs show (not byte for byte: the docs are indented). The choice among examples follows
Prism: `Prefer: code=404`, `Prefer: example=NAME` (both together, `,`- or `;`-separated, in one
header or two), `Prefer: dynamic=true` (generated from the schema), and the query forms
`?__code=404&__example=NAME&__dynamic=true`; the default is the lowest 2xx status and its first
example. A malformed preference is a 400 listing the choices (`mosaic.mock.prefer`).

Requests are validated as the real app validates them (`mosaic.mock.validation`) unless the
mock runs with `lenient=True`; CORS and the `X-Request-ID`/rate-limit headers are the app's.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Receive, Scope, Send

from mosaic.apidocs.examples import SchemaResolver
from mosaic.apidocs.model import JSON_MEDIA_TYPE, EndpointDoc, Example
from mosaic.apidocs.parser import DocsError, doc_files, parse_documents, parse_folder
from mosaic.core.envelope import error_body
from mosaic.core.errors import install_error_handlers
from mosaic.mock.dynamic import DynamicExamples
from mosaic.mock.headers import RATE_LIMIT_EXAMPLE_HEADERS, RequestIdMiddleware, mock_cors_options
from mosaic.mock.prefer import Choice, PreferError, parse_choice
from mosaic.mock.validation import Refusal, SchemaSource, check_request, operation_of

logger = logging.getLogger("mosaic.mock")

PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::path)?\}")


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


def _json_response(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, headers=headers, media_type=JSON_MEDIA_TYPE)


def _documented(doc: EndpointDoc) -> str:
    return "; ".join(f"code={code}: {', '.join(names)}" for code, names in choices_of(doc).items())


def dynamic_body(doc: EndpointDoc, example: Example, openapi: dict[str, Any] | None) -> Any:
    """A body generated from the response schema; the documented example when there is none."""
    operation = operation_of(openapi, doc)
    media = (operation or {}).get("responses", {}).get(str(example.status), {}).get("content", {})
    schema = media.get(JSON_MEDIA_TYPE, {}).get("schema")
    if openapi is None or not schema or example.media_type != JSON_MEDIA_TYPE:
        return example.body
    body = DynamicExamples(SchemaResolver(openapi)).example(schema)
    if isinstance(body, dict) and isinstance(example.body, dict):
        # The envelope's own fields stay the documented ones: status, message, error code.
        for key in ("status_code", "message", "error"):
            if key in example.body and key in body:
                body[key] = example.body[key]
    return body


async def _refusal(doc: EndpointDoc, request: Request) -> Response | None:
    invalid = _invalid_path_params(doc, dict(request.path_params))
    if invalid:
        return _json_response(error_body(422, "VALIDATION_ERROR", "Validation failed", invalid), 422)
    if getattr(request.app.state, "lenient", False):
        return None
    source: SchemaSource | None = getattr(request.app.state, "schema_source", None)
    try:
        await check_request(doc, request, source.get() if source else None)
    except Refusal as refusal:
        return _json_response(refusal.body(), refusal.status, refusal.headers)
    return None


def handler_for(doc: EndpointDoc) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        try:
            choice = parse_choice(request.headers.getlist("prefer"), request.query_params)
        except PreferError as exc:
            message = f"Invalid Prefer: {exc}. Documented for {doc.method} {doc.path}: {_documented(doc)}"
            body = error_body(400, "MOCK_INVALID_PREFER", message, {"choices": choices_of(doc)})
            return _json_response(body, 400)
        refused = await _refusal(doc, request)
        if refused is not None:
            return refused
        example = select_example(doc, choice)
        if example is None:
            asked = ", ".join(
                f"{k}={v}" for k, v in (("code", choice.code), ("example", choice.example)) if v is not None
            )
            where = f"{doc.method} {doc.path}"
            message = f"No documented response for {asked} on {where}; documented: {_documented(doc)}"
            body = error_body(404, "MOCK_EXAMPLE_NOT_FOUND", message, {"choices": choices_of(doc)})
            return _json_response(body, 404)
        headers = {"X-Mock-Example": f"{example.status} {example.name}"}
        if example.status == 429:
            headers.update(RATE_LIMIT_EXAMPLE_HEADERS)
        if choice.dynamic:
            source: SchemaSource | None = getattr(request.app.state, "schema_source", None)
            generated = dynamic_body(doc, example, source.get() if source else None)
            headers["X-Mock-Example"] = f"{example.status} dynamic"
            return _json_response(generated, example.status, headers)
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


# FastAPI's own pages (fastapi-offline's names: assets served from the package, no CDN).
_BUILTIN_ROUTES = {
    "openapi",
    "swagger_ui_html",
    "custom_swagger_ui_html",
    "swagger_ui_redirect",
    "redoc_html",
    "static-offline-docs",
}


def create_mock_app(
    folders: Path | Sequence[Path],
    *,
    reload: bool = False,
    lenient: bool = False,
    cors_origins: Sequence[str] | None = None,
    serve_legacy_paths: bool = False,
) -> FastAPI:
    """A FastAPI app serving the documents of the folders.

    A document that does not parse, or whose route cannot be registered, is skipped with a
    logged reason: one bad stub never stops the rest. `serve_legacy_paths` also answers each
    document's `legacy_path`, so a front end still calling the old backend's paths works.
    `lenient` answers every request with its example, unvalidated; `cors_origins` defaults to the
    app's CORS_ORIGINS. Raises `DocsError` only for a missing folder.
    """
    paths = [folders] if isinstance(folders, Path) else list(folders)
    signature = folder_signature(paths)
    docs = load_documents(paths)
    mock = FastAPIOffline(
        title="Mosaic mock API",
        description="Documented examples from " + ", ".join(str(p) for p in paths),
    )
    mock.state.serve_legacy_paths = serve_legacy_paths
    load_routes(mock, docs)
    mock.state.lenient = lenient
    mock.state.schema_source = SchemaSource(paths)
    install_error_handlers(mock)
    mock.add_middleware(RequestIdMiddleware)
    mock.add_middleware(CORSMiddleware, **mock_cors_options(cors_origins))
    if reload:
        mock.add_middleware(_ReloadOnChange, mock=mock, folders=paths, signature=signature)
    return mock
