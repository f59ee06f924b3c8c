"""Request and response shapes of roles and permissions."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

_NAME = r"^[a-z][a-z0-9_-]*$"


class PermissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource: str = Field(min_length=1, max_length=64, pattern=_NAME, examples=["reports"])
    action: str = Field(min_length=1, max_length=64, pattern=_NAME, examples=["read"])
    description: str = Field(default="", max_length=500, examples=["Read reports"])


class PermissionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource: str | None = Field(default=None, min_length=1, max_length=64, pattern=_NAME)
    action: str | None = Field(default=None, min_length=1, max_length=64, pattern=_NAME)
    description: str | None = Field(default=None, max_length=500)


class PermissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["users:read"])
    resource: str = Field(examples=["users"])
    action: str = Field(examples=["read"])
    description: str = Field(examples=["Read any user's profile"])
    is_deleted: bool = False
    created_at: datetime
    updated_at: datetime


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=_NAME, examples=["support"])
    description: str = Field(default="", max_length=500, examples=["Customer support staff"])
    permission_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class RoleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=_NAME)
    description: str | None = Field(default=None, max_length=500)


class RolePermissionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    permission_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class RoleSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["user"])


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["admin"])
    description: str = Field(examples=["Default admin role"])
    is_system: bool
    is_deleted: bool = False
    permissions: list[PermissionOut]
    created_at: datetime
    updated_at: datetime
