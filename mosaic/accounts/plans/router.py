"""HTTP layer of plans (public catalogue, admin writes) and of my subscriptions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from mosaic.accounts.billing.router import Gateway
from mosaic.accounts.deps import CurrentUser, require_permission
from mosaic.accounts.plans import paid, service
from mosaic.accounts.plans.schemas import (
    GrantIn,
    PlanIn,
    PlanOut,
    PlanUpdate,
    SubscribeIn,
    SubscriptionUpdate,
    UserPlanOut,
)
from mosaic.core.access import public
from mosaic.core.cache import ALL, cache_key, cached_model, entity_tag, get_or_set, request_cache
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of

plans_router = APIRouter(prefix="/plans", tags=["plans"])
subscriptions_router = APIRouter(prefix="/users/me/plans", tags=["plans"])
# After subscriptions_router: `/users/me/plans` must not be read as a user id.
grants_router = APIRouter(prefix="/users/{user_id}/plans", tags=["plans"])


@plans_router.get("", response_model=Envelope[Page[PlanOut]], summary="List plans (public)")
@public
async def list_plans(
    session: SessionDep, page: Annotated[PageParams, service.PlanRepository.pagination], request: Request
) -> Envelope[Page[PlanOut]]:
    """Cached (public catalogue, same for every caller); any write to plans invalidates it."""

    async def load() -> Page[PlanOut]:
        plans, total = await service.PlanRepository(session).paginate(page)
        return page_of(PlanOut, plans, total, page)

    key = cache_key("plans", "list", {"limit": page.limit, "offset": page.offset, "sort": page.sort})
    data = await get_or_set(
        request_cache(request),
        key,
        load,
        tags=["plans"],
        dump=lambda value: value.model_dump(mode="json"),
        restore=Page[PlanOut].model_validate,
    )
    return ok(data, "Plans retrieved")


@plans_router.get(
    "/{plan_id}",
    response_model=Envelope[PlanOut],
    summary="Get a plan (public)",
    responses=error_responses(404),
)
@public
async def get_plan(plan_id: uuid.UUID, session: SessionDep, request: Request) -> Envelope[PlanOut]:
    async def load() -> PlanOut:
        return PlanOut.model_validate(await service.plan_or_404(session, plan_id))

    data = await get_or_set(
        request_cache(request),
        cache_key("plans", "get", {"id": str(plan_id)}),
        load,
        tags=["plans"],
        dump=lambda value: value.model_dump(mode="json"),
        restore=PlanOut.model_validate,
    )
    return ok(data, "Plan retrieved")


@plans_router.post(
    "",
    response_model=Envelope[PlanOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a plan (admin)",
    responses=error_responses(401, 403, 409),
    dependencies=[Depends(require_permission("plans", "write"))],
)
async def create_plan(body: PlanIn, session: SessionDep) -> Envelope[PlanOut]:
    return created(PlanOut.model_validate(await service.create_plan(session, body)), "Plan created")


@plans_router.put(
    "/{plan_id}",
    response_model=Envelope[PlanOut],
    summary="Update a plan (admin)",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[Depends(require_permission("plans", "write"))],
)
async def update_plan(plan_id: uuid.UUID, body: PlanUpdate, session: SessionDep) -> Envelope[PlanOut]:
    return ok(PlanOut.model_validate(await service.update_plan(session, plan_id, body)), "Plan updated")


@plans_router.delete(
    "/{plan_id}",
    response_model=Envelope[None],
    summary="Delete a plan (admin)",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[Depends(require_permission("plans", "delete"))],
)
async def delete_plan(plan_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.delete_plan(session, plan_id)
    return ok(None, "Plan deleted")


@subscriptions_router.get(
    "", response_model=Envelope[Page[UserPlanOut]], summary="My subscriptions", responses=error_responses(401)
)
async def my_plans(
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[PageParams, service.UserPlanRepository.pagination],
    request: Request,
    status_filter: Annotated[
        str | None,
        Query(
            alias="status",
            pattern="^(pending|active|expired|cancelled)$",
            description="Only subscriptions in this status.",
        ),
    ] = None,
) -> Envelope[Page[UserPlanOut]]:
    # Cached per user; dropped by a write to one of their subscriptions, by a bulk write to
    # subscriptions (the expiry job, wherever it runs) and by a change to a plan.

    async def load() -> Page[UserPlanOut]:
        items, total = await service.list_subscriptions(session, user.id, page, status_filter)
        return page_of(UserPlanOut, items, total, page)

    key = cache_key("plans", "mine", {"page": page, "status": status_filter}, user_id=user.id)
    tags = [entity_tag("users", user.id), entity_tag("user_plans", ALL), "plans"]
    data = await cached_model(
        request_cache(request), key, load, Page[UserPlanOut], tags=tags, session=session
    )
    return ok(data, "Subscriptions retrieved")


@subscriptions_router.post(
    "",
    response_model=Envelope[UserPlanOut],
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe to a plan (paid plans: pending until paid)",
    responses=error_responses(
        401,
        404,
        409,
        503,
        codes={
            409: [("ALREADY_SUBSCRIBED", "You are already subscribed to this plan")],
            503: [
                (
                    "PAYMENT_GATEWAY_UNAVAILABLE",
                    "The payment provider could not be reached; try again shortly",
                )
            ],
        },
    ),
)
async def subscribe(
    body: SubscribeIn, session: SessionDep, user: CurrentUser, gateway: Gateway, settings: SettingsDep
) -> Envelope[UserPlanOut]:
    plan = await service.PlanRepository(session).get_or_404(body.plan_id)
    if plan.price <= 0:
        subscription = await service.subscribe(session, user.id, plan.id)
        return created(UserPlanOut.model_validate(subscription), "Subscribed")
    subscription, charge = await paid.start_paid_subscription(session, gateway, settings, user, plan)
    out = UserPlanOut.model_validate(subscription).model_copy(update={"payment_url": charge.checkout_url})
    return created(out, "Subscription pending: pay at payment_url to activate it")


@subscriptions_router.put(
    "/{user_plan_id}",
    response_model=Envelope[UserPlanOut],
    summary="Change a subscription's status (cancel)",
    responses=error_responses(401, 404, 409),
)
async def update_subscription(
    user_plan_id: uuid.UUID, body: SubscriptionUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[UserPlanOut]:
    subscription = await service.cancel(session, user.id, user_plan_id)
    return ok(UserPlanOut.model_validate(subscription), f"Subscription {body.status}")


@subscriptions_router.delete(
    "/{user_plan_id}",
    response_model=Envelope[UserPlanOut],
    summary="Cancel a subscription",
    responses=error_responses(401, 404, 409),
)
async def cancel_subscription(
    user_plan_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[UserPlanOut]:
    return ok(
        UserPlanOut.model_validate(await service.cancel(session, user.id, user_plan_id)),
        "Subscription cancelled",
    )


@grants_router.post(
    "",
    response_model=Envelope[UserPlanOut],
    status_code=status.HTTP_201_CREATED,
    summary="Grant a plan without payment (admin)",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("plans", "write"))],
)
async def grant_plan(
    user_id: Annotated[uuid.UUID, Path(description="The user who gets the plan.")],
    body: GrantIn,
    session: SessionDep,
    admin: CurrentUser,
) -> Envelope[UserPlanOut]:
    subscription = await paid.grant(session, user_id, body.plan_id, admin.id, body.duration_days)
    return created(UserPlanOut.model_validate(subscription), "Plan granted")
