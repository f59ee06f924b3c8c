"""User shapes: what a user may change about themselves, what an admin may change, what anyone sees."""

from __future__ import annotations

import functools
import hashlib
import uuid
from datetime import date, datetime
from typing import Any, Self
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from mosaic.accounts.rbac.schemas import RoleSummary
from mosaic.accounts.users.models import User

_AVATAR_COLORS = ("#1abc9c", "#3498db", "#9b59b6", "#e67e22", "#e74c3c", "#2c3e50", "#16a085", "#d35400")


@functools.lru_cache(maxsize=4096)
def default_avatar(user_id: uuid.UUID, first_name: str, email: str) -> str:
    """A self-contained SVG data URI with the first letter: no third-party avatar service.

    Cached: every profile response without an uploaded avatar builds one, from three values."""
    letter = (first_name or email or "?").strip()[:1].upper() or "?"
    if not letter.isalnum():
        letter = "?"
    color = _AVATAR_COLORS[hashlib.sha256(user_id.bytes).digest()[0] % len(_AVATAR_COLORS)]
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='128' height='128'>"
        f"<rect width='128' height='128' fill='{color}'/>"
        "<text x='50%' y='50%' dy='.35em' text-anchor='middle' font-family='sans-serif' "
        f"font-size='64' fill='#fff'>{letter}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


class Birthday(BaseModel):
    """Seed 003's shape; the three parts must make a real date in the past (see `problem`)."""

    model_config = ConfigDict(extra="forbid")

    day: int = Field(ge=1, le=31, examples=[14])
    month: int = Field(ge=1, le=12, examples=[7])
    year: int = Field(ge=1900, le=2100, examples=[1990])

    def problem(self) -> str | None:
        """Why the three parts are not a birthday, or None. Checked by the service (a 400): a
        calendar rule across fields is beyond what the schema can declare, and the schema must
        not promise what the server refuses."""
        try:
            value = date(self.year, self.month, self.day)
        except ValueError:
            return "birthday is not a real date"
        if value > date.today():
            return "birthday cannot be in the future"
        return None

    def to_date(self) -> date:
        return date(self.year, self.month, self.day)

    @classmethod
    def from_date(cls, value: date | None) -> Birthday | None:
        return None if value is None else cls(day=value.day, month=value.month, year=value.year)


class PhoneNumber(BaseModel):
    """Both parts or neither (seed 003); the schema states the rule too."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["country_code", "mobile_number"],
                    "properties": {"country_code": {"type": "string"}, "mobile_number": {"type": "string"}},
                },
                {"properties": {"country_code": {"type": "null"}, "mobile_number": {"type": "null"}}},
            ]
        },
    )

    country_code: str | None = Field(default=None, pattern=r"^\+[1-9]\d{0,3}$", examples=["+63"])
    mobile_number: str | None = Field(default=None, pattern=r"^\d{4,15}$", examples=["9171234567"])

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.country_code is None) != (self.mobile_number is None):
            raise ValueError("country_code and mobile_number must be given together")
        return self


class ProfileFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    birthday: Birthday | None = None
    phone_number: PhoneNumber | None = None
    bio: str | None = Field(default=None, max_length=2000)
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$", examples=["en", "es"])


class UserUpdateMe(ProfileFields):
    """`extra="forbid"`: role, verification flags, email or ids in the body are a 422, never applied."""


class AdminUserUpdate(ProfileFields):
    is_active: StrictBool | None = None
    is_verified: StrictBool | None = None
    role_id: uuid.UUID | None = None


class UserOut(BaseModel):
    id: uuid.UUID
    # Not EmailStr: stored addresses are not re-validated on the way out. An external identity
    # without an email gets a `@external.invalid` placeholder that EmailStr rejects (a 500).
    email: str = Field(examples=["jane.doe@example.com"], json_schema_extra={"format": "email"})
    first_name: str = Field(examples=["Jane"])
    last_name: str = Field(examples=["Doe"])
    birthday: Birthday | None
    phone_number: PhoneNumber | None
    bio: str | None = Field(examples=["Trader and climber."])
    locale: str = Field(examples=["en"])
    avatar_url: str
    is_active: bool
    is_verified: bool
    role: RoleSummary | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User, **extra: Any) -> Self:
        """From the ORM row; `extra` fills a subclass's own fields (`MeOut.permissions`)."""
        phone = (
            PhoneNumber(country_code=user.phone_country_code, mobile_number=user.phone_number)
            if user.phone_country_code and user.phone_number
            else None
        )
        role = user.role if user.role is not None and not user.role.is_deleted else None
        return cls(
            id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            birthday=Birthday.from_date(user.birthday),
            phone_number=phone,
            bio=user.bio,
            locale=user.locale,
            avatar_url=user.avatar_url or default_avatar(user.id, user.first_name, user.email),
            is_active=user.is_active,
            is_verified=user.is_verified,
            role=RoleSummary.model_validate(role) if role else None,
            created_at=user.created_at,
            updated_at=user.updated_at,
            **extra,
        )


class MeOut(UserOut):
    permissions: list[str] = Field(examples=[["users:read"]])


class AdminUserOut(UserOut):
    is_deleted: bool
    last_login_at: datetime | None
