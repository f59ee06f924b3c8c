"""File storage: `local` disk under `MEDIA_ROOT` (served at `/media`) or `s3` (any S3-compatible store).

One small port: `upload` (streamed, with a byte limit enforced while reading, so an oversize
body is refused without ever being held whole), `delete`, and `url` (a presigned GET URL on S3,
the `/media` path on local disk). Keys are built by the caller from server-side values only
(`avatars/{user_id}/{timestamp}_{uuid}.{ext}`) and are checked again here, so no client-supplied
name can climb out of the media root or the bucket prefix.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any, Protocol

from fastapi import Depends, Request

from mosaic.core.config import Settings
from mosaic.core.errors import PayloadTooLarge

logger = logging.getLogger("mosaic.storage")

MEDIA_URL_PREFIX = "/media"
PRESIGNED_URL_SECONDS = 3600
_CHUNK = 64 * 1024
_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")

Source = bytes | AsyncIterable[bytes]


class InvalidKey(ValueError):
    """A storage key with a path segment that could escape its folder."""


def check_key(key: str) -> str:
    if len(key) > 512 or not _SAFE_KEY.match(key) or any(part in ("..", ".") for part in key.split("/")):
        raise InvalidKey("invalid storage key")
    return key


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size: int
    content_type: str


class StorageProvider(Protocol):
    async def upload(
        self, key: str, source: Source, *, content_type: str, max_bytes: int | None = None
    ) -> StoredFile: ...

    async def delete(self, key: str) -> None: ...

    async def url(self, key: str, expires_in: int = PRESIGNED_URL_SECONDS) -> str: ...

    async def exists(self, key: str) -> bool: ...


async def _chunks(source: Source) -> AsyncIterable[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), _CHUNK):
            yield source[start : start + _CHUNK]
        return
    async for chunk in source:
        yield chunk


async def spool(source: Source, max_bytes: int | None, target: IO[bytes]) -> int:
    """Copy `source` into `target`, refusing with 413 as soon as it passes `max_bytes`."""
    size = 0
    async for chunk in _chunks(source):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise PayloadTooLarge(f"File is larger than {max_bytes} bytes")
        await asyncio.to_thread(target.write, chunk)
    return size


class LocalStorage:
    def __init__(self, root: Path, url_prefix: str = MEDIA_URL_PREFIX) -> None:
        self.root = root.resolve()
        # Created up front: the `/media` static mount refuses to serve from a missing folder.
        self.root.mkdir(parents=True, exist_ok=True)
        self.url_prefix = url_prefix.rstrip("/")

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKey("invalid storage key")
        return path

    async def upload(
        self, key: str, source: Source, *, content_type: str, max_bytes: int | None = None
    ) -> StoredFile:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed on success
            dir=path.parent, prefix=".upload-", delete=False
        )
        try:
            with handle:
                size = await spool(source, max_bytes, handle)
            os.replace(handle.name, path)
        except BaseException:
            await asyncio.to_thread(Path(handle.name).unlink, missing_ok=True)
            raise
        logger.info("stored %s (%d bytes)", key, size)
        return StoredFile(key, size, content_type)

    async def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    async def url(self, key: str, expires_in: int = PRESIGNED_URL_SECONDS) -> str:
        """Local media is served as static files: the URL does not expire."""
        return f"{self.url_prefix}/{check_key(key)}"

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class S3Storage:
    """boto3 in a worker thread (its calls block); objects are private, read through presigned URLs."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        if not settings.AWS_S3_BUCKET_NAME:
            raise ValueError("STORAGE_PROVIDER=s3 needs AWS_S3_BUCKET_NAME")
        self.bucket = settings.AWS_S3_BUCKET_NAME
        self.client = client or self._client(settings)

    @staticmethod
    def _client(settings: Settings) -> Any:
        import boto3
        from botocore.config import Config

        secret = settings.AWS_SECRET_ACCESS_KEY.get_secret_value() if settings.AWS_SECRET_ACCESS_KEY else None
        return boto3.client(
            "s3",
            region_name=settings.AWS_REGION,
            endpoint_url=settings.AWS_S3_ENDPOINT_URL,
            aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
            aws_secret_access_key=secret,
            config=Config(
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    async def upload(
        self, key: str, source: Source, *, content_type: str, max_bytes: int | None = None
    ) -> StoredFile:
        check_key(key)
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
            size = await spool(source, max_bytes, buffer)
            buffer.seek(0)
            await asyncio.to_thread(
                self.client.upload_fileobj,
                buffer,
                self.bucket,
                key,
                ExtraArgs={
                    "ContentType": content_type,
                    # Served as a download of the detected type, never sniffed into HTML.
                    "ContentDisposition": "inline",
                    "CacheControl": "private, max-age=3600",
                },
            )
        logger.info("stored s3://%s/%s (%d bytes)", self.bucket, key, size)
        return StoredFile(key, size, content_type)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=check_key(key))

    async def url(self, key: str, expires_in: int = PRESIGNED_URL_SECONDS) -> str:
        url: str = await asyncio.to_thread(
            self.client.generate_presigned_url,
            "get_object",
            Params={"Bucket": self.bucket, "Key": check_key(key)},
            ExpiresIn=min(expires_in, PRESIGNED_URL_SECONDS),
        )
        return url

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def build_storage(settings: Settings) -> StorageProvider:
    if settings.STORAGE_PROVIDER == "s3":
        return S3Storage(settings)
    return LocalStorage(settings.MEDIA_ROOT)


async def get_storage(request: Request) -> StorageProvider:
    storage: StorageProvider = request.app.state.storage
    return storage


StorageDep = Annotated[StorageProvider, Depends(get_storage)]
