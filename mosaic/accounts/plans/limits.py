"""Plan limits that any domain can enforce: `Depends(require_within_limit("flows"))`.

Accounts cannot know how to count another domain's resources, so each domain declares a counter
for the resource names it owns (the names used in plans' `limits[].resource`) in its
`Domain(limit_counters=...)`; `create_app` collects them into `app.state.limit_counters`, and
refuses to start when a route asks for a limit no enabled domain counts. A plan with no limit
for a resource leaves it unlimited.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.deps import CurrentPrincipal, Principal
from mosaic.core.access import dependency_calls
from mosaic.core.deps import SessionDep
from mosaic.core.domain import LimitCounter
from mosaic.core.errors import AppError


class PlanLimitReached(AppError):
    status_code = 402
    code = "PLAN_LIMIT_REACHED"
    default_message = "Your plan's limit for this resource is reached"


async def check_within_limit(
    session: AsyncSession,
    user_id: uuid.UUID,
    resource: str,
    counter: LimitCounter,
    adding: int = 1,
) -> None:
    """402 when `user_id` holding `counter(...)` of `resource` plus `adding` exceeds their plan."""
    from mosaic.accounts.plans.service import active_limit

    limit = await active_limit(session, user_id, resource)
    if limit is None:
        return
    used = await counter(session, user_id)
    if used + adding > limit:
        raise PlanLimitReached(
            f"Your plan allows {limit} {resource}; you have {used}",
            details={"resource": resource, "limit": limit, "used": used},
        )


class require_within_limit:  # noqa: N801 - used like a function in Depends(...)
    """Dependency: 402 PLAN_LIMIT_REACHED when creating one more `resource` would exceed the plan."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        # Read by the published schema (mosaic.apidocs.schema): every route using this gets a 402.
        self.documented_errors = (
            (
                402,
                PlanLimitReached.code,
                f"Your plan allows 5 {resource}; you have 5",
                {"resource": resource, "limit": 5, "used": 5},
            ),
        )

    async def __call__(self, request: Request, session: SessionDep, principal: CurrentPrincipal) -> Principal:
        if not principal.is_superadmin:
            counters: dict[str, LimitCounter] = request.app.state.limit_counters
            await check_within_limit(session, principal.user.id, self.resource, counters[self.resource])
        return principal


def check_limit_counters(app: FastAPI) -> None:
    """Start-up check: every `require_within_limit(resource)` of a route has a declared counter."""
    from fastapi.routing import APIRoute, iter_route_contexts

    counters: dict[str, LimitCounter] = app.state.limit_counters
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        for call in dependency_calls(context.dependant):
            if isinstance(call, require_within_limit) and call.resource not in counters:
                raise ValueError(
                    f"route {context.path} enforces the plan limit {call.resource!r}, "
                    "but no enabled domain declares its counter in Domain(limit_counters=...)"
                )
