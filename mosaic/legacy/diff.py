"""`mosaic legacy diff`: which legacy routes the FastAPI app serves, which it does not, which are new.

Paths are compared by shape: parameter names differ between frameworks (`:id`, `{user}`,
`{user_id}`), so every `{...}` counts as one parameter slot. A prefix map rewrites legacy prefixes
first (`/api` -> `/api/v1`). Missing routes can be written as doc stubs in the docs template so
`mosaic mock serve` answers them until the app does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mosaic.apidocs.examples import ExampleGenerator, SchemaResolver, envelope_example
from mosaic.apidocs.model import EndpointDoc, Example, Parameter, ResponseDoc
from mosaic.apidocs.openapi import auth_kind, slug
from mosaic.apidocs.render import render
from mosaic.legacy.model import ANY_METHOD, Inventory, LegacyRoute

RouteKey = tuple[str, str]
AUTH_MIDDLEWARE = re.compile(r"auth|jwt|sanctum|passport|guard|token|bearer|session", re.IGNORECASE)
# Middleware and guards that are authentication by name in each framework's ecosystem; any other
# name matching AUTH_MIDDLEWARE (requireRole, checkToken, ...) makes authentication only a guess.
KNOWN_AUTH = re.compile(
    r"^(auth(:\w+)?|auth\.(basic|session)|authenticate|authenticated|authguard|jwtauthguard|jwtguard|"
    r"passport\.authenticate|requireauth|isauthenticated|ensureauthenticated|verifytoken|verifyjwt|"
    r"authmiddleware|authenticatetoken|protect|sanctum|jwt)$",
    re.IGNORECASE,
)


def legacy_auth(route: LegacyRoute) -> tuple[str, str | None]:
    """("required" | "guess" | "none", the middleware that says so)."""
    known = next((m for m in route.middleware if KNOWN_AUTH.match(m)), None)
    if known is not None:
        return "required", known
    guessed = next((m for m in route.middleware if AUTH_MIDDLEWARE.search(m)), None)
    return ("guess", guessed) if guessed is not None else ("none", None)


def shape(path: str) -> str:
    return re.sub(r"\{[^{}]*\}", "{}", path).rstrip("/") or "/"


def map_prefix(path: str, prefixes: list[tuple[str, str]]) -> str:
    """The longest matching legacy prefix replaced by its new prefix."""
    for old, new in sorted(prefixes, key=lambda p: len(p[0].rstrip("/")), reverse=True):
        old = old.rstrip("/")
        if path == old or path.startswith(old + "/"):
            return (new.rstrip("/") + path[len(old) :]) or "/"
    return path


@dataclass(frozen=True)
class Row:
    route: LegacyRoute
    legacy_path: str  # the concrete legacy variant, in `{param}` form
    new_path: str  # after the prefix map
    served_by: RouteKey | None
    differences: tuple[str, ...] = ()  # for a served row: method, parameters, auth


@dataclass
class Parity:
    served: list[Row] = field(default_factory=list)
    missing: list[Row] = field(default_factory=list)
    new: list[RouteKey] = field(default_factory=list)


def app_auth_requirements(openapi: dict[str, Any]) -> dict[RouteKey, bool]:
    """(method, path) -> whether the app's operation requires authentication (its OpenAPI security)."""
    return {
        (method.upper(), path): auth_kind(operation, openapi) != "none"
        for path, item in openapi.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }


def differences(route: LegacyRoute, legacy_path: str, served: RouteKey, app_auth: bool | None) -> list[str]:
    """How a served legacy route and the app route serving it differ: method, parameters, auth."""
    found = []
    method, path = served
    if route.method != method:
        legacy_method = "any method" if route.method == ANY_METHOD else route.method
        found.append(f"method: legacy answers {legacy_method}, the app {method} only")
    old = re.findall(r"\{(\w+)", legacy_path)
    new = re.findall(r"\{(\w+)", path)
    renamed = [f"{a} -> {b}" for a, b in zip(old, new, strict=False) if a != b]
    if renamed:
        found.append("path parameters: " + ", ".join(renamed))
    optional = [p.name for p in route.params if p.optional and p.name in old]
    if optional:
        found.append("path parameters: optional in legacy: " + ", ".join(optional))
    if app_auth is not None:
        kind, middleware = legacy_auth(route)
        if kind == "none" and app_auth:
            found.append("auth: the app requires it, the legacy route did not")
        elif kind != "none" and not app_auth:
            certainty = "" if kind == "required" else " (a guess from the name)"
            found.append(f"auth: legacy requires it ({middleware}{certainty}), the app does not")
    return found


