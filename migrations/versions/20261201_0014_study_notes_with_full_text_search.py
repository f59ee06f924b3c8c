"""study notes with full-text search

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 10:10:13

`notes` (Markdown content, optional category, soft delete) and `note_tags` (one row per tag, so
all-of filters and counts run in SQL), then the notes' full-text objects (core/ddl.py): an FTS5
table with its sync triggers on SQLite, a generated `search_vector` with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mosaic.core.database import UTCDateTime
from mosaic.core.ddl import create_search_index, drop_search_index
from mosaic.core.search import SearchIndex

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The index as this revision creates it (a copy of mosaic.study.notes.models.NOTES_SEARCH, so a
# later change of the model's index is a new migration, not a silent change of this one).
NOTES_SEARCH = SearchIndex("notes", {"title": 4.0, "content": 1.0}, language="simple")


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_is_deleted"), "notes", ["is_deleted"], unique=False)
    op.create_index("ix_notes_user_id_category", "notes", ["user_id", "category"], unique=False)
    op.create_table(
        "note_tags",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_tags_note_id_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("note_id", "tag", name=op.f("pk_note_tags")),
    )
    op.create_index("ix_note_tags_tag", "note_tags", ["tag", "note_id"], unique=False)
    create_search_index(op, NOTES_SEARCH)


def downgrade() -> None:
    drop_search_index(op, NOTES_SEARCH)
    op.drop_index("ix_note_tags_tag", table_name="note_tags")
    op.drop_table("note_tags")
    op.drop_index("ix_notes_user_id_category", table_name="notes")
    op.drop_index(op.f("ix_notes_is_deleted"), table_name="notes")
    op.drop_table("notes")
