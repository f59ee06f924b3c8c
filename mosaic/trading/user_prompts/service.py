"""Custom prompts: owner-scoped CRUD; a template reference must be a prompt the owner can see."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Owned, put_values
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.common import contains
from mosaic.trading.prompts.service import visible_prompt
from mosaic.trading.user_prompts.models import UserPrompt
from mosaic.trading.user_prompts.schemas import UserPromptIn, UserPromptUpdate


class UserPromptRepository(Repository[UserPrompt]):
    model = UserPrompt
    label = "Prompt"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "updated_at", "title"})


def _owned(session: AsyncSession, user_id: uuid.UUID) -> Owned[UserPrompt]:
    return Owned(UserPromptRepository(session), user_id)


async def create_user_prompt(session: AsyncSession, user_id: uuid.UUID, data: UserPromptIn) -> UserPrompt:
    if data.prompt_id is not None:
        await visible_prompt(session, user_id, data.prompt_id)
    return await _owned(session, user_id).create(**data.model_dump())


async def list_user_prompts(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    prompt_id: uuid.UUID | None = None,
    q: str | None = None,
) -> tuple[list[UserPrompt], int]:
    return await _owned(session, user_id).list(
        params, filters=[contains(UserPrompt.title, q)] if q else [], filter_by={"prompt_id": prompt_id}
    )


async def get_user_prompt(session: AsyncSession, user_id: uuid.UUID, user_prompt_id: uuid.UUID) -> UserPrompt:
    return await _owned(session, user_id).get(user_prompt_id)


async def update_user_prompt(
    session: AsyncSession, user_id: uuid.UUID, user_prompt_id: uuid.UUID, data: UserPromptUpdate
) -> UserPrompt:
    owned = _owned(session, user_id)
    row = await owned.get(user_prompt_id)
    # `prompt_id: null` detaches the template (nullable); null title/content are ignored.
    values = put_values(data, UserPrompt)
    if values.get("prompt_id") is not None:
        await visible_prompt(session, user_id, values["prompt_id"])
    return await owned.update(row, values)


async def delete_user_prompt(session: AsyncSession, user_id: uuid.UUID, user_prompt_id: uuid.UUID) -> None:
    await _owned(session, user_id).delete(user_prompt_id)
