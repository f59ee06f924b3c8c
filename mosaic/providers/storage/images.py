"""Image uploads: what the bytes are, never what the client says they are.

The format is detected by Pillow limited to the allowed formats (JPEG, PNG, GIF); the declared
content type and the file name play no part. Dimensions are read from the header and checked
against a pixel cap *before* anything is decoded, so a 100 KB PNG that declares 30000x30000
pixels is refused without allocating gigabytes; animated images are capped in frames. The image
is then fully decoded once (truncated or corrupt files fail here) and re-encoded, which drops
EXIF (GPS) metadata and anything appended to the file (polyglots).

`store_image` is the one pipeline every upload goes through (avatars, studio and room photos,
company logos): read with a byte cap, checked and re-encoded as above (the EXIF orientation is
applied to the pixels first, then every metadata block is dropped), an optional JPEG thumbnail,
both stored at keys the caller builds from server-side ids (`<base>.<ext>`, `<base>.thumb.jpg`).
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from mosaic.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

if TYPE_CHECKING:
    from fastapi import UploadFile

    from mosaic.providers.storage import StorageProvider

# Caps against decompression bombs: the total decoded pixels (all frames) and the frame count.
MAX_IMAGE_PIXELS = 4096 * 4096
MAX_IMAGE_FRAMES = 100
THUMBNAIL_SIZE = 400
_READ_CHUNK = 64 * 1024

FORMATS_BY_TYPE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}


@dataclass(frozen=True, slots=True)
class CheckedImage:
    data: bytes
    format: str
    width: int
    height: int
    frames: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def _formats(allowed_types: list[str]) -> list[str]:
    formats = [FORMATS_BY_TYPE[t] for t in allowed_types if t in FORMATS_BY_TYPE]
    return formats or list(EXTENSIONS)


def _reencode(image: Image.Image, fmt: str, frames: int) -> bytes:
    out = io.BytesIO()
    if fmt == "GIF" and frames > 1:
        sequence = [frame.copy() for frame in ImageSequence.Iterator(image)]
        sequence[0].save(
            out, "GIF", save_all=True, append_images=sequence[1:], loop=image.info.get("loop", 0),
            duration=image.info.get("duration", 100),
        )  # fmt: skip
    elif fmt == "JPEG":
        upright = ImageOps.exif_transpose(image)  # the pixels keep the orientation EXIF carried
        rgb = upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
        rgb.info.clear()
        rgb.save(out, "JPEG", quality=90, exif=b"")
    else:
        image.info.pop("exif", None)
        image.save(out, fmt)
    return out.getvalue()


def thumbnail(data: bytes, size: int = THUMBNAIL_SIZE) -> tuple[bytes, int, int]:
    """A JPEG at most `size` pixels on its longer side, from an image `check_image` already passed."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail((size, size))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=85)
        return out.getvalue(), small.width, small.height


def check_image(data: bytes, *, allowed_types: list[str], max_pixels: int, max_frames: int) -> CheckedImage:
    formats = _formats(allowed_types)
    with warnings.catch_warnings():
        # Pillow only *warns* between its default cap and twice that: make it an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidInput(
                f"Image is too large: at most {max_pixels} pixels", code="IMAGE_TOO_LARGE"
            ) from exc
        except UnidentifiedImageError as exc:
            raise UnsupportedMediaType(
                "File is not an allowed image (" + ", ".join(formats) + ")", code="UNSUPPORTED_IMAGE"
            ) from exc
        except OSError as exc:
            raise InvalidInput("Image is corrupt", code="INVALID_IMAGE") from exc
        with image:
            fmt = image.format or ""
            width, height = image.size
            if fmt not in formats:
                raise UnsupportedMediaType("File is not an allowed image", code="UNSUPPORTED_IMAGE")
            if width <= 0 or height <= 0 or width * height > max_pixels:
                raise InvalidInput(f"Image is too large: at most {max_pixels} pixels", code="IMAGE_TOO_LARGE")
            frames = int(getattr(image, "n_frames", 1))
            if frames > max_frames:
                raise InvalidInput(f"Image has more than {max_frames} frames", code="IMAGE_TOO_LARGE")
            if width * height * frames > max_pixels:  # every frame gets decoded: cap the total
                raise InvalidInput(
                    f"Animation is too large: at most {max_pixels} pixels in all", code="IMAGE_TOO_LARGE"
                )
            try:
                image.load()
                clean = _reencode(image, fmt, frames)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                raise InvalidInput("Image is corrupt", code="INVALID_IMAGE") from exc
    return CheckedImage(clean, fmt, width, height, frames)


async def read_upload(upload: UploadFile, max_bytes: int, *, what: str = "File") -> bytes:
    """The upload's bytes, refused with 413 as soon as they pass `max_bytes` (chunked, bounded)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await upload.read(_READ_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"{what} is larger than {max_bytes // (1024 * 1024)} MB")
        chunks.append(chunk)
    if size == 0:  # no bytes are no image: the same answer as any other non-image content
        raise UnsupportedMediaType("The file is empty", code="UNSUPPORTED_IMAGE")
    return b"".join(chunks)


def check_filename(upload: UploadFile) -> None:
    """The name is never used for storage; a name like these is an attack, refused outright."""
    name = upload.filename or ""
    if any(mark in name for mark in ("/", "\\", "\x00", "..")) or len(name) > 255:
        raise InvalidInput("Invalid file name", code="INVALID_FILENAME")


@dataclass(frozen=True, slots=True)
class StoredImage:
    key: str
    thumbnail_key: str | None
    width: int
    height: int
    content_type: str


async def store_image(
    storage: StorageProvider,
    upload: UploadFile,
    *,
    base_key: str,
    max_bytes: int,
    allowed_types: list[str],
    with_thumbnail: bool = True,
    what: str = "Image",
) -> StoredImage:
    """Read, check, re-encode and store one uploaded image (and its thumbnail) under `base_key`."""
    check_filename(upload)
    data = await read_upload(upload, max_bytes, what=what)
    image = await asyncio.to_thread(
        check_image,
        data,
        allowed_types=allowed_types,
        max_pixels=MAX_IMAGE_PIXELS,
        max_frames=MAX_IMAGE_FRAMES,
    )
    key = f"{base_key}.{image.extension}"
    await storage.upload(key, image.data, content_type=image.content_type)
    thumb_key = None
    if with_thumbnail:
        thumb, _, _ = await asyncio.to_thread(thumbnail, image.data)
        thumb_key = f"{base_key}.thumb.jpg"
        await storage.upload(thumb_key, thumb, content_type="image/jpeg")
    return StoredImage(key, thumb_key, image.width, image.height, image.content_type)
