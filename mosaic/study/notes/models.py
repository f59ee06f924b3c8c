"""A user's study note (seed 004 `notes`): Markdown content, tags and a category, searchable in full text."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey
from mosaic.core.ddl import database_only
from mosaic.core.search import SearchIndex

# `simple`: no stemming and no stop words, so any language is searched alike, and PostgreSQL
# answers what SQLite's (non-stemming) FTS5 answers. A title word weighs four body words.
NOTES_SEARCH = SearchIndex("notes", {"title": 4.0, "content": 1.0}, language="simple")


class Note(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_user_id_category", "user_id", "category"),
        {"info": database_only(search=NOTES_SEARCH)},
    )

    # Indexed by ix_notes_user_id_category (user_id first).
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(100), default=None)
    tag_rows: Mapped[list[NoteTag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="NoteTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return sorted(row.tag for row in self.tag_rows)


class NoteTag(Base):
    """One tag of one note: a row each, so all-of filters and counts run in SQL on both backends."""

    __tablename__ = "note_tags"
    __table_args__ = (Index("ix_note_tags_tag", "tag", "note_id"),)

    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)
