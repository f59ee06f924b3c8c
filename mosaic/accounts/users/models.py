"""The user: identity (email, password hash, verification) and profile in one row.

Seed 003 splits "auth" and "users" into two Mongo collections; on one relational store a single
row keeps login, profile and soft delete consistent without a join on every request.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.accounts.rbac.models import Role
from mosaic.core.database import Base, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey, unique_among_live


class User(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "users"
    __table_args__ = (
        unique_among_live("uq_users_email_live", "email"),
        unique_among_live("uq_users_google_sub_live", "google_sub"),
        unique_among_live("uq_users_external_subject_live", "external_subject"),
    )

    email: Mapped[str] = mapped_column(String(320))  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped to revoke every token issued before (password change/reset, deactivation, deletion).
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birthday: Mapped[date | None] = mapped_column(Date, default=None)
    phone_country_code: Mapped[str | None] = mapped_column(String(5), default=None)
    phone_number: Mapped[str | None] = mapped_column(String(20), default=None)
    bio: Mapped[str | None] = mapped_column(Text, default=None)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    avatar_url: Mapped[str | None] = mapped_column(String(1024), default=None)
    avatar_key: Mapped[str | None] = mapped_column(String(512), default=None)

    role_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("roles.id", ondelete="SET NULL"), index=True, default=None
    )
    role: Mapped[Role | None] = relationship(lazy="joined")

    google_sub: Mapped[str | None] = mapped_column(String(255), default=None)
    external_subject: Mapped[str | None] = mapped_column(String(512), default=None)
