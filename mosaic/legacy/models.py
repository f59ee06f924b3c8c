"""Where each imported legacy document went: old links (ObjectIds in URLs, references) resolve here.

One row per imported document, keyed by (collection, legacy id). It is also what makes
`legacy import-mongo` idempotent: a document with a row here is never imported again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, UTCDateTime, utcnow


class LegacyId(Base):
    __tablename__ = "legacy_ids"
    __table_args__ = (Index("ix_legacy_ids_table_name_new_id", "table_name", "new_id"),)

    collection: Mapped[str] = mapped_column(String(120), primary_key=True)
    legacy_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(120))
    new_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


async def find_new_id(session: AsyncSession, collection: str, legacy_id: str) -> tuple[str, uuid.UUID] | None:
    """(table, new id) of an imported document: what an old link with this ObjectId now points to."""
    row = (
        await session.execute(
            select(LegacyId.table_name, LegacyId.new_id).where(
                LegacyId.collection == collection, LegacyId.legacy_id == legacy_id
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None
