"""Note shapes; the owner comes from the token, never from the body."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Markdown up to 100,000 characters: far below PostgreSQL's 1 MB tsvector limit whatever the
# text (at most 400 kB of UTF-8, fewer lexemes than that), and a long chapter's worth of notes.
MAX_CONTENT_CHARS = 100_000
MAX_TAGS = 20
MAX_TAG_CHARS = 50
# What the validators below refuse, declared: a tag or category has a non-blank character.
TagIn = Annotated[str, Field(max_length=MAX_TAG_CHARS, pattern=r"\S")]
NOT_BLANK = r"\S"


def tag_key(raw: str) -> str:
    """A tag as stored: trimmed, lower-cased, inner whitespace collapsed."""
    return " ".join(raw.split()).lower()


def normalise_tags(tags: list[str] | None) -> list[str] | None:
    """Each tag as stored, duplicates dropped (first order kept); empty or over-long ones refused."""
    if tags is None:
        return None
    seen: dict[str, None] = {}
    for raw in tags:
        tag = tag_key(raw)
        if not tag:
            raise ValueError("a tag must not be empty")
        if len(tag) > MAX_TAG_CHARS:
            raise ValueError(f"a tag has at most {MAX_TAG_CHARS} characters")
        seen.setdefault(tag, None)
    return list(seen)


def _category(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        raise ValueError("category must not be blank")
    return value


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["Photosynthesis"])
    content: str = Field(
        default="",
        max_length=MAX_CONTENT_CHARS,
        description=f"Markdown, at most {MAX_CONTENT_CHARS:,} characters.",
        examples=["# Light reactions\n\nChlorophyll absorbs light; water is split and **oxygen** released."],
    )
    tags: list[TagIn] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description=f"Up to {MAX_TAGS}; stored lower-cased and trimmed, duplicates dropped.",
        examples=[["biology", "exam-1"]],
    )
    category: str | None = Field(default=None, max_length=100, pattern=NOT_BLANK, examples=["Biology"])

    _tags = field_validator("tags")(normalise_tags)
    _cat = field_validator("category")(_category)


class NoteUpdate(BaseModel):
    """PUT: omitted fields stay; `category: null` clears it; `tags` replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(
        default=None, min_length=1, max_length=200, examples=["Photosynthesis (revised)"]
    )
    content: str | None = Field(default=None, max_length=MAX_CONTENT_CHARS)
    tags: list[TagIn] | None = Field(default=None, max_length=MAX_TAGS, examples=[["biology"]])
    category: str | None = Field(default=None, max_length=100, pattern=NOT_BLANK)

    _tags = field_validator("tags")(normalise_tags)
    _cat = field_validator("category")(_category)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(examples=["Photosynthesis"])
    content: str = Field(examples=["# Light reactions\n\nChlorophyll absorbs light."])
    tags: list[str] = Field(examples=[["biology", "exam-1"]])
    category: str | None = Field(examples=["Biology"])
    created_at: datetime
    updated_at: datetime


class NoteListItem(NoteOut):
    """A note in a list; with a search `q`, its relevance and a highlighted extract."""

    score: float | None = Field(
        default=None,
        description="Relevance (higher is better; comparable within one query).",
        examples=[0.61],
    )
    snippet: str | None = Field(
        default=None,
        description="HTML-escaped extract with the matches in `<mark>`, safe to render.",
        examples=["Chlorophyll absorbs <mark>light</mark>; water is split …"],
    )


class TagCount(BaseModel):
    tag: str = Field(examples=["biology"])
    count: int = Field(ge=1, examples=[12])


class CategoryCount(BaseModel):
    category: str = Field(examples=["Biology"])
    count: int = Field(ge=1, examples=[7])
