"""Prompt rules: who sees a prompt, and who may change it.

A prompt is visible to a user when it is public or they created it. Templates (public prompts)
are written through the catalogue routes behind `prompts:write`; a user's private prompts are
written by their owner alone through `/prompts/mine`. Nobody, admins included, reads or edits
another user's private prompt: it answers 404 like an id that does not exist.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Owned, put_values
from mosaic.core.errors import NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.common import contains
from mosaic.trading.prompts.models import Prompt
from mosaic.trading.prompts.schemas import PrivatePromptIn, PrivatePromptUpdate, PromptIn, PromptUpdate

logger = logging.getLogger("mosaic.trading")


class PromptRepository(Repository[Prompt]):
    model = Prompt
    label = "Prompt"
    owner_field = "created_by"
    sortable = frozenset({"created_at", "updated_at", "title", "category"})


def visible_to(user_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(Prompt.is_public.is_(True), Prompt.created_by == user_id)


async def list_prompts(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    category: str | None = None,
    is_public: bool | None = None,
    mine: bool = False,
    q: str | None = None,
) -> tuple[list[Prompt], int]:
    filters = [visible_to(user_id)]
    if q:
        filters.append(contains(Prompt.title, q))
    return await PromptRepository(session).paginate(
        params,
        owner_id=user_id if mine else None,
        filters=filters,
        filter_by={"category": category, "is_public": is_public},
    )


async def visible_prompt(session: AsyncSession, user_id: uuid.UUID, prompt_id: uuid.UUID) -> Prompt:
    prompt = await PromptRepository(session).find_one(Prompt.id == prompt_id, visible_to(user_id))
    if prompt is None:
        raise NotFound("Prompt not found")
    return prompt


async def create_template(session: AsyncSession, admin_id: uuid.UUID, data: PromptIn) -> Prompt:
    prompt = await PromptRepository(session).create(**data.model_dump(), created_by=admin_id)
    logger.info("prompt template %s created", prompt.id)
    return prompt


async def update_template(
    session: AsyncSession, admin_id: uuid.UUID, prompt_id: uuid.UUID, data: PromptUpdate
) -> Prompt:
    prompt = await visible_prompt(session, admin_id, prompt_id)
    return await PromptRepository(session).update(prompt, put_values(data, Prompt))


async def delete_template(session: AsyncSession, admin_id: uuid.UUID, prompt_id: uuid.UUID) -> None:
    await PromptRepository(session).soft_delete(await visible_prompt(session, admin_id, prompt_id))


async def _own_private(session: AsyncSession, user_id: uuid.UUID, prompt_id: uuid.UUID) -> Prompt:
    prompt = await Owned(PromptRepository(session), user_id).get(prompt_id)
    if prompt.is_public:  # a published template is the catalogue's now, not a private prompt
        raise NotFound("Prompt not found")
    return prompt


async def create_private(session: AsyncSession, user_id: uuid.UUID, data: PrivatePromptIn) -> Prompt:
    return await PromptRepository(session).create(**data.model_dump(), is_public=False, created_by=user_id)


async def update_private(
    session: AsyncSession, user_id: uuid.UUID, prompt_id: uuid.UUID, data: PrivatePromptUpdate
) -> Prompt:
    prompt = await _own_private(session, user_id, prompt_id)
    return await PromptRepository(session).update(prompt, put_values(data, Prompt))


async def delete_private(session: AsyncSession, user_id: uuid.UUID, prompt_id: uuid.UUID) -> None:
    await PromptRepository(session).soft_delete(await _own_private(session, user_id, prompt_id))
