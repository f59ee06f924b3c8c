"""Custom prompts: owner-scoped CRUD; a template reference must be a prompt the owner can see."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

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


async def create_user_prompt(session: AsyncSession, user_id: uuid.UUID, data: UserPromptIn) -> UserPrompt:
    if data.prompt_id is not None:
        await visible_prompt(session, user_id, data.prompt_id)
    return await UserPromptRepository(session).create(**data.model_dump(), user_id=user_id)


async def list_user_prompts(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    prompt_id: uuid.UUID | None = None,
    q: str | None = None,
) -> tuple[list[UserPrompt], int]:
    return await UserPromptRepository(session).paginate(
        params,
        owner_id=user_id,
        filters=[contains(UserPrompt.title, q)] if q else [],
        filter_by={"prompt_id": prompt_id},
    )


async def get_user_prompt(session: AsyncSession, user_id: uuid.UUID, user_prompt_id: uuid.UUID) -> UserPrompt:
    return await UserPromptRepository(session).get_or_404(user_prompt_id, owner_id=user_id)


async def update_user_prompt(
    session: AsyncSession, user_id: uuid.UUID, user_prompt_id: uuid.UUID, data: UserPromptUpdate
) -> UserPrompt:
    row = await get_user_prompt(session, user_id, user_prompt_id)
    values = data.model_dump(exclude_unset=True)
    # `prompt_id: null` detaches the template; the text fields are not nullable.
    values = {k: v for k, v in values.items() if v is not None or k == "prompt_id"}
    if values.get("prompt_id") is not None:
        await visible_prompt(session, user_id, values["prompt_id"])
    return await UserPromptRepository(session).update(row, values)


async def delete_user_prompt(session: AsyncSession, user_id: uuid.UUID, user_prompt_id: uuid.UUID) -> None:
    repo = UserPromptRepository(session)
    await repo.soft_delete(await repo.get_or_404(user_prompt_id, owner_id=user_id))
