"""HTTP layer of messages: a customer's threads with studios, and the threads of the caller's companies."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status

from mosaic.accounts.deps import CurrentPrincipal, load_current_user
from mosaic.booking.messages import service
from mosaic.booking.messages.schemas import (
    MessageIn,
    MessageOut,
    ThreadDetail,
    ThreadIn,
    ThreadOut,
    UnreadOut,
)
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.jobs import get_jobs
from mosaic.core.pagination import Page, PageParams
from mosaic.core.ratelimit import limit_action

router = APIRouter(prefix="/messages", tags=["messages"])

OWN_STUDIO = {403: [("OWN_STUDIO", "The studio's own team answers threads; it does not open them")]}


def thread_out(view: service.ThreadView) -> ThreadOut:
    thread = view.thread
    return ThreadOut(
        id=thread.id,
        studio_id=thread.studio_id,
        studio_name=view.studio_name,
        customer_id=thread.customer_id,
        booking_id=thread.booking_id,
        my_side=view.side,
        unread_count=view.unread,
        last_message=view.last_message,
        last_message_at=thread.last_message_at,
        created_at=thread.created_at,
    )


async def _rate_limit(request: Request, settings: SettingsDep, user_id: uuid.UUID) -> None:
    await limit_action(request, "messages", str(user_id), f"{settings.BOOKING_MESSAGES_PER_MINUTE}/minute")


@router.post(
    "/threads",
    response_model=Envelope[ThreadOut],
    status_code=status.HTTP_201_CREATED,
    summary="Write to a studio (opens a thread, or adds to the open one)",
    responses=error_responses(401, 404, codes=OWN_STUDIO),
)
async def open_thread(
    body: ThreadIn, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, request: Request
) -> Envelope[ThreadOut]:
    await _rate_limit(request, settings, principal.user.id)
    user = await load_current_user(session, principal)
    view = await service.open_thread(
        session, get_jobs(request), user, body.studio_id, body.body, body.booking_id
    )
    return created(thread_out(view), "Message sent")


@router.get(
    "/threads",
    response_model=Envelope[Page[ThreadOut]],
    summary="My threads: as a customer and as a member of studio teams",
    responses=error_responses(401),
)
async def list_threads(
    session: SessionDep,
    page: Annotated[PageParams, service.ThreadRepository.pagination],
    principal: CurrentPrincipal,
    side: Annotated[
        Literal["customer", "team"] | None,
        Query(description="Only the threads I opened (`customer`) or those of my companies (`team`)."),
    ] = None,
    studio_id: Annotated[uuid.UUID | None, Query(description="Only threads about this studio.")] = None,
) -> Envelope[Page[ThreadOut]]:
    views, total = await service.list_threads(session, principal.user.id, page, side, studio_id)
    return ok(Page[ThreadOut].build([thread_out(v) for v in views], total, page), "Threads retrieved")


@router.get(
    "/unread",
    response_model=Envelope[UnreadOut],
    summary="My unread message count over all threads",
    responses=error_responses(401),
)
async def unread_messages(session: SessionDep, principal: CurrentPrincipal) -> Envelope[UnreadOut]:
    total, threads = await service.unread_totals(session, principal.user.id)
    return ok(UnreadOut(total=total, threads=threads), "Unread count retrieved")


@router.get(
    "/threads/{thread_id}",
    response_model=Envelope[ThreadDetail],
    summary="A thread and its messages (oldest first, paginated)",
    responses=error_responses(401, 404),
)
async def get_thread(
    thread_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, service.MessageRepository.pagination],
    principal: CurrentPrincipal,
) -> Envelope[ThreadDetail]:
    view, messages, total = await service.get_thread(session, principal.user.id, thread_id, page)
    items = Page[MessageOut].build([MessageOut.model_validate(m) for m in messages], total, page)
    return ok(ThreadDetail(thread=thread_out(view), messages=items), "Thread retrieved")


@router.post(
    "/threads/{thread_id}/messages",
    response_model=Envelope[MessageOut],
    status_code=status.HTTP_201_CREATED,
    summary="Answer in a thread",
    responses=error_responses(401, 404),
)
async def post_message(
    thread_id: uuid.UUID,
    body: MessageIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    request: Request,
) -> Envelope[MessageOut]:
    await _rate_limit(request, settings, principal.user.id)
    user = await load_current_user(session, principal)
    message = await service.post_message(session, get_jobs(request), user, thread_id, body.body)
    return created(MessageOut.model_validate(message), "Message sent")


@router.post(
    "/threads/{thread_id}/read",
    response_model=Envelope[ThreadOut],
    summary="Mark a thread read (for my side)",
    responses=error_responses(401, 404),
)
async def mark_thread_read(
    thread_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[ThreadOut]:
    return ok(
        thread_out(await service.mark_read(session, principal.user.id, thread_id)), "Thread marked read"
    )