def compare(
    inventory: Inventory,
    app_routes: set[RouteKey],
    prefixes: list[tuple[str, str]],
    app_auth: dict[RouteKey, bool] | None = None,
) -> Parity:
    """Match each legacy route (each variant) to an app route by method and path shape.

    `app_auth` (route -> requires authentication) adds the auth comparison to the differences.
    """
    by_shape: dict[str, list[RouteKey]] = {}
    for method, path in sorted(app_routes):
        by_shape.setdefault(shape(path), []).append((method, path))
    parity = Parity()
    used: set[RouteKey] = set()
    for route in inventory.routes:
        for variant in route.variants or [route.path]:
            new_path = map_prefix(variant, prefixes)
            candidates = by_shape.get(shape(new_path), [])
            match = next((c for c in candidates if route.method in (ANY_METHOD, c[0])), None)
            if match is None and route.method == "HEAD":
                match = next((c for c in candidates if c[0] == "GET"), None)
            found = differences(route, variant, match, (app_auth or {}).get(match)) if match else []
            row = Row(route, variant, new_path, match, tuple(found))
            (parity.served if match else parity.missing).append(row)
            if match is not None:
                used.update(c for c in candidates if route.method == ANY_METHOD or c == match)
    parity.new = sorted(app_routes - used, key=lambda k: (k[1], k[0]))
    return parity


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def report(inventory: Inventory, parity: Parity, prefixes: list[tuple[str, str]]) -> str:
    total = len(parity.served) + len(parity.missing)
    share = f"{100 * len(parity.served) // total}%" if total else "n/a"
    lines = [
        f"# Legacy parity: {inventory.framework}",
        "",
        f"Inventory of `{inventory.root}`; prefix map: "
        + (", ".join(f"`{a}` -> `{b}`" for a, b in prefixes) or "none")
        + ".",
        "",
        f"- served by the FastAPI app: {len(parity.served)} of {total} ({share})",
        f"- missing: {len(parity.missing)}",
        f"- new in FastAPI (no legacy route): {len(parity.new)}",
        f"- scanner warnings: {len(inventory.warnings)}",
        "",
        "## Missing",
        "",
        "| method | legacy path | expected path | handler | middleware | source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in parity.missing:
        r = row.route
        lines.append(
            f"| {r.method} | `{row.legacy_path}` | `{row.new_path}` | {_cell(r.handler)} "
            f"| {_cell(', '.join(r.middleware))} | {r.source} |"
        )
    lines += [
        "",
        "## Served",
        "",
        "| method | legacy path | FastAPI route | source |",
        "| --- | --- | --- | --- |",
    ]
    for row in parity.served:
        assert row.served_by is not None
        method, path = row.served_by
        lines.append(f"| {row.route.method} | `{row.legacy_path}` | {method} `{path}` | {row.route.source} |")
    different = [row for row in parity.served if row.differences]
    lines += [
        "",
        "## Differences in served routes",
        "",
        f"{len(different)} of {len(parity.served)} served routes differ in method, path parameters or auth.",
        "",
        "| method | legacy path | FastAPI route | difference |",
        "| --- | --- | --- | --- |",
    ]
    for row in different:
        assert row.served_by is not None
        method, path = row.served_by
        for difference in row.differences:
            lines.append(
                f"| {row.route.method} | `{row.legacy_path}` | {method} `{path}` | {_cell(difference)} |"
            )
    lines += ["", "## New in FastAPI", "", "| method | path |", "| --- | --- |"]
    lines += [f"| {method} | `{path}` |" for method, path in parity.new]
    if inventory.warnings:
        lines += ["", "## Scanner warnings", ""]
        lines += [f"- {w.file}:{w.line}: {w.message}" for w in inventory.warnings]
    return "\n".join(lines) + "\n"


SAMPLES: dict[str, Any] = {
    "string": "string",
    "string(email)": "user@example.com",
    "string(uuid)": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "string(date-time)": "2026-01-01T00:00:00Z",
    "integer": 0,
    "number": 0.0,
    "boolean": True,
    "array": [],
    "object": {},
}


def stub(row: Row, framework: str) -> EndpointDoc:
    """A document in the template for a route the app does not serve yet (status `mocked`).

    It keeps what the legacy code shows: its success status (a login answering 200 stays 200),
    a 401 where authentication is detected (and says when that is only a guess from a
    middleware name), and the request body fields a DTO or validator declares.
    """
    route = row.route
    method = "GET" if route.method == ANY_METHOD else route.method
    rest = re.sub(r"^/api(/v\d+)?", "", row.new_path)
    segments = [s for s in rest.split("/") if s]
    domain = slug(next((s for s in segments if not s.startswith("{")), "root"))
    words = [f"by_{s.strip('{}').split(':')[0]}" if s.startswith("{") else s for s in segments]
    operation = slug("_".join([method.lower(), *words]))
    generator = ExampleGenerator(SchemaResolver({}))
    envelope = {"type": "object", "properties": {k: {} for k in ("status_code", "message", "data", "error")}}
    success = route.status if route.status is not None and 200 <= route.status < 300 else 200
    names = re.findall(r"\{(\w+)(?::path)?\}", row.new_path)
    auth, middleware = legacy_auth(route)
    notes = {
        "required": f"Authentication: required (legacy `{middleware}`).",
        "guess": f"Authentication: a guess from the legacy middleware name `{middleware}`; confirm it.",
        "none": "Authentication: none detected in the legacy route.",
    }
    responses = [
        ResponseDoc(
            success, "Success", [Example(success, "default", envelope_example(generator, envelope, success))]
        )
    ]
    if auth != "none":
        responses.append(
            ResponseDoc(
                401,
                "Missing or invalid credentials"
                + (" (auth guessed from the middleware name)" if auth == "guess" else ""),
                [Example(401, "default", envelope_example(generator, envelope, 401))],
            )
        )
    responses.append(
        ResponseDoc(404, "Not found", [Example(404, "default", envelope_example(generator, envelope, 404))])
    )
    body = [Parameter(f.name, "body", f.type, f.required, f"from `{route.body_source}`") for f in route.body]
    request_example = (
        Example(0, "default", {f.name: SAMPLES.get(f.type, "string") for f in route.body})
        if route.body
        else None
    )
    return EndpointDoc(
        method=method,
        path=row.new_path,
        domain=domain,
        operation=operation,
        title=f"{route.handler} (legacy {route.method} {route.original_path})",
        description=(
            f"Imported from the {framework} backend ({route.source}); not served by the FastAPI app yet. "
            "Replace the examples with the real shapes; the generated document replaces this stub "
            f"once the app serves this method and path.\n\n{notes[auth]}"
        ),
        auth="bearer" if auth != "none" else "none",
        tags=[domain],
        status="mocked",
        legacy_source=f"{framework}:{route.source}",
        legacy_path=route.original_path,
        parameters=[Parameter(name, "path", "string", True, "") for name in names] + body,
        request_media_type="application/json" if route.body else None,
        request_example=request_example,
        responses=responses,
    )


def write_stubs(parity: Parity, framework: str, folder: Path) -> list[Path]:
    written: list[Path] = []
    seen: set[tuple[str, str]] = set()
    taken: set[str] = set()
    for row in parity.missing:
        doc = stub(row, framework)
        if doc.key in seen:
            continue
        seen.add(doc.key)
        base, counter = doc.operation, 2
        while doc.relative_path in taken:
            doc.operation, counter = f"{base}_{counter}", counter + 1
        taken.add(doc.relative_path)
        target = folder / doc.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(doc), encoding="utf-8")
        written.append(target)
    return written
