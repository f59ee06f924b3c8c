"""Request and response shapes of authentication."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mosaic.core.envelope import Envelope
from mosaic.core.params import Email, NewPassword
from mosaic.core.security import PASSWORD_MAX_LENGTH

AccountType = Literal["customer", "studio_owner"]


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(examples=["jane.doe@example.com"])
    password: NewPassword = Field(examples=["correct horse battery"])
    first_name: str = Field(min_length=1, max_length=100, examples=["Jane"])
    last_name: str = Field(min_length=1, max_length=100, examples=["Doe"])
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$", examples=["en"])
    # The only two self-chosen account types (seed 002). `studio_owner` needs the booking domain,
    # which declares that role; without it the value is refused (422).
    account_type: AccountType = Field(default="customer", examples=["customer"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(examples=["jane.doe@example.com"])
    # Any length up to the cap: old accounts may predate today's policy.
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH, examples=["correct horse battery"])


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(examples=["jane.doe@example.com"])


class ResetPasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=4096)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class ChangePasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: NewPassword


class TokenPair(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2lnbmF0dXJl"])
    refresh_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.cmVmcmVzaA"])
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Access token lifetime in seconds.", examples=[1800])


class OAuth2TokenEnvelope(Envelope[TokenPair]):
    """The envelope plus top-level `access_token`/`token_type`, which Swagger UI's Authorize reads."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"


class Accepted(BaseModel):
    detail: str = Field(examples=["If the address belongs to an account, an email is on its way."])
