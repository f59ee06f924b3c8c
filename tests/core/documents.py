"""Test-only tables for core's dialect-specific DDL: a full-text-indexed table, and a table with an
exclusion constraint on PostgreSQL (own metadata: the real models and migrations never see them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mosaic.core.database import NAMING_CONVENTION, SoftDelete, UTCDateTime, UUIDPrimaryKey
from mosaic.core.ddl import database_only
from mosaic.core.repository import Repository
from mosaic.core.search import SearchIndex

DOCUMENTS_SEARCH = SearchIndex("test_documents", {"title": 4.0, "body": 1.0}, language="english")


class DocumentBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Document(UUIDPrimaryKey, SoftDelete, DocumentBase):
    __tablename__ = "test_documents"
    __table_args__ = ({"info": database_only(search=DOCUMENTS_SEARCH)},)

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text, default=None)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)


class DocumentRepository(Repository[Document]):
    model = Document
    label = "Document"
    owner_field = "owner_id"
    search_index = DOCUMENTS_SEARCH


class Slot(UUIDPrimaryKey, DocumentBase):
    """Bookings of a room: on PostgreSQL no two may overlap (`ex_test_slots_no_overlap`)."""

    __tablename__ = "test_slots"
    __table_args__ = ({"info": database_only("ex_test_slots_no_overlap")},)

    room: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
