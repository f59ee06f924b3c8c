"""Notifications: the one call every domain uses to tell a user something.

`notify` honours the user's settings: with notifications off nothing is stored; the email copy
goes out only when asked for *and* the user accepts email notifications, through the email job
(template `notification`, the user's locale), and only after the transaction that produced the
notification commits.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.notifications.models import Notification
from mosaic.accounts.settings.service import get_or_create
from mosaic.accounts.users.models import User
from mosaic.core.crud import Owned
from mosaic.core.database import utcnow
from mosaic.core.jobs import JobQueue
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.providers.email import queue_email


class NotificationRepository(Repository[Notification]):
    model = Notification
    label = "Notification"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "is_viewed"})


async def notify(
    session: AsyncSession,
    user: User,
    title: str,
    description: str = "",
    *,
    category: str = "general",
    email: bool = False,
    jobs: JobQueue | None = None,
    link: str | None = None,
) -> Notification | None:
    """Store an in-app notification; with `email=True` also queue its email copy.

    The copy is the `notification` template in the recipient's locale (their settings' locale),
    sent by the `email.send` job once this transaction commits: never inline, never on rollback,
    and retried by the job runner like every other email.
    """
    preferences = await get_or_create(session, user.id, user.locale)
    if not preferences.notifications_enabled:
        return None
    notification = await NotificationRepository(session).create(
        user_id=user.id, title=title[:200], description=description, category=category
    )
    if email and jobs is not None and preferences.email_notifications and user.is_active:
        queue_email(
            session,
            jobs,
            to=user.email,
            template="notification",
            locale=preferences.locale or user.locale,
            first_name=user.first_name,
            title=title[:200],
            body=description,
            link=link,
        )
    return notification


async def list_mine(
    session: AsyncSession, user_id: uuid.UUID, params: PageParams, unread: bool | None
) -> tuple[list[Notification], int]:
    viewed = None if unread is None else not unread
    return await Owned(NotificationRepository(session), user_id).list(params, filter_by={"is_viewed": viewed})


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    statement = (
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.is_viewed.is_(False),
            Notification.is_deleted.is_(False),
        )
    )
    return int((await session.execute(statement)).scalar_one())


async def mark_viewed(session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    notification = await Owned(NotificationRepository(session), user_id).get(notification_id)
    if not notification.is_viewed:
        notification.is_viewed = True
        notification.viewed_at = utcnow()
        await session.flush()
    return notification


async def mark_all_viewed(session: AsyncSession, user_id: uuid.UUID) -> int:
    now = utcnow()
    result = await session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.is_viewed.is_(False),
            Notification.is_deleted.is_(False),
        )
        .values(is_viewed=True, viewed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete(session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID) -> None:
    await Owned(NotificationRepository(session), user_id).delete(notification_id)
