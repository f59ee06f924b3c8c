"""Roles and permissions: a user has one role, a role grants many `resource:action` permissions."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey, unique_among_live

role_permissions = Table(
    "role_permissions",
    Base.metadata,
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "permissions"
    __table_args__ = (unique_among_live("uq_permissions_name_live", "name"),)

    resource: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(130))
    description: Mapped[str] = mapped_column(Text, default="")


class Role(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "roles"
    __table_args__ = (unique_among_live("uq_roles_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    # Seeded roles (superadmin, admin, user) cannot be deleted or renamed.
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    permissions: Mapped[list[Permission]] = relationship(
        secondary=role_permissions, lazy="raise_on_sql"
    )  # loaded explicitly where needed: the per-request user query must not pay for it
