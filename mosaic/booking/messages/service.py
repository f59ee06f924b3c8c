"""Threads between a customer and a studio's team: who sees a thread, unread counts, notifications.

A thread belongs to one customer and one studio (so to its company's team); any team member may
read and answer, and one read mark serves the whole team. The other side is notified of every
new message (in-app, and by email when their settings allow) through accounts' `notify`, whose
email goes out by the `email.send` job after the commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.notifications.service import notify
from mosaic.accounts.users.models import User
from mosaic.booking.companies.models import CompanyMember
from mosaic.booking.messages.models import Message, MessageThread
from mosaic.booking.studios.models import Studio
from mosaic.booking.studios.service import publicly_visible
from mosaic.core.database import utcnow
from mosaic.core.errors import Forbidden, NotFound
from mosaic.core.jobs import JobQueue
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

logger = logging.getLogger("mosaic.booking.messages")


@dataclass(frozen=True, slots=True)
class ThreadView:
    thread: MessageThread
    studio_name: str
    side: str  # "customer" | "team"
    unread: int
    last_message: str


def _my_companies(user_id: uuid.UUID) -> ColumnElement[bool]:
    return MessageThread.company_id.in_(
        select(CompanyMember.company_id).where(CompanyMember.user_id == user_id)
    )


def _unread_expression(user_id: uuid.UUID) -> ColumnElement[int]:
    """Per thread: messages from the other side after the caller's side last read."""
    as_customer = MessageThread.customer_id == user_id
    read_at = case((as_customer, MessageThread.customer_read_at), else_=MessageThread.team_read_at)
    from_other_side = Message.from_team == as_customer
    later = or_(read_at.is_(None), Message.created_at > read_at)
    return (
        select(func.count())
        .where(Message.thread_id == MessageThread.id, from_other_side, later)
        .correlate(MessageThread)
        .scalar_subquery()
    )


