"""Photos through the shared image pipeline: fakes and bombs refused, GPS EXIF gone, thumbnails,
ordered galleries with a reorder endpoint, company logos, and the avatar on the same pipeline."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.accounts.conftest import Account
from tests.booking.conftest import API, create_room, data
from tests.providers.test_storage_providers import gif, png, png_bomb

GPS_IFD = 0x8825


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    """A JPEG carrying a GPS position (Lisbon) and a camera model in its EXIF."""
    image = Image.new("RGB", (width, height), "blue")
    exif = Image.Exif()
    exif[0x0110] = "Spy Camera 3000"  # Model
    exif[GPS_IFD] = {1: "N", 2: (38.0, 42.0, 0.0), 3: "W", 4: (9.0, 8.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data_ = out.getvalue()
    assert Image.open(io.BytesIO(data_)).getexif().get_ifd(GPS_IFD)  # the fixture really has GPS
    return data_


def stored(settings, url: str) -> Path:
    return Path(settings.MEDIA_ROOT) / url.removeprefix("/media/")


async def upload(
    client: httpx.AsyncClient, path: str, account: Account, name: str, content: bytes
) -> httpx.Response:
    return await client.post(
        f"{API}{path}", headers=account.headers, files={"file": (name, content, "image/jpeg")}
    )


async def test_a_studio_photo_is_stored_without_gps_and_with_a_thumbnail(
    client: httpx.AsyncClient, settings, owner: Account, studio
):
    photo = data(
        await upload(client, f"/studios/{studio['id']}/photos", owner, "p.jpg", jpeg_with_gps(1200, 800)), 201
    )
    assert photo["url"].startswith(f"/media/studios/{studio['id']}/photos/") and photo["url"].endswith(".jpg")
    assert (photo["width"], photo["height"], photo["index"]) == (1200, 800, 0)
    with Image.open(stored(settings, photo["url"])) as image:
        exif = image.getexif()
        assert image.format == "JPEG" and not exif.get_ifd(GPS_IFD) and 0x0110 not in exif
        assert "exif" not in image.info
    with Image.open(stored(settings, photo["thumbnail_url"])) as thumb:
        assert max(thumb.size) == 400 and not thumb.getexif().get_ifd(GPS_IFD)
    assert [p["id"] for p in data(await client.get(f"{API}/studios/{studio['id']}/photos"))] == [photo["id"]]


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("fake.jpg", b"<html><script>alert(1)</script></html>", 415, "UNSUPPORTED_IMAGE"),
        ("fake.jpg", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", 415, "UNSUPPORTED_IMAGE"),
        ("bomb.png", png_bomb(), 422, "IMAGE_TOO_LARGE"),
        ("frames.gif", gif(101), 422, "IMAGE_TOO_LARGE"),
        ("../x.png", png(), 422, "INVALID_FILENAME"),
        ("empty.png", b"", 415, "UNSUPPORTED_IMAGE"),
    ],
)
async def test_fakes_and_bombs_are_refused_for_rooms_and_studios(
    client: httpx.AsyncClient, settings, owner: Account, studio, name, content, status, code
):
    room = await create_room(client, owner, studio["id"])
    for path in (f"/studios/{studio['id']}/photos", f"/rooms/{room['id']}/photos"):
        response = await upload(client, path, owner, name, content)
        assert response.status_code == status and response.json()["error"]["code"] == code, path
    assert not (Path(settings.MEDIA_ROOT) / "rooms" / room["id"]).exists()
    assert data(await client.get(f"{API}/rooms/{room['id']}"))["photos"] == []


async def test_room_photos_are_ordered_and_reordered(
    client: httpx.AsyncClient, settings, owner: Account, customer: Account, studio
):
    room = await create_room(client, owner, studio["id"])
    ids = [
        data(await upload(client, f"/rooms/{room['id']}/photos", owner, f"{i}.png", png(color=c)), 201)["id"]
        for i, c in enumerate(("red", "green", "blue"))
    ]
    assert [p["id"] for p in data(await client.get(f"{API}/rooms/{room['id']}"))["photos"]] == ids
    new_order = [ids[2], ids[0], ids[1]]
    reordered = data(
        await client.put(
            f"{API}/rooms/{room['id']}/photos/order", json={"photo_ids": new_order}, headers=owner.headers
        )
    )
    assert [(p["id"], p["index"]) for p in reordered] == [(pid, i) for i, pid in enumerate(new_order)]
    for bad in ([ids[0], ids[1]], [ids[0], ids[0], ids[1]], [*ids, "00000000-0000-0000-0000-000000000003"]):
        response = await client.put(
            f"{API}/rooms/{room['id']}/photos/order", json={"photo_ids": bad}, headers=owner.headers
        )
        assert response.status_code == 422
    assert (
        await client.put(
            f"{API}/rooms/{room['id']}/photos/order", json={"photo_ids": new_order}, headers=customer.headers
        )
    ).status_code == 404
    removed = data(await client.get(f"{API}/rooms/{room['id']}"))["photos"][0]
    assert (
        await client.delete(f"{API}/rooms/{room['id']}/photos/{removed['id']}", headers=owner.headers)
    ).status_code == 200
    left = data(await client.get(f"{API}/rooms/{room['id']}"))["photos"]
    assert [(p["id"], p["index"]) for p in left] == [(ids[0], 0), (ids[1], 1)]
    assert (
        not stored(settings, removed["url"]).exists()
        and not stored(settings, removed["thumbnail_url"]).exists()
    )


async def test_a_company_logo_and_the_avatar_use_the_same_pipeline(
    client: httpx.AsyncClient, settings, owner: Account, company
):
    logo = data(
        await upload(client, f"/companies/{company['id']}/logo", owner, "logo.jpg", jpeg_with_gps()), 201
    )
    assert logo["url"].startswith(f"/media/companies/{company['id']}/logo-")
    with Image.open(stored(settings, logo["url"])) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
    assert (
        data(await client.get(f"{API}/companies/{company['id']}", headers=owner.headers))["logo_url"]
        == logo["url"]
    )
    avatar = await client.post(
        f"{API}/users/me/avatar",
        headers=owner.headers,
        files={"file": ("a.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    with Image.open(stored(settings, avatar.json()["data"]["avatar_url"])) as image:
        assert image.format == "JPEG" and not image.getexif().get_ifd(GPS_IFD)
