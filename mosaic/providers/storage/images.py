"""Image uploads: what the bytes are, never what the client says they are.

The format is detected by Pillow limited to the allowed formats (JPEG, PNG, GIF); the declared
content type and the file name play no part. Dimensions are read from the header and checked
against a pixel cap *before* anything is decoded, so a 100 KB PNG that declares 30000x30000
pixels is refused without allocating gigabytes; animated images are capped in frames. The image
is then fully decoded once (truncated or corrupt files fail here) and re-encoded, which drops
EXIF (GPS) metadata and anything appended to the file (polyglots).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageSequence, UnidentifiedImageError

from mosaic.core.errors import InvalidInput, UnsupportedMediaType

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
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        rgb.save(out, "JPEG", quality=90)
    else:
        image.save(out, fmt)
    return out.getvalue()


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
