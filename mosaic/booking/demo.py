"""A small, realistic demo marketplace (`mosaic seed --demo`) and the same generator at scale for
the bench (10,000 studios, 30,000 rooms).

Deterministic for a given `seed`: real cities with their coordinates and zones, studios scattered
within a few km of each city centre, weekly hours (some crossing midnight), rooms with 1h/3h/8h
tiers, equipment and badges from the catalogues, and, for the demo, photos drawn with Pillow and
stored through the storage provider like an upload. Rows are inserted in bulk (the bench needs
speed); the studios' search columns (cheapest hourly price, largest capacity) are set here the
way the room service sets them.
"""

from __future__ import annotations

import io
import logging
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.users.models import User
from mosaic.accounts.users.service import create_user
from mosaic.booking.companies.models import Company, CompanyMember
from mosaic.booking.geography.models import City
from mosaic.booking.rooms.models import Room, RoomPrice
from mosaic.booking.rooms.pricing import cheapest_hourly
from mosaic.booking.studios.models import (
    Badge,
    Equipment,
    EquipmentType,
    Studio,
    StudioHours,
    StudioPhoto,
    studio_badges,
)
from mosaic.core.database import utcnow
from mosaic.core.security import hash_password
from mosaic.providers.storage import StorageProvider
from mosaic.providers.storage.images import thumbnail

logger = logging.getLogger("mosaic.booking.demo")

DEMO_OWNER_EMAIL = "demo-owner@example.com"
DEMO_OWNER_PASSWORD = "Demo-Owner-Passw0rd"  # a demo account on a development database only
DEMO_SLUG_PREFIX = "demo-"

CITIES = [
    ("Lisbon", "PT", "Europe/Lisbon", 38.7223, -9.1393, "EUR"),
    ("Porto", "PT", "Europe/Lisbon", 41.1579, -8.6291, "EUR"),
    ("Madrid", "ES", "Europe/Madrid", 40.4168, -3.7038, "EUR"),
    ("Barcelona", "ES", "Europe/Madrid", 41.3874, 2.1686, "EUR"),
    ("Berlin", "DE", "Europe/Berlin", 52.5200, 13.4050, "EUR"),
    ("London", "GB", "Europe/London", 51.5072, -0.1276, "GBP"),
    ("New York", "US", "America/New_York", 40.7128, -74.0060, "USD"),
    ("Mexico City", "MX", "America/Mexico_City", 19.4326, -99.1332, "MXN"),
]
EQUIPMENT = ["Microphone", "Guitar amplifier", "Drum kit", "Mixing desk", "Studio monitors", "Piano"]
BADGES = [
    ("WiFi", "wifi"),
    ("Parking", "parking"),
    ("Air conditioning", "ac"),
    ("Step-free access", "access"),
]
ADJECTIVES = [
    "Blue",
    "Red",
    "Golden",
    "Silent",
    "Electric",
    "Velvet",
    "Northern",
    "Harbour",
    "Analog",
    "Echo",
]
NOUNS = ["Room", "Studios", "Rehearsal Space", "Sound Lab", "Loft", "Garage", "Booth", "Hall"]
TIERS = ((1, Decimal("1")), (3, Decimal("2.6")), (8, Decimal("6")))  # multiples of the base rate


@dataclass
class Generated:
    companies: int = 0
    studios: int = 0
    rooms: int = 0
    photos: int = 0


