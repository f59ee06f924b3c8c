"""Booking, part one: the studio marketplace (seed 002) — geography, companies and their teams,
studios, rooms and price tiers, public search, messages.

Permission model: the domain's permissions guard administration only (catalogues, moderation).
What a company's team may do is decided by its company role (owner > manager > staff) through
one dependency, `require_company_role`; a studio of a company the caller is not a member of is a
404, as another user's row is. `studio_owner` is the role a self-registered studio owner gets:
it may create companies (`companies:create`); customers hold no booking permission.
"""

import mosaic.booking.models  # noqa: F401 - every table joins the metadata
from mosaic.booking.bookings.jobs import (
    COMPLETE_BOOKINGS,
    EXPIRE_HOLDS,
    SEND_REMINDERS,
    complete_bookings_job,
    expire_holds_job,
    send_booking_emails,
    send_reminders_job,
)
from mosaic.booking.bookings.service import REFERENCE_KIND, on_booking_payment
from mosaic.booking.merchants.jobs import REFRESH_SQUARE_TOKENS, refresh_square_tokens_job
from mosaic.booking.merchants.service import ENCRYPTED_COLUMNS
from mosaic.booking.payouts.jobs import RUN_PAYOUTS, run_payouts_job
from mosaic.booking.permissions import PERMISSIONS, STUDIO_OWNER, STUDIO_OWNER_PERMISSIONS
from mosaic.booking.routers import ROUTERS
from mosaic.booking.seed import seed
from mosaic.core.domain import Domain, ScheduledJob

domain = Domain(
    name="booking",
    routers=ROUTERS,
    permissions=PERMISSIONS,
    default_roles={"admin": ["*"], STUDIO_OWNER: STUDIO_OWNER_PERMISSIONS},
    seed=seed,
    jobs=(
        expire_holds_job,
        complete_bookings_job,
        send_reminders_job,
        send_booking_emails,
        refresh_square_tokens_job,
        run_payouts_job,
    ),
    scheduled_jobs=(
        # A new booking also expires its room's lapsed holds itself; this frees every other slot.
        ScheduledJob("booking-expire-holds", EXPIRE_HOLDS, cron="* * * * *"),
        ScheduledJob("booking-complete", COMPLETE_BOOKINGS, cron="*/5 * * * *"),
        ScheduledJob("booking-reminders", SEND_REMINDERS, cron="*/10 * * * *"),
        # Square access tokens last 30 days: renewed daily once within SQUARE_TOKEN_REFRESH_DAYS.
        ScheduledJob("refresh-square-tokens", REFRESH_SQUARE_TOKENS, cron="17 4 * * *"),
        # Last week's earnings (to Monday 00:00 UTC), paid on Monday morning.
        ScheduledJob("weekly-payouts", RUN_PAYOUTS, cron="0 6 * * 1"),
    ),
    # Billing calls this after a verified webhook moved a charge whose reference kind is "booking".
    payment_handlers={REFERENCE_KIND: on_booking_payment},
    encrypted_columns=ENCRYPTED_COLUMNS,
    constraint_errors={
        "uq_companies_slug_live": (409, "SLUG_TAKEN", "This slug is already used by another company"),
        "uq_studios_slug_live": (409, "SLUG_TAKEN", "This slug is already used by another studio"),
        "uq_cities_name_country_live": (409, "CONFLICT", "This city already exists in that country"),
        "uq_company_members_company_user": (409, "ALREADY_MEMBER", "The user is already a member"),
        # PostgreSQL's exclusion constraint on live bookings (bookings/models.py): a racing booking lost.
        "ex_bookings_no_overlap": (409, "SLOT_UNAVAILABLE", "This slot is no longer available"),
        # Two payout runs racing for one charge: the loser's transaction rolls back.
        "uq_payout_lines_capture": (409, "PAYOUT_RUNNING", "Another payout run counted these charges"),
    },
)
