"""Company, member and invitation shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from mosaic.booking.common import Slug

CompanyRole = Literal["owner", "manager", "staff"]


class CompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=150, examples=["Blue Room Studios"])
    slug: Slug | None = Field(default=None, description="Made from the name when left out.")
    description: str | None = Field(default=None, max_length=2000, examples=["Rehearsal rooms in Lisbon."])


class CompanyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=150, examples=["Blue Room Studios Lda"])
    slug: Slug | None = None
    description: str | None = Field(default=None, max_length=2000)


class CompanyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["Blue Room Studios"])
    slug: str = Field(examples=["blue-room-studios"])
    description: str | None = Field(examples=["Rehearsal rooms in Lisbon."])
    logo_url: str | None = Field(default=None, examples=["/media/companies/3fa8/logo-1.png"])
    my_role: CompanyRole | None = Field(default=None, description="The caller's role in this company.")
    is_suspended: bool
    created_at: datetime
    updated_at: datetime


class LogoOut(BaseModel):
    url: str = Field(examples=["/media/companies/3fa85f64/logo-9b2c.png"])
    thumbnail_url: str | None = Field(examples=["/media/companies/3fa85f64/logo-9b2c.thumb.jpg"])


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str = Field(examples=["maria@example.com"], json_schema_extra={"format": "email"})
    first_name: str = Field(examples=["Maria"])
    last_name: str = Field(examples=["Silva"])
    role: CompanyRole = Field(examples=["manager"])
    joined_at: datetime


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: CompanyRole = Field(examples=["manager"])


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320, examples=["maria@example.com"])
    role: CompanyRole = Field(default="staff", examples=["staff"])


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    company_id: uuid.UUID
    email: str = Field(examples=["maria@example.com"], json_schema_extra={"format": "email"})
    role: CompanyRole = Field(examples=["staff"])
    status: Literal["pending", "accepted", "declined", "revoked"] = Field(examples=["pending"])
    expires_at: datetime
    responded_at: datetime | None
    created_at: datetime


class InvitationTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=16, max_length=128, examples=["k3J9xQ2mV8pL4rT7wY1zA6bC5dE0fG2h"])
