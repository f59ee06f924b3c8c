"""Countries (ISO 3166, seeded from pycountry) and cities (admin-managed, public read)."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, synonym

from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey, unique_among_live


class Country(Base):
    """Keyed by the ISO 3166-1 alpha-2 code: it is stable, short and what clients send."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    alpha3: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    # The repository's conventions (`get`, the stable sort tiebreak) address rows by `id`.
    id: Mapped[str] = synonym("code")


class City(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "cities"
    __table_args__ = (unique_among_live("uq_cities_name_country_live", "country_code", "name"),)

    name: Mapped[str] = mapped_column(String(100), index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
