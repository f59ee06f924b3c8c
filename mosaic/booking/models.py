"""Every booking model, imported once so they all join `Base.metadata` (Alembic, relationships)."""

from mosaic.booking.bookings.models import Booking, BookingStatus
from mosaic.booking.companies.models import Company, CompanyInvitation, CompanyMember
from mosaic.booking.geography.models import City, Country
from mosaic.booking.merchants.models import SquareLocation, SquareToken
from mosaic.booking.messages.models import Message, MessageThread
from mosaic.booking.payouts.models import Payout, PayoutLine
from mosaic.booking.rooms.models import Room, RoomPhoto, RoomPrice
from mosaic.booking.studios.models import (
    Badge,
    Equipment,
    EquipmentType,
    Favourite,
    Studio,
    StudioClosure,
    StudioHours,
    StudioPhoto,
)

__all__ = [
    "Badge",
    "Booking",
    "BookingStatus",
    "City",
    "Company",
    "CompanyInvitation",
    "CompanyMember",
    "Country",
    "Equipment",
    "EquipmentType",
    "Favourite",
    "Message",
    "MessageThread",
    "Payout",
    "PayoutLine",
    "Room",
    "RoomPhoto",
    "RoomPrice",
    "SquareLocation",
    "SquareToken",
    "Studio",
    "StudioClosure",
    "StudioHours",
    "StudioPhoto",
]
