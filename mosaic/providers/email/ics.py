"""Calendar invites (RFC 5545 / iTIP, RFC 5546) built with `icalendar`, sent as email attachments.

Why a provider module: an invite is a file format, not a booking rule; booking (or any domain)
describes the event in a `CalendarInvite` and attaches `invite_attachment(...)` to the email it
queues. What mail clients rely on:

- `METHOD:REQUEST` adds or updates the event; `METHOD:CANCEL` with the same `UID` removes it. A
  client applies a message only when its `SEQUENCE` is not older than what it has, so a
  cancellation is always sent one `SEQUENCE` above the invite it cancels (`build_ics` bumps it).
- Times are written in the studio's timezone (`DTSTART;TZID=Europe/Madrid:...`) with the matching
  `VTIMEZONE` (only the years the event spans, to keep the file small), so the event shows at the
  studio's wall-clock time even in a client that does not know the zone; `DTSTAMP` is UTC.
- The attachment's content type carries the method (`text/calendar; method=REQUEST`): Outlook and
  Gmail show the invite card from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from mosaic.providers.email import Attachment

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//Mosaic//Booking//EN"


@dataclass(frozen=True, slots=True)
class CalendarInvite:
    """One event as both sides see it. `uid` must be stable for the booking (e.g. `booking-<id>@host`)."""

    uid: str
    start: datetime  # timezone-aware (UTC from the database is fine)
    end: datetime
    timezone: str  # IANA name of the studio's timezone
    summary: str
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str = ""
    description: str = ""
    url: str | None = None
    # The invite's revision; a cancellation goes out at `sequence + 1`.
    sequence: int = 0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("invite times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("an invite must end after it starts")


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = vText(value)
    return address


def build_ics(invite: CalendarInvite, method: Method = "REQUEST", now: datetime | None = None) -> bytes:
    """The `.ics` file of `invite` as a REQUEST (add/update) or a CANCEL of the same UID."""
    zone = ZoneInfo(invite.timezone)
    start = invite.start.astimezone(zone)
    end = invite.end.astimezone(zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(
        Timezone.from_tzinfo(
            zone, tzid=invite.timezone, first_date=date(start.year, 1, 1), last_date=date(end.year + 1, 1, 1)
        )
    )
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence + (1 if method == "CANCEL" else 0))
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", invite.summary)
    event.add("location", invite.location)
    if invite.description:
        event.add("description", invite.description)
    if invite.url:
        event.add("url", invite.url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(invite.organizer_email, invite.organizer_name))
    event.add(
        "attendee",
        _address(
            invite.attendee_email,
            invite.attendee_name,
            role="REQ-PARTICIPANT",
            partstat="ACCEPTED",
            rsvp="FALSE",
        ),
    )
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def invite_attachment(invite: CalendarInvite, method: Method = "REQUEST") -> Attachment:
    """The invite as an email attachment (`invite.ics`, or `cancel.ics` for a cancellation)."""
    return Attachment(
        filename="cancel.ics" if method == "CANCEL" else "invite.ics",
        content=build_ics(invite, method),
        content_type=f"text/calendar; method={method}; charset=UTF-8",
    )
