"""Companies (a studio owner's business), their team members and email invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey, unique_among_live

COMPANY_ROLES = ("staff", "manager", "owner")  # ascending: a role includes those before it


class Company(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "companies"
    __table_args__ = (unique_among_live("uq_companies_slug_live", "slug"),)

    name: Mapped[str] = mapped_column(String(150))
    slug: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(String(2000), default=None)
    logo_key: Mapped[str | None] = mapped_column(String(512), default=None)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # Moderation: an unpublished company's studios leave the public search.
    is_suspended: Mapped[bool] = mapped_column(default=False, index=True)
    # Stripe Connect account (`acct_...`) payouts are transferred to; set by a platform admin.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), default=None)


class CompanyMember(UUIDPrimaryKey, Timestamps, Base):
    """Seed 002's `AdminCompany`, with a role: owner, manager or staff (hard-deleted on leave)."""

    __tablename__ = "company_members"
    __table_args__ = (UniqueConstraint("company_id", "user_id", name="uq_company_members_company_user"),)

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class CompanyInvitation(UUIDPrimaryKey, Timestamps, Base):
    """One invitation link: only the token's SHA-256 is stored; single-use and expiring."""

    __tablename__ = "company_invitations"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # pending -> accepted | declined | revoked; an expired pending one stays pending but is refused.
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
