"""The inbox for events from outside (payment webhooks, provider callbacks): each handled once.

A webhook endpoint verifies the sender, then calls `record_external_event(...)`: the event is
stored under its provider's own id, `(provider, event_id)` unique, with an
`INSERT ... ON CONFLICT DO NOTHING`, so a replay — or two deliveries racing — finds the row
there and answers "duplicate" (the endpoint still says 200: the sender must stop retrying).
A new event is handled after the request commits, through the job queue, by the handler
its provider's `Domain` declares:

    async def on_stripe(ctx: JobContext, session: AsyncSession, event: ExternalEvent) -> None: ...

    domain = Domain(name="booking", inbox_handlers={"stripe": on_stripe}, ...)

The handler runs inside the transaction that marks the event processed, after an
`UPDATE ... WHERE processed_at IS NULL` has locked the row; a redelivered job (Celery's
at-least-once delivery) waits for that lock and then finds nothing to do. A failing handler
rolls back its work, the attempt and its error are recorded, and the job's retries take over.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Integer, String, Text, UniqueConstraint, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, JSONType, UTCDateTime, UUIDPrimaryKey, utcnow
from mosaic.core.jobs import JobContext, JobQueue, enqueue_after_commit, job

logger = logging.getLogger("mosaic.inbox")

HANDLE_EXTERNAL_EVENT = "core.handle_external_event"


class ExternalEvent(UUIDPrimaryKey, Base):
    __tablename__ = "external_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_external_events_provider_event_id"),)

    provider: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str | None] = mapped_column(String(128), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


InboxHandler = Callable[[JobContext, AsyncSession, ExternalEvent], Awaitable[None]]


class InboxRegistry:
    """Which handler processes the events of each provider: one per app or worker, built from
    the enabled domains' `inbox_handlers` (nothing registers itself on import)."""

    def __init__(self, handlers: Mapping[str, InboxHandler] | None = None) -> None:
        self._handlers: dict[str, InboxHandler] = {}
        for provider, handler in (handlers or {}).items():
            self.register(provider, handler)

    def register(self, provider: str, handler: InboxHandler) -> InboxHandler:
        existing = self._handlers.get(provider)
        if existing is not None and existing is not handler:
            raise ValueError(f"inbox provider {provider!r} already has a handler")
        self._handlers[provider] = handler
        return handler

    def get(self, provider: str) -> InboxHandler:
        try:
            return self._handlers[provider]
        except KeyError:
            raise LookupError(f"no inbox handler for provider {provider!r}") from None

    def providers(self) -> list[str]:
        return sorted(self._handlers)


async def record_external_event(
    session: AsyncSession,
    jobs: JobQueue,
    *,
    provider: str,
    event_id: str,
    payload: dict[str, Any],
    event_type: str | None = None,
    inbox: InboxRegistry,
) -> Literal["new", "duplicate"]:
    """Store an incoming event once; a new one is handled after `session` commits.

    `inbox` is the app's registry (`app.state.inbox`, built from the domains' `inbox_handlers`).
    """
    inbox.get(provider)  # an event nobody would handle is a programming error: fail loudly, here
    row_id = uuid.uuid4()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = await session.execute(
        dialect.insert(ExternalEvent)
        .values(
            id=row_id,
            provider=provider,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            received_at=utcnow(),
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
    )
    if inserted.rowcount != 1:  # type: ignore[attr-defined]
        logger.info("external event %s/%s is a replay: ignored", provider, event_id)
        return "duplicate"
    enqueue_after_commit(session, jobs, HANDLE_EXTERNAL_EVENT, str(row_id))
    return "new"


@job(HANDLE_EXTERNAL_EVENT, max_retries=5, retry_backoff=2.0)
async def handle_external_event(ctx: JobContext, row_id: str) -> bool:
    """Run the provider's handler for one stored event, unless it was processed already."""
    event_uuid = uuid.UUID(row_id)
    try:
        async with ctx.database.transaction() as session:
            claimed = await session.execute(
                update(ExternalEvent)
                .where(ExternalEvent.id == event_uuid, ExternalEvent.processed_at.is_(None))
                .values(attempts=ExternalEvent.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                logger.info("external event %s already processed", row_id)
                return False
            event = await session.get(ExternalEvent, event_uuid, populate_existing=True)
            assert event is not None
            registry: InboxRegistry = ctx.service("inbox")
            await registry.get(event.provider)(ctx, session, event)
            event.processed_at = utcnow()
            event.last_error = None
    except Exception as exc:
        async with ctx.database.transaction() as session:
            await session.execute(
                update(ExternalEvent)
                .where(ExternalEvent.id == event_uuid)
                .values(attempts=ExternalEvent.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
            )
        raise
    logger.info("external event %s handled", row_id)
    return True