async def _catalogue(session: AsyncSession) -> tuple[list[City], list[EquipmentType], list[Badge]]:
    cities = []
    for name, country, zone, lat, lng, _ in CITIES:
        city = (
            await session.execute(
                select(City).where(
                    City.name == name, City.country_code == country, City.is_deleted.is_(False)
                )
            )
        ).scalar_one_or_none()
        if city is None:
            city = City(name=name, country_code=country, timezone=zone, lat=lat, lng=lng)
            session.add(city)
        cities.append(city)
    kinds = []
    for name in EQUIPMENT:
        kind = (
            await session.execute(
                select(EquipmentType).where(EquipmentType.name == name, EquipmentType.is_deleted.is_(False))
            )
        ).scalar_one_or_none()
        if kind is None:
            kind = EquipmentType(name=name)
            session.add(kind)
        kinds.append(kind)
    badges = []
    for name, icon in BADGES:
        badge = (
            await session.execute(select(Badge).where(Badge.name == name, Badge.is_deleted.is_(False)))
        ).scalar_one_or_none()
        if badge is None:
            badge = Badge(name=name, icon=icon)
            session.add(badge)
        badges.append(badge)
    await session.flush()
    return cities, kinds, badges


def _hours(rng: random.Random, studio_id: uuid.UUID) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    late = rng.random() < 0.3
    for weekday in range(7):
        if weekday == 6 and rng.random() < 0.5:
            continue  # closed on Sundays
        if weekday == 5 and rng.random() < 0.2:
            rows.append({"studio_id": studio_id, "weekday": weekday, "mode": "24h", "intervals": []})
            continue
        close = "02:00" if late and weekday >= 4 else "22:00"
        rows.append(
            {
                "studio_id": studio_id,
                "weekday": weekday,
                "mode": "open",
                "intervals": [{"open": "10:00", "close": close}],
            }
        )
    return rows


