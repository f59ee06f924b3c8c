"""My settings: GET creates them with defaults on first read."""

from __future__ import annotations

from fastapi import APIRouter, Request

from mosaic.accounts.deps import CurrentUser
from mosaic.accounts.settings import service
from mosaic.accounts.settings.schemas import SettingsOut, SettingsUpdate
from mosaic.core.cache import cache_key, entity_tag, get_or_set, request_cache
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import error_responses

router = APIRouter(prefix="/users/me/settings", tags=["settings"])


@router.get("", response_model=Envelope[SettingsOut], summary="My settings", responses=error_responses(401))
async def get_settings(session: SessionDep, user: CurrentUser, request: Request) -> Envelope[SettingsOut]:
    """Through the shared cache, keyed by user: one user never reads another's entry."""

    async def load() -> SettingsOut:
        return SettingsOut.model_validate(await service.get_or_create(session, user.id, user.locale))

    data = await get_or_set(
        request_cache(request),
        cache_key("settings", "me", user_id=user.id),
        load,
        tags=[entity_tag("users", user.id)],
        dump=lambda value: value.model_dump(mode="json"),
        restore=SettingsOut.model_validate,
        session=session,
    )
    return ok(data, "Settings retrieved")


@router.put(
    "", response_model=Envelope[SettingsOut], summary="Update my settings", responses=error_responses(401)
)
async def update_settings(
    body: SettingsUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[SettingsOut]:
    row = await service.update(session, user.id, body, user.locale)
    return ok(SettingsOut.model_validate(row), "Settings updated")
