from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(examples=["Flow finished"])
    description: str = Field(examples=["Your flow 'Morning scan' completed in 3 steps."])
    category: str = Field(examples=["flows"])
    is_viewed: bool
    viewed_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int = Field(ge=0, examples=[3])


class MarkedCount(BaseModel):
    updated: int = Field(ge=0, examples=[5])
