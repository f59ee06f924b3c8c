"""study: quizzes, questions, generations, AI usage, attempts, review cards, sessions, plans; user timezone

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:25:55.411465
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mosaic.core.database
import mosaic.core.money

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quizzes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("difficulty", sa.String(length=16), nullable=False),
        sa.Column(
            "question_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quizzes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
    )
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quizzes_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_quizzes_source_hash"), ["source_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_quizzes_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_quizzes_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_quizzes_user_id_created_at", ["user_id", "created_at"], unique=False)

    op.create_table(
        "study_ai_usage",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=True),
        sa.Column("generation_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", mosaic.core.money.Amount(precision=18, scale=8), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_study_ai_usage_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_ai_usage")),
    )
    with op.batch_alter_table("study_ai_usage", schema=None) as batch_op:
        batch_op.create_index("ix_study_ai_usage_user_id_created_at", ["user_id", "created_at"], unique=False)

    op.create_table(
        "study_plans",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "goals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "hours_per_weekday",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("planner", sa.String(length=64), nullable=False),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_study_plans_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_plans")),
    )
    with op.batch_alter_table("study_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_plans_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_study_plans_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quiz_attempts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=True),
        sa.Column("submitted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column(
            "results",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_attempts_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quiz_attempts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempts_submitted_at"), ["submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempts_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_quiz_attempts_user_id_quiz_id", ["user_id", "quiz_id"], unique=False)

    op.create_table(
        "quiz_generations",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("quiz_id", sa.Uuid(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("finished_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_generations_quiz_id_quizzes"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quiz_generations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_generations")),
    )
    with op.batch_alter_table("quiz_generations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_generations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quiz_questions",
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("answer_index", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("passage", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_questions_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
    )
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_questions_quiz_id"), ["quiz_id"], unique=False)

    op.create_table(
        "study_plan_tasks",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["study_plans.id"],
            name=op.f("fk_study_plan_tasks_plan_id_study_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_plan_tasks")),
    )
    with op.batch_alter_table("study_plan_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_study_plan_tasks_plan_id_date", ["plan_id", "date"], unique=False)

    op.create_table(
        "study_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=True),
        sa.Column("note_id", sa.Uuid(), nullable=True),
        sa.Column("planned_minutes", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("started_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("running_since", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_study_sessions_quiz_id_quizzes"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_study_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_sessions")),
    )
    with op.batch_alter_table("study_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_study_sessions_user_id_started_at", ["user_id", "started_at"], unique=False)
        batch_op.create_index(
            "uq_study_sessions_one_open",
            ["user_id"],
            unique=True,
            postgresql_where=sa.text("status <> 'ended'"),
            sqlite_where=sa.text("status <> 'ended'"),
        )

    op.create_table(
        "review_cards",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("due", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "card",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("last_rating", sa.Integer(), nullable=True),
        sa.Column("last_review", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_review_cards_question_id_quiz_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_cards_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cards")),
        sa.UniqueConstraint("user_id", "question_id", name="uq_review_cards_user_id_question_id"),
    )
    with op.batch_alter_table("review_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_cards_question_id"), ["question_id"], unique=False)
        batch_op.create_index("ix_review_cards_user_id_due", ["user_id", "due"], unique=False)

    op.create_table(
        "study_intervals",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("started_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["study_sessions.id"],
            name=op.f("fk_study_intervals_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_study_intervals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_intervals")),
    )
    with op.batch_alter_table("study_intervals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_intervals_session_id"), ["session_id"], unique=False)
        batch_op.create_index(
            "ix_study_intervals_user_id_started_at", ["user_id", "started_at"], unique=False
        )

    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.drop_column("timezone")

    with op.batch_alter_table("study_intervals", schema=None) as batch_op:
        batch_op.drop_index("ix_study_intervals_user_id_started_at")
        batch_op.drop_index(batch_op.f("ix_study_intervals_session_id"))

    op.drop_table("study_intervals")
    with op.batch_alter_table("review_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_review_cards_user_id_due")
        batch_op.drop_index(batch_op.f("ix_review_cards_question_id"))

    op.drop_table("review_cards")
    with op.batch_alter_table("study_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_study_sessions_one_open",
            postgresql_where=sa.text("status <> 'ended'"),
            sqlite_where=sa.text("status <> 'ended'"),
        )
        batch_op.drop_index("ix_study_sessions_user_id_started_at")

    op.drop_table("study_sessions")
    with op.batch_alter_table("study_plan_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_study_plan_tasks_plan_id_date")

    op.drop_table("study_plan_tasks")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_questions_quiz_id"))

    op.drop_table("quiz_questions")
    with op.batch_alter_table("quiz_generations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_generations_user_id"))

    op.drop_table("quiz_generations")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempts_user_id_quiz_id")
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_user_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_submitted_at"))

    op.drop_table("quiz_attempts")
    with op.batch_alter_table("study_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_plans_user_id"))
        batch_op.drop_index(batch_op.f("ix_study_plans_is_deleted"))

    op.drop_table("study_plans")
    with op.batch_alter_table("study_ai_usage", schema=None) as batch_op:
        batch_op.drop_index("ix_study_ai_usage_user_id_created_at")

    op.drop_table("study_ai_usage")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_index("ix_quizzes_user_id_created_at")
        batch_op.drop_index(batch_op.f("ix_quizzes_user_id"))
        batch_op.drop_index(batch_op.f("ix_quizzes_subject"))
        batch_op.drop_index(batch_op.f("ix_quizzes_source_hash"))
        batch_op.drop_index(batch_op.f("ix_quizzes_is_deleted"))

    op.drop_table("quizzes")
