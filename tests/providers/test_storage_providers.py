"""Storage: local disk and S3 (a moto server started here), and avatars through the API."""

from __future__ import annotations

import io
import os
import socket
import struct
import uuid
import zlib
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from PIL import Image

from mosaic.core.errors import PayloadTooLarge
from mosaic.providers.storage import InvalidKey, LocalStorage
from tests.accounts.conftest import new_account

AVATAR = "/api/v1/users/me/avatar"


def png(width: int = 8, height: int = 8, color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def gif(frames: int) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (2, 2), (i % 256, (i * 7) % 256, 0)) for i in range(frames)]
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=10)
    return out.getvalue()


def noisy_png(size: int = 64) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header declares a huge canvas: must be refused before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def stored_files(root: Path, user_id: str) -> list[Path]:
    folder = root / "avatars" / user_id
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


# -- local storage -------------------------------------------------------------------------------
async def test_local_storage_round_trip_and_delete(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    stored = await storage.upload("docs/a.txt", b"hello", content_type="text/plain")
    assert stored.size == 5 and (tmp_path / "docs/a.txt").read_bytes() == b"hello"
    assert await storage.url("docs/a.txt") == "/media/docs/a.txt"
    await storage.delete("docs/a.txt")
    assert not await storage.exists("docs/a.txt")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "a/../../b", "a//b", "a/./b", ".hidden", ""])
async def test_local_storage_refuses_keys_that_could_escape(tmp_path: Path, key: str):
    with pytest.raises(InvalidKey):
        await LocalStorage(tmp_path / "media").upload(key, b"x", content_type="text/plain")
    assert not any(tmp_path.rglob("*.*"))  # noqa: ASYNC240 - a test reading its own tmp dir


async def test_streaming_limit_refuses_and_leaves_nothing(tmp_path: Path):
    async def chunks():
        for _ in range(100):  # bounded: 100 x 1 KiB
            yield b"x" * 1024

    storage = LocalStorage(tmp_path)
    with pytest.raises(PayloadTooLarge):
        await storage.upload(
            "big/file.bin", chunks(), content_type="application/octet-stream", max_bytes=10_000
        )
    assert list((tmp_path / "big").iterdir()) == []


# -- avatars through the API (local storage) -----------------------------------------------------
async def test_avatar_upload_serves_replaces_and_deletes(client: httpx.AsyncClient, settings):
    account = await new_account(client)
    media = Path(settings.MEDIA_ROOT)
    first = await client.post(
        AVATAR, headers=account.headers, files={"file": ("me.png", png(color="red"), "image/png")}
    )
    assert first.status_code == 201, first.text
    url = first.json()["data"]["avatar_url"]
    assert url.startswith(f"/media/avatars/{account.id}/") and url.endswith(".png")
    served = await client.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).size == (8, 8)
    (first_file,) = stored_files(media, account.id)

    # Declared as GIF, named .gif, but it is a PNG: the content decides.
    second = await client.post(
        AVATAR, headers=account.headers, files={"file": ("me.gif", png(color="blue"), "image/gif")}
    )
    assert second.status_code == 201, second.text
    assert second.json()["data"]["avatar_url"].endswith(".png")
    (second_file,) = stored_files(media, account.id)
    assert second_file != first_file and not first_file.exists()

    me = await client.get("/api/v1/users/me", headers=account.headers)
    assert me.json()["data"]["avatar_url"] == second.json()["data"]["avatar_url"]

    removed = await client.delete(AVATAR, headers=account.headers)
    assert removed.status_code == 200
    assert removed.json()["data"]["avatar_url"].startswith("data:image/svg+xml")
    assert stored_files(media, account.id) == []


