"""Message thread shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mosaic.core.pagination import Page

MAX_BODY = 4000


class ThreadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    studio_id: uuid.UUID
    body: str = Field(
        min_length=1, max_length=MAX_BODY, examples=["Hi! Is the live room free on Friday evening?"]
    )
    booking_id: uuid.UUID | None = Field(
        default=None, description="The booking this thread is about, if any."
    )


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(
        min_length=1, max_length=MAX_BODY, examples=["Yes, from 18:00. Shall I hold it for you?"]
    )


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    thread_id: uuid.UUID
    sender_id: uuid.UUID
    from_team: bool = Field(description="Sent by the studio's team (else by the customer).")
    body: str = Field(examples=["Yes, from 18:00. Shall I hold it for you?"])
    created_at: datetime


class ThreadOut(BaseModel):
    id: uuid.UUID
    studio_id: uuid.UUID
    studio_name: str = Field(examples=["Blue Room Studios"])
    customer_id: uuid.UUID
    booking_id: uuid.UUID | None
    my_side: Literal["customer", "team"] = Field(description="Which side of the thread the caller is on.")
    unread_count: int = Field(
        examples=[2], description="Messages from the other side the caller has not read."
    )
    last_message: str = Field(examples=["Yes, from 18:00. Shall I hold it for you?"])
    last_message_at: datetime
    created_at: datetime


class ThreadDetail(BaseModel):
    thread: ThreadOut
    messages: Page[MessageOut] = Field(description="Oldest first.")


class UnreadOut(BaseModel):
    total: int = Field(examples=[3], description="Unread messages over all the caller's threads.")
    threads: int = Field(examples=[2], description="Threads with at least one unread message.")