def _last_message() -> ColumnElement[str]:
    return (
        select(Message.body)
        .where(Message.thread_id == MessageThread.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .correlate(MessageThread)
        .scalar_subquery()
    )


class ThreadRepository(Repository[MessageThread]):
    """Threads list the latest conversation first unless the caller sorts otherwise."""

    model = MessageThread
    label = "Thread"
    sortable = frozenset({"last_message_at", "created_at"})
    default_sort = "-last_message_at"


class MessageRepository(Repository[Message]):
    """A thread reads oldest message first, like a conversation."""

    model = Message
    label = "Message"
    sortable = frozenset({"created_at"})
    default_sort = "created_at"


def _visible_to(user_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(MessageThread.customer_id == user_id, _my_companies(user_id))


async def _views(
    session: AsyncSession, user_id: uuid.UUID, where: list[ColumnElement[bool]], params: PageParams | None
) -> tuple[list[ThreadView], int]:
    statement = (
        select(MessageThread, Studio.name, _unread_expression(user_id), _last_message(), func.count().over())
        .join(Studio, Studio.id == MessageThread.studio_id)
        .where(*where)
        .order_by(*ThreadRepository(session).order_by(params.sort if params else None))
    )
    if params is not None:
        statement = statement.limit(params.limit).offset(params.offset)
    rows = (await session.execute(statement)).all()
    views = [
        ThreadView(
            thread, name, "customer" if thread.customer_id == user_id else "team", int(unread), last or ""
        )
        for thread, name, unread, last, _ in rows
    ]
    return views, int(rows[0][4]) if rows else 0


async def _thread_for(session: AsyncSession, user_id: uuid.UUID, thread_id: uuid.UUID) -> ThreadView:
    views, _ = await _views(session, user_id, [MessageThread.id == thread_id, _visible_to(user_id)], None)
    if not views:
        raise NotFound("Thread not found")
    return views[0]


async def _notify_other_side(
    session: AsyncSession,
    jobs: JobQueue,
    thread: MessageThread,
    studio_name: str,
    sender: User,
    from_team: bool,
    body: str,
) -> None:
    if from_team:
        recipients = [await session.get(User, thread.customer_id)]
        title = f"New message from {studio_name}"
    else:
        statement = (
            select(User)
            .join(CompanyMember, CompanyMember.user_id == User.id)
            .where(
                CompanyMember.company_id == thread.company_id,
                User.id != sender.id,
                User.is_deleted.is_(False),
            )
        )
        recipients = list((await session.execute(statement)).scalars())
        title = f"New message about {studio_name}"
    preview = body if len(body) <= 200 else body[:197] + "..."
    for user in recipients:
        if user is not None and user.id != sender.id:
            await notify(session, user, title, preview, category="message", email=True, jobs=jobs)


async def open_thread(
    session: AsyncSession,
    jobs: JobQueue,
    user: User,
    studio_id: uuid.UUID,
    body: str,
    booking_id: uuid.UUID | None,
) -> ThreadView:
    """A customer writes to a public studio; the same studio and booking reuse the thread."""
    studio = (
        await session.execute(select(Studio).where(Studio.id == studio_id, *publicly_visible()))
    ).scalar_one_or_none()
    if studio is None:
        raise NotFound("Studio not found")
    member = await session.execute(
        select(CompanyMember.id).where(
            CompanyMember.company_id == studio.company_id, CompanyMember.user_id == user.id
        )
    )
    if member.first() is not None:
        raise Forbidden("The studio's own team answers threads; it does not open them", code="OWN_STUDIO")
    same_booking = (
        MessageThread.booking_id.is_(None) if booking_id is None else MessageThread.booking_id == booking_id
    )
    thread = (
        await session.execute(
            select(MessageThread).where(
                MessageThread.customer_id == user.id, MessageThread.studio_id == studio.id, same_booking
            )
        )
    ).scalar_one_or_none()
    if thread is None:
        thread = MessageThread(
            studio_id=studio.id, company_id=studio.company_id, customer_id=user.id, booking_id=booking_id,
            last_message_at=utcnow(),
        )  # fmt: skip
        session.add(thread)
        await session.flush()
    await _append(session, jobs, thread, studio.name, user, from_team=False, body=body)
    return await _thread_for(session, user.id, thread.id)


async def _append(
    session: AsyncSession,
    jobs: JobQueue,
    thread: MessageThread,
    studio_name: str,
    user: User,
    *,
    from_team: bool,
    body: str,
) -> Message:
    now = utcnow()
    message = Message(
        thread_id=thread.id, sender_id=user.id, from_team=from_team, body=body, created_at=now, updated_at=now
    )
    session.add(message)
    thread.last_message_at = now
    if from_team:  # writing means having read everything before
        thread.team_read_at = now
    else:
        thread.customer_read_at = now
    await session.flush()
    await _notify_other_side(session, jobs, thread, studio_name, user, from_team, body)
    logger.info("message %s in thread %s", message.id, thread.id)
    return message


async def post_message(
    session: AsyncSession, jobs: JobQueue, user: User, thread_id: uuid.UUID, body: str
) -> Message:
    view = await _thread_for(session, user.id, thread_id)
    return await _append(
        session, jobs, view.thread, view.studio_name, user, from_team=view.side == "team", body=body
    )


async def list_threads(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    side: str | None,
    studio_id: uuid.UUID | None,
) -> tuple[list[ThreadView], int]:
    where: list[ColumnElement[bool]] = []
    if side == "customer":
        where.append(MessageThread.customer_id == user_id)
    elif side == "team":
        where.append(and_(_my_companies(user_id), MessageThread.customer_id != user_id))
    else:
        where.append(_visible_to(user_id))
    if studio_id is not None:
        where.append(MessageThread.studio_id == studio_id)
    return await _views(session, user_id, where, params)


async def get_thread(
    session: AsyncSession, user_id: uuid.UUID, thread_id: uuid.UUID, params: PageParams
) -> tuple[ThreadView, list[Message], int]:
    view = await _thread_for(session, user_id, thread_id)
    where = [Message.thread_id == thread_id]
    total = int((await session.execute(select(func.count()).select_from(Message).where(*where))).scalar_one())
    messages = (
        await session.execute(
            select(Message)
            .where(*where)
            .order_by(*MessageRepository(session).order_by(params.sort))
            .limit(params.limit)
            .offset(params.offset)
        )
    ).scalars()
    return view, list(messages), total


async def mark_read(session: AsyncSession, user_id: uuid.UUID, thread_id: uuid.UUID) -> ThreadView:
    view = await _thread_for(session, user_id, thread_id)
    if view.side == "customer":
        view.thread.customer_read_at = utcnow()
    else:
        view.thread.team_read_at = utcnow()
    await session.flush()
    return await _thread_for(session, user_id, thread_id)


async def unread_totals(session: AsyncSession, user_id: uuid.UUID) -> tuple[int, int]:
    unread = _unread_expression(user_id).label("unread")
    counts = select(unread).where(_visible_to(user_id)).subquery()
    row = (
        await session.execute(
            select(func.coalesce(func.sum(counts.c.unread), 0), func.count().filter(counts.c.unread > 0))
        )
    ).one()
    return int(row[0]), int(row[1])
