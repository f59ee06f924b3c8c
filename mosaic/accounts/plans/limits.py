"""Plan limits that any domain can enforce: `Depends(require_within_limit("flows"))`.

Accounts cannot know how to count another domain's resources, so each domain registers a
counter for the resource names it owns (the names used in plans' `limits[].resource`). A
resource with no counter, or a plan with no limit for it, is unlimited.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.deps import CurrentPrincipal, Principal
from mosaic.core.deps import SessionDep
from mosaic.core.errors import AppError

LimitCounter = Callable[[AsyncSession, uuid.UUID], Awaitable[int]]
_counters: dict[str, LimitCounter] = {}


class PlanLimitReached(AppError):
    status_code = 402
    code = "PLAN_LIMIT_REACHED"
    default_message = "Your plan's limit for this resource is reached"


def register_limit_counter(resource: str, counter: LimitCounter) -> None:
    """Called at import time by the domain that owns `resource`."""
    _counters[resource] = counter


async def check_within_limit(
    session: AsyncSession, user_id: uuid.UUID, resource: str, adding: int = 1
) -> None:
    from mosaic.accounts.plans.service import active_limit

    limit = await active_limit(session, user_id, resource)
    counter = _counters.get(resource)
    if limit is None or counter is None:
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

    async def __call__(self, session: SessionDep, principal: CurrentPrincipal) -> Principal:
        if not principal.is_superadmin:
            await check_within_limit(session, principal.user.id, self.resource)
        return principal
