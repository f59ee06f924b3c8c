"""Calendar invites read back with icalendar; attachments through the job, SMTP, the outbox, Resend."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from icalendar import Calendar

from mosaic.providers.email import (
    Attachment,
    ConsoleEmailProvider,
    EmailMessage,
    ResendEmailProvider,
    to_mime,
)
from mosaic.providers.email.ics import CalendarInvite, build_ics, invite_attachment
from mosaic.providers.email.tasks import SEND_EMAIL
from tests.conftest import make_settings

INVITE = CalendarInvite(
    uid="booking-7d1c@mosaic.test",
    # 2027-03-14 is New York's spring-forward day: 14:00-16:00 UTC is 10:00-12:00 EDT.
    start=datetime(2027, 3, 14, 14, 0, tzinfo=UTC),
    end=datetime(2027, 3, 14, 16, 0, tzinfo=UTC),
    timezone="America/New_York",
    summary="Blue Room Studios — Room A",
    location="12 Main St, Brooklyn, NY",
    organizer_email="studio@bluerooms.test",
    organizer_name="Blue Room Studios",
    attendee_email="ana@example.com",
    attendee_name="Ana Díaz",
    description="Reference b-1",
    url="http://frontend.test/bookings/b-1",
)


def parse(data: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_a_request_carries_the_event_in_the_studio_timezone_with_its_vtimezone():
    calendar, event = parse(build_ics(INVITE, "REQUEST"))
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == INVITE.uid and int(event["SEQUENCE"]) == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert (start.hour, start.minute, end.hour) == (10, 0, 12)  # wall clock at the studio (EDT)
    assert start == INVITE.start and end == INVITE.end  # the same instants
    assert start.utcoffset() == timedelta(hours=-4)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    assert {str(c["TZNAME"]) for c in zone.subcomponents} >= {"EST", "EDT"}
    assert str(event["SUMMARY"]) == INVITE.summary and str(event["LOCATION"]) == INVITE.location
    assert str(event["STATUS"]) == "CONFIRMED" and str(event["URL"]) == INVITE.url
    assert str(event["ORGANIZER"]) == "mailto:studio@bluerooms.test"
    assert event["ORGANIZER"].params["CN"] == "Blue Room Studios"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ana@example.com" and attendee.params["CN"] == "Ana Díaz"
    assert event.decoded("DTSTAMP").tzinfo is not None


def test_a_cancellation_has_the_same_uid_a_higher_sequence_and_status_cancelled():
    request = parse(build_ics(INVITE, "REQUEST"))[1]
    calendar, cancel = parse(build_ics(INVITE, "CANCEL"))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["UID"]) == str(request["UID"])
    assert int(cancel["SEQUENCE"]) == int(request["SEQUENCE"]) + 1
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert cancel.decoded("DTSTART") == request.decoded("DTSTART")


def test_europe_london_after_the_clocks_go_forward_is_bst():
    invite = CalendarInvite(
        **{
            **_fields(INVITE),
            "timezone": "Europe/London",
            "start": datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
            "end": datetime(2027, 3, 28, 17, 0, tzinfo=UTC),
        }
    )
    event = parse(build_ics(invite))[1]
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=1) and start.hour == 10
    assert start.astimezone(ZoneInfo("UTC")) == invite.start


def test_invites_refuse_naive_times_and_empty_intervals():
    with pytest.raises(ValueError):
        CalendarInvite(**{**_fields(INVITE), "start": datetime(2027, 1, 1, 10)})
    with pytest.raises(ValueError):
        CalendarInvite(**{**_fields(INVITE), "end": INVITE.start})


def _fields(value: CalendarInvite | EmailMessage) -> dict[str, Any]:
    return {f: getattr(value, f) for f in value.__slots__}


def test_attachments_round_trip_through_the_json_job_payload():
    attachment = invite_attachment(INVITE, "CANCEL")
    payload = json.loads(json.dumps(attachment.to_payload()))
    assert Attachment.from_payload(payload) == attachment
    assert attachment.filename == "cancel.ics" and attachment.params["method"] == "CANCEL"
    with pytest.raises(ValueError):
        Attachment.from_payload({"filename": "a.ics", "content_base64": "not base64!"})
    for bad_name in ("../etc/passwd", 'a".ics', "a\r\nBcc: x@y.z"):
        with pytest.raises(ValueError):
            Attachment(bad_name, b"x", "text/plain")
    with pytest.raises(ValueError):
        Attachment("a.txt", b"x", "text/plain\r\nBcc: x@y.z")


def test_the_mime_message_is_mixed_with_the_invite_as_text_calendar():
    message = EmailMessage("ana@example.com", "Booked", "text", "<p>html</p>", "booking-confirmation")
    with_invite = EmailMessage(**{**_fields(message), "attachments": (invite_attachment(INVITE),)})
    mime = email.message_from_bytes(
        bytes(to_mime(with_invite, "noreply@mosaic.test")), policy=email.policy.default
    )
    assert mime.get_content_type() == "multipart/mixed"
    (part,) = [p for p in mime.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    content = part.get_payload(decode=True)
    assert isinstance(content, bytes) and parse(content)[1]["UID"] == INVITE.uid
    assert {p.get_content_type() for p in mime.walk()} >= {"text/plain", "text/html"}


async def test_the_console_outbox_keeps_the_attachment_beside_the_message(tmp_path: Path):
    provider = ConsoleEmailProvider(tmp_path, "noreply@mosaic.test")
    attachment = invite_attachment(INVITE)
    await provider.send(
        EmailMessage(
            "ana@example.com", "Booked", "text", tag="booking-confirmation", attachments=(attachment,)
        )
    )
    (eml,) = list(tmp_path.glob("booking-confirmation-*.eml"))  # noqa: ASYNC240
    assert eml.with_name(f"{eml.stem}-invite.ics").read_bytes() == attachment.content
    assert "Attachments: invite.ics (text/calendar" in eml.with_suffix(".txt").read_text()


@respx.mock
async def test_resend_receives_attachments_as_base64():
    route = respx.post("https://api.resend.com/emails").mock(
        return_value=httpx.Response(200, json={"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"})
    )
    provider = ResendEmailProvider(make_settings(EMAIL_PROVIDER="resend", RESEND_API_KEY="re_test_123"))
    attachment = invite_attachment(INVITE)
    await provider.send(EmailMessage("ana@example.com", "Booked", "text", attachments=(attachment,)))
    (sent,) = json.loads(route.calls.last.request.content)["attachments"]
    assert sent["filename"] == "invite.ics" and base64.b64decode(sent["content"]) == attachment.content
    assert sent["content_type"].startswith("text/calendar")


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[list[email.message.EmailMessage], int]]:
    from aiosmtpd.controller import Controller

    received: list[email.message.EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, email.message.EmailMessage)
            received.append(parsed)
            return "250 Message accepted for delivery"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield received, port
    controller.stop()


async def test_the_send_email_job_delivers_the_invite_over_smtp(make_client, smtp_inbox):
    received, port = smtp_inbox
    app, _ = await make_client(EMAIL_PROVIDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    context = {
        "first_name": "Ana",
        "studio_name": "Blue Room Studios",
        "room_name": "A",
        "starts_at": "2027-03-14 10:00",
        "ends_at": "2027-03-14 12:00",
        "booking_id": "b-1",
    }
    # Exactly what `queue_email(..., attachments=[...])` enqueues after commit, through JSON.
    await app.state.jobs.enqueue(
        SEND_EMAIL,
        "ana@example.com",
        "booking-confirmation",
        "es",
        context,
        [invite_attachment(INVITE).to_payload()],
    )
    await app.state.jobs.drain()
    (message,) = [m for m in received if m["To"] == "ana@example.com"]
    assert message["Subject"].startswith("Reserva") or "Blue Room Studios" in message["Subject"]
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    content = part.get_payload(decode=True)
    assert isinstance(content, bytes)
    event = parse(content)[1]
    assert str(event["UID"]) == INVITE.uid and event.decoded("DTSTART") == INVITE.start