async def test_media_answers_404_envelopes_for_missing_or_escaping_paths(make_client, tmp_path: Path):
    _, fresh = await make_client(MEDIA_ROOT=str(tmp_path / "not-yet-created"), SEED_ON_STARTUP=False)
    for path in ("/media/none.png", "/media/avatars/../../etc/passwd", "/media/%2e%2e/%2e%2e/etc/passwd"):
        response = await fresh.get(path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_avatar_needs_authentication(client: httpx.AsyncClient):
    response = await client.post(AVATAR, files={"file": ("me.png", png(), "image/png")})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("filename", "content", "status", "code"),
    [
        ("avatar.png", b"<html><script>alert(1)</script></html>", 415, "UNSUPPORTED_IMAGE"),
        ("avatar.jpg", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", 415, "UNSUPPORTED_IMAGE"),
        ("avatar.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', 415, "UNSUPPORTED_IMAGE"),
        ("avatar.png", png()[:40], 415, "UNSUPPORTED_IMAGE"),
        ("cut.png", noisy_png()[:6000], 422, "INVALID_IMAGE"),
        ("medium-bomb.png", png_bomb(5000, 5000), 422, "IMAGE_TOO_LARGE"),
        ("bomb.png", png_bomb(), 422, "IMAGE_TOO_LARGE"),
        ("frames.gif", gif(101), 422, "IMAGE_TOO_LARGE"),
        ("../../etc/passwd.png", png(), 422, "INVALID_FILENAME"),
        ("..\\..\\win.png", png(), 422, "INVALID_FILENAME"),
        ("empty.png", b"", 415, "UNSUPPORTED_IMAGE"),
    ],
)
async def test_bad_avatars_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, settings, filename, content, status, code
):
    account = await new_account(client)
    response = await client.post(
        AVATAR, headers=account.headers, files={"file": (filename, content, "image/png")}
    )
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["data"] is None
    assert stored_files(Path(settings.MEDIA_ROOT), account.id) == []
    me = await client.get("/api/v1/users/me", headers=account.headers)
    assert me.json()["data"]["avatar_url"].startswith("data:image/svg+xml")


async def test_oversize_avatar_is_413_and_nothing_is_stored(client: httpx.AsyncClient, make_client, settings):
    account = await new_account(client)
    _, small = await make_client(MAX_AVATAR_SIZE_MB=1)
    big = png() + b"\x00" * (1024 * 1024)  # a valid PNG followed by padding: over 1 MB
    response = await small.post(
        AVATAR, headers=account.headers, files={"file": ("big.png", big, "image/png")}
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert stored_files(Path(settings.MEDIA_ROOT), account.id) == []


async def test_an_animated_gif_under_the_caps_is_accepted(client: httpx.AsyncClient):
    account = await new_account(client)
    response = await client.post(
        AVATAR, headers=account.headers, files={"file": ("a.gif", gif(5), "image/gif")}
    )
    assert response.status_code == 201, response.text
    served = await client.get(response.json()["data"]["avatar_url"])
    assert getattr(Image.open(io.BytesIO(served.content)), "n_frames", 1) == 5


# -- S3 through a moto server ------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_endpoint):
    name = f"mosaic-test-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=name)
    return s3, name


async def test_s3_avatar_is_stored_presigned_and_deleted(client, make_client, moto_endpoint, bucket):
    s3, name = bucket
    account = await new_account(client)
    _, s3_client = await make_client(
        STORAGE_PROVIDER="s3",
        AWS_S3_BUCKET_NAME=name,
        AWS_S3_ENDPOINT_URL=moto_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    response = await s3_client.post(
        AVATAR, headers=account.headers, files={"file": ("me.png", png(16, 16), "image/png")}
    )
    assert response.status_code == 201, response.text
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=name).get("Contents", [])]
    (key,) = keys
    assert key.startswith(f"avatars/{account.id}/") and key.endswith(".png")
    head = s3.head_object(Bucket=name, Key=key)
    assert head["ContentType"] == "image/png"

    url = response.json()["data"]["avatar_url"]
    assert url.startswith(moto_endpoint) and "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url
    async with httpx.AsyncClient() as outside:
        downloaded = await outside.get(url)
    assert downloaded.status_code == 200
    assert Image.open(io.BytesIO(downloaded.content)).size == (16, 16)

    removed = await s3_client.delete(AVATAR, headers=account.headers)
    assert removed.status_code == 200
    with pytest.raises(ClientError):
        s3.head_object(Bucket=name, Key=key)
