"""Ordered photo galleries (studios and rooms share the rules): upload through the shared image
pipeline, list in `index` order, reorder as a whole, delete (the files go after the commit)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import UploadFile
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.studios.schemas import PhotoOut
from mosaic.core.config import Settings
from mosaic.core.database import on_commit
from mosaic.core.errors import Conflict, InvalidInput, NotFound
from mosaic.providers.storage import StorageProvider
from mosaic.providers.storage.images import store_image

Photos = list[Any]


class Gallery:
    """The photos of one parent row: `model` has `parent_column` pointing at it."""

    def __init__(
        self, session: AsyncSession, model: Any, parent_column: str, parent_id: uuid.UUID, folder: str
    ):
        self.session = session
        self.model = model
        self.parent = getattr(model, parent_column)
        self.parent_column = parent_column
        self.parent_id = parent_id
        self.folder = folder  # e.g. "studios/<id>/photos"

    async def list(self) -> Photos:
        statement = (
            select(self.model).where(self.parent == self.parent_id).order_by(self.model.index, self.model.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def add(self, storage: StorageProvider, settings: Settings, upload: UploadFile) -> Any:
        count = (
            await self.session.execute(
                select(func.count()).select_from(self.model).where(self.parent == self.parent_id)
            )
        ).scalar_one()
        if count >= settings.BOOKING_MAX_PHOTOS:
            raise Conflict(f"At most {settings.BOOKING_MAX_PHOTOS} photos", code="TOO_MANY_PHOTOS")
        photo_id = uuid.uuid4()
        stored = await store_image(
            storage,
            upload,
            base_key=f"{self.folder}/{photo_id.hex}",
            max_bytes=settings.BOOKING_MAX_PHOTO_SIZE_MB * 1024 * 1024,
            allowed_types=settings.ALLOWED_AVATAR_TYPES,
            what="Photo",
        )
        assert stored.thumbnail_key is not None
        photo = self.model(
            id=photo_id,
            key=stored.key,
            thumbnail_key=stored.thumbnail_key,
            width=stored.width,
            height=stored.height,
            index=count,
            **{self.parent_column: self.parent_id},
        )
        self.session.add(photo)
        await self.session.flush()
        return photo

    async def reorder(self, photo_ids: Sequence[uuid.UUID]) -> Photos:
        photos = {photo.id: photo for photo in await self.list()}
        if len(photo_ids) != len(set(photo_ids)) or set(photo_ids) != set(photos):
            raise InvalidInput(
                "photo_ids must list every photo exactly once",
                details=[
                    {
                        "field": "photo_ids",
                        "location": "body",
                        "message": f"expected each of the {len(photos)} photo ids once",
                        "type": "value_error",
                    }
                ],
            )
        for index, ordered_id in enumerate(photo_ids):
            photos[ordered_id].index = index
        await self.session.flush()
        return await self.list()

    async def delete(self, storage: StorageProvider, photo_id: uuid.UUID) -> None:
        photo = (
            await self.session.execute(
                select(self.model).where(self.model.id == photo_id, self.parent == self.parent_id)
            )
        ).scalar_one_or_none()
        if photo is None:
            raise NotFound("Photo not found")
        keys = [photo.key, photo.thumbnail_key]
        await self.session.delete(photo)
        await self.session.flush()
        for rest_index, rest in enumerate(await self.list()):  # keep indexes dense: 0..n-1
            rest.index = rest_index
        await self.session.flush()

        async def remove_files() -> None:
            for key in keys:
                await storage.delete(key)

        on_commit(self.session, remove_files)


async def photo_out(photo: Any, storage: StorageProvider) -> PhotoOut:
    return PhotoOut(
        id=photo.id,
        url=await storage.url(photo.key),
        thumbnail_url=await storage.url(photo.thumbnail_key),
        width=photo.width,
        height=photo.height,
        index=photo.index,
    )


async def photos_out(photos: list[Any], storage: StorageProvider) -> list[PhotoOut]:
    return [await photo_out(photo, storage) for photo in photos]
