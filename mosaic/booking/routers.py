"""Every booking router, in mount order (fixed paths before parameterised ones)."""

from fastapi import APIRouter

from mosaic.booking.bookings.router import availability_router, studio_bookings_router
from mosaic.booking.bookings.router import router as bookings_router
from mosaic.booking.catalogues.router import badges_router, equipment_types_router
from mosaic.booking.companies.router import router as companies_router
from mosaic.booking.companies.router import teams_router
from mosaic.booking.geography.router import cities_router, countries_router
from mosaic.booking.merchants.router import router as merchants_router
from mosaic.booking.messages.router import router as messages_router
from mosaic.booking.moderation.router import router as moderation_router
from mosaic.booking.payouts.router import router as payouts_router
from mosaic.booking.rooms.router import router as rooms_router
from mosaic.booking.rooms.router import studio_rooms_router
from mosaic.booking.studios.router import company_studios_router, favourites_router
from mosaic.booking.studios.router import router as studios_router

ROUTERS: tuple[APIRouter, ...] = (
    countries_router,
    cities_router,
    equipment_types_router,
    badges_router,
    teams_router,
    companies_router,
    company_studios_router,
    favourites_router,
    studios_router,
    studio_rooms_router,
    rooms_router,
    availability_router,
    bookings_router,
    studio_bookings_router,
    messages_router,
    moderation_router,
    merchants_router,
    payouts_router,
)