def _picture(rng: random.Random, label: str) -> bytes:
    image = Image.new("RGB", (1200, 800), tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(0, 1100), rng.randrange(0, 700)
        draw.rectangle(
            (x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 200)),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    draw.text((40, 40), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


async def generate(
    session: AsyncSession,
    owner_ids: list[uuid.UUID],
    *,
    studios: int,
    rooms_per_studio: int = 3,
    studios_per_company: int = 5,
    seed: int = 12,
    storage: StorageProvider | None = None,
) -> Generated:
    """Insert `studios` published studios (and their companies, hours, rooms, tiers, equipment,
    badges; photos when `storage` is given), owned in turn by `owner_ids`."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    cities, kinds, badges = await _catalogue(session)
    currency = {name: code for name, *_, code in CITIES}
    result = Generated()
    now = utcnow()
    companies: list[dict[str, object]] = []
    members: list[dict[str, object]] = []
    studio_rows: list[dict[str, object]] = []
    hours: list[dict[str, object]] = []
    rooms: list[dict[str, object]] = []
    prices: list[dict[str, object]] = []
    equipment: list[dict[str, object]] = []
    badge_rows: list[dict[str, object]] = []
    tag = uuid.uuid4().hex[:6]
    company_id = uuid.uuid4()
    for index in range(studios):
        if index % studios_per_company == 0:
            company_id = uuid.uuid4()
            owner = owner_ids[(index // studios_per_company) % len(owner_ids)]
            companies.append(
                {
                    "id": company_id,
                    "name": f"{rng.choice(ADJECTIVES)} Music Co {index // studios_per_company + 1}",
                    "slug": f"{DEMO_SLUG_PREFIX}co-{tag}-{index // studios_per_company + 1}",
                    "created_by": owner,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            members.append(
                {
                    "id": uuid.uuid4(),
                    "company_id": company_id,
                    "user_id": owner,
                    "role": "owner",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        city = cities[index % len(cities)]
        studio_id = uuid.uuid4()
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {city.name}"
        base = Decimal(rng.randrange(15, 60))
        room_tiers = []
        capacity_max = 0
        for room_index in range(rooms_per_studio):
            room_id = uuid.uuid4()
            capacity = rng.choice((2, 4, 6, 8, 12, 20))
            capacity_max = max(capacity_max, capacity)
            rate = base + Decimal(room_index * 5)
            tiers = [(h, (rate * factor).quantize(Decimal("0.01"))) for h, factor in TIERS]
            room_tiers.append(cheapest_hourly(tiers))
            rooms.append(
                {
                    "id": room_id,
                    "studio_id": studio_id,
                    "name": f"Room {chr(65 + room_index)}",
                    "description": "Treated live room with PA.",
                    "capacity": capacity,
                    "min_hours": 1,
                    "max_hours": 12,
                    "buffer_minutes": rng.choice((0, 15, 30)),
                    "slot_step_minutes": rng.choice((30, 60)),
                    "min_hourly_price": cheapest_hourly(tiers),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            prices.extend({"id": uuid.uuid4(), "room_id": room_id, "hours": h, "price": p} for h, p in tiers)
        studio_rows.append({
            "id": studio_id, "company_id": company_id, "name": name,
            "slug": f"{DEMO_SLUG_PREFIX}{tag}-{index + 1}",
            "description": f"{name}: rehearsal and recording rooms in {city.name}, backline included.",
            "street": f"Rua {rng.randrange(1, 300)}", "city_id": city.id, "country_code": city.country_code,
            "lat": city.lat + rng.uniform(-0.08, 0.08), "lng": city.lng + rng.uniform(-0.08, 0.08),
            "timezone": city.timezone, "currency": currency[city.name], "is_published": True,
            "min_hourly_price": min(p for p in room_tiers if p is not None), "max_capacity": capacity_max,
            "created_at": now, "updated_at": now,
        })  # fmt: skip
        hours.extend(_hours(rng, studio_id))
        for kind in rng.sample(kinds, rng.randrange(1, 4)):
            equipment.append(
                {
                    "id": uuid.uuid4(),
                    "studio_id": studio_id,
                    "equipment_type_id": kind.id,
                    "name": kind.name,
                    "quantity": rng.randrange(1, 5),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        badge_rows.extend(
            {"studio_id": studio_id, "badge_id": badge.id}
            for badge in rng.sample(badges, rng.randrange(0, 3))
        )
    for model, rows in (
        (Company, companies),
        (CompanyMember, members),
        (Studio, studio_rows),
        (StudioHours, hours),
        (Room, rooms),
        (RoomPrice, prices),
        (Equipment, equipment),
    ):
        for start in range(0, len(rows), 2000):
            await session.execute(insert(model), rows[start : start + 2000])
    if badge_rows:
        await session.execute(insert(studio_badges), badge_rows)
    result.companies, result.studios, result.rooms = len(companies), len(studio_rows), len(rooms)
    if storage is not None:
        for row in studio_rows:
            for photo_index in range(2):
                photo_id = uuid.uuid4()
                data = _picture(rng, str(row["name"]))
                base_key = f"studios/{row['id']}/photos/{photo_id.hex}"
                await storage.upload(f"{base_key}.jpg", data, content_type="image/jpeg")
                thumb, _, _ = thumbnail(data)
                await storage.upload(f"{base_key}.thumb.jpg", thumb, content_type="image/jpeg")
                session.add(
                    StudioPhoto(
                        id=photo_id,
                        studio_id=row["id"],
                        key=f"{base_key}.jpg",
                        thumbnail_key=f"{base_key}.thumb.jpg",
                        width=1200,
                        height=800,
                        index=photo_index,
                    )
                )
                result.photos += 1
    await session.flush()
    logger.info("generated %d studios, %d rooms, %d photos", result.studios, result.rooms, result.photos)
    return result


async def seed_demo(session: AsyncSession, storage: StorageProvider) -> Generated | None:
    """The demo marketplace, once: a demo studio owner and 24 studios in 8 cities (None if present)."""
    owner = (await session.execute(select(User).where(User.email == DEMO_OWNER_EMAIL))).scalar_one_or_none()
    if owner is not None:
        return None
    owner = await create_user(
        session, email=DEMO_OWNER_EMAIL, password_hash=await hash_password(DEMO_OWNER_PASSWORD),
        first_name="Demo", last_name="Owner", role_name="studio_owner", is_verified=True,
    )  # fmt: skip
    return await generate(
        session, [owner.id], studios=24, rooms_per_studio=2, studios_per_company=6, storage=storage
    )
