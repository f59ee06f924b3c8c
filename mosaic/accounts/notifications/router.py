"""My notifications (seed 003 Step 10): list, unread count, mark viewed, mark all viewed, delete."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from mosaic.accounts.deps import CurrentUser
from mosaic.accounts.notifications import service
from mosaic.accounts.notifications.schemas import MarkedCount, NotificationOut, UnreadCount
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.core.params import QueryFlag

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get(
    "",
    response_model=Envelope[Page[NotificationOut]],
    summary="My notifications",
    responses=error_responses(401),
)
async def list_notifications(
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[PageParams, service.NotificationRepository.pagination],
    unread: Annotated[
        QueryFlag | None, Query(description="Only unread (`true`) or only viewed (`false`) notifications.")
    ] = None,
) -> Envelope[Page[NotificationOut]]:
    items, total = await service.list_mine(session, user.id, page, unread)
    return ok(
        page_of(NotificationOut, items, total, page),
        "Notifications retrieved",
    )


@router.get(
    "/unread-count",
    response_model=Envelope[UnreadCount],
    summary="How many are unread",
    responses=error_responses(401),
)
async def unread_count(session: SessionDep, user: CurrentUser) -> Envelope[UnreadCount]:
    return ok(UnreadCount(unread=await service.unread_count(session, user.id)), "Unread count")


@router.put(
    "/view-all",
    response_model=Envelope[MarkedCount],
    summary="Mark all as viewed",
    responses=error_responses(401),
)
async def view_all(session: SessionDep, user: CurrentUser) -> Envelope[MarkedCount]:
    return ok(
        MarkedCount(updated=await service.mark_all_viewed(session, user.id)), "Notifications marked viewed"
    )


@router.put(
    "/{notification_id}/view",
    response_model=Envelope[NotificationOut],
    summary="Mark as viewed",
    responses=error_responses(401, 404),
)
async def view(
    notification_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[NotificationOut]:
    notification = await service.mark_viewed(session, user.id, notification_id)
    return ok(NotificationOut.model_validate(notification), "Notification marked viewed")


@router.delete(
    "/{notification_id}",
    response_model=Envelope[None],
    summary="Delete a notification",
    responses=error_responses(401, 404),
)
async def delete(notification_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[None]:
    await service.delete(session, user.id, notification_id)
    return ok(None, "Notification deleted")
