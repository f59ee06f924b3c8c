"""Who may call a route, read from the route itself: the generic route audit.

Every route is exactly one of:

- **public**: its endpoint is marked `@public` (login, registration, the plan catalogue, health);
- **owner-scoped**: it depends on the authenticated caller (a dependency marked `OWNER`, such as
  `accounts.deps.get_principal` behind `CurrentUser`) and acts on the caller's own data or on
  what every signed-in user may read;
- **permission-guarded**: it depends on a dependency marked `PERMISSION`
  (`accounts.deps.require_permission(resource, action)`).

Markers are attributes (`__mosaic_access__`) on endpoints and dependency callables, so core
knows no domain and a new guard only needs the attribute. `unguarded_routes(app)` lists every
route that is none of the three; the test suite asserts it is empty for the real app, so a new
route without a guard or a declaration fails the build instead of shipping open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

Access = Literal["public", "owner", "permission"]
PUBLIC: Access = "public"
OWNER: Access = "owner"
PERMISSION: Access = "permission"
ACCESS_ATTRIBUTE = "__mosaic_access__"
# FastAPI's own documentation routes.
_DOCS_PREFIXES = ("/docs", "/openapi", "/redoc")

F = TypeVar("F", bound=Callable[..., Any])


def public(endpoint: F) -> F:
    """Mark an endpoint as open to anonymous callers (put it under the `@router.<method>` line)."""
    setattr(endpoint, ACCESS_ATTRIBUTE, PUBLIC)
    return endpoint


def mark(callable_: F, access: Access) -> F:
    """Mark a dependency as authenticating the caller (`OWNER`) or checking a permission."""
    setattr(callable_, ACCESS_ATTRIBUTE, access)
    return callable_


def endpoint_access(call: Any) -> Access | None:
    value = getattr(call, ACCESS_ATTRIBUTE, None)
    return value if value in (PUBLIC, OWNER, PERMISSION) else None


@dataclass(frozen=True, slots=True)
class RouteAccess:
    method: str
    path: str
    access: Access | None
    # The permissions a guarded route requires (read from the guards' `permission` attribute).
    permissions: tuple[str, ...] = ()


def dependency_calls(dependant: Any) -> Iterator[Any]:
    stack = list(dependant.dependencies)
    while stack:
        current = stack.pop()
        yield current.call
        stack.extend(current.dependencies)


def classify(endpoint: Any, dependant: Any) -> tuple[Access | None, tuple[str, ...]]:
    """The strongest access marker of a route: permission > owner > public > none."""
    found: set[Access] = set()
    permissions: list[str] = []
    for call in dependency_calls(dependant):
        access = endpoint_access(call)
        if access is not None:
            found.add(access)
        if access == PERMISSION and isinstance(getattr(call, "permission", None), str):
            permissions.append(call.permission)
    if endpoint_access(endpoint) == PUBLIC:
        found.add(PUBLIC)
    for level in (PERMISSION, OWNER, PUBLIC):
        if level in found:
            return level, tuple(sorted(set(permissions)))
    return None, ()


def route_accesses(app: FastAPI) -> list[RouteAccess]:
    """Every API route of `app` (included routers expanded, with their full paths) and its access."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or str(context.path).startswith(_DOCS_PREFIXES):
            continue
        access, permissions = classify(route.endpoint, context.dependant)
        for method in sorted(context.methods or ()):
            found.append(RouteAccess(method, str(context.path), access, permissions))
    return found


def unguarded_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Routes that are neither public, owner-scoped nor permission-guarded: each one is a bug."""
    return [(item.method, item.path) for item in route_accesses(app) if item.access is None]
