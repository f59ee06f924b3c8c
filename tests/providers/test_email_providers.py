"""Email: templates per locale, the console outbox, SMTP (aiosmtpd started here), Resend (respx)."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import socket
from pathlib import Path

import httpx
import pytest
import respx

from mosaic.providers.email import (
    ConsoleEmailProvider,
    EmailDeliveryError,
    EmailMessage,
    ResendEmailProvider,
    SmtpEmailProvider,
    render_email,
)
from mosaic.providers.email.rendering import TEMPLATE_NAMES
from tests.accounts.conftest import PASSWORD
from tests.conftest import make_settings, unique_email

CONTEXT = {
    "app_name": "Mosaic",
    "frontend_url": "http://frontend.test",
    "first_name": "Ana",
    "link": "http://frontend.test/x?token=abc",
    "expires_hours": 48,
    "expires_minutes": 30,
    "title": "Your report is ready",
    "body": "Open it now.",
    "studio_name": "Blue Room Studios",
    "room_name": "A",
    "starts_at": "2026-05-01 10:00",
    "ends_at": "2026-05-01 12:00",
    "booking_id": "b-1",
    "reason": "Owner cancelled",
    "company_name": "Blue Room Ltd",
    "role": "manager",
}


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_renders_text_and_html_in_each_locale(name, locale):
    message = render_email(name, locale, "ana@example.com", **CONTEXT)
    assert message.subject and "\n" not in message.subject
    assert "Ana" in message.text and message.html and "Ana" in message.html
    assert message.tag == name
    assert f'<html lang="{locale}">' in message.html


def test_locale_falls_back_to_english_and_regional_variants_use_the_language():
    assert render_email("welcome", "es-MX", "a@x.io", **CONTEXT).subject == "Bienvenido a Mosaic"
    assert render_email("welcome", "fr", "a@x.io", **CONTEXT).subject == "Welcome to Mosaic"
    assert render_email("welcome", None, "a@x.io", **CONTEXT).subject == "Welcome to Mosaic"


def test_html_escapes_user_values_and_subjects_cannot_inject_headers():
    hostile = {**CONTEXT, "first_name": "<script>x</script>", "title": "Hi\r\nBcc: victim@example.com"}
    message = render_email("notification", "en", "a@x.io", **hostile)
    assert "<script>" not in (message.html or "") and "&lt;script&gt;" in (message.html or "")
    assert "\r" not in message.subject and "\n" not in message.subject


async def test_console_provider_writes_an_eml_and_logs_a_masked_summary(tmp_path: Path, caplog):
    provider = ConsoleEmailProvider(tmp_path, "noreply@example.com")
    with caplog.at_level(logging.INFO, logger="mosaic.email"):
        await provider.send(EmailMessage("jane@example.com", "Hi", "text body", "<p>html</p>", tag="welcome"))
    (path,) = list(tmp_path.glob("welcome-*.eml"))  # noqa: ASYNC240
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["To"] == "jane@example.com" and parsed.is_multipart()
    assert "j***@example.com" in caplog.text and "jane@example.com" not in caplog.text


# -- SMTP against a real aiosmtpd server -------------------------------------------------------
@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 Message accepted for delivery"

    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def text_part(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


async def test_smtp_delivers_the_verification_email_with_a_working_link(make_client, smtp_server):
    inbox, port = smtp_server
    _, client = await make_client(EMAIL_PROVIDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    address = unique_email()
    registered = await client.post(
        "/api/v1/auth/register",
        json={"email": address, "password": PASSWORD, "first_name": "Ana", "last_name": "D", "locale": "es"},
    )
    assert registered.status_code == 201, registered.text
    mine = [m for m in inbox.messages if m["To"] == address]
    assert sorted(m["Subject"] for m in mine) == ["Bienvenido a Mosaic", "Verifica tu correo electrónico"]
    (verification,) = [m for m in mine if m["Subject"].startswith("Verifica")]
    match = re.search(r"http://frontend\.test/verify-email\?token=([A-Za-z0-9._-]+)", text_part(verification))
    assert match, text_part(verification)
    verified = await client.get("/api/v1/auth/verify-email", params={"token": match.group(1)})
    assert verified.status_code == 200 and verified.json()["message"] == "Email verified"


async def test_smtp_failure_is_a_delivery_error_not_a_crash():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    provider = SmtpEmailProvider(make_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port), timeout=2)
    with pytest.raises(EmailDeliveryError):
        await provider.send(EmailMessage("a@example.com", "s", "t"))


# -- Resend, mocked at the HTTP layer ----------------------------------------------------------
# Response bodies as in Resend's API reference (POST /emails).
RESEND_OK = {"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}
RESEND_INVALID = {
    "statusCode": 422,
    "message": "Invalid `to` field. The email address needs to follow the `email@example.com` format.",
    "name": "validation_error",
}


@respx.mock
async def test_resend_posts_the_documented_payload():
    route = respx.post("https://api.resend.com/emails").mock(return_value=httpx.Response(200, json=RESEND_OK))
    settings = make_settings(
        EMAIL_PROVIDER="resend", RESEND_API_KEY="re_123456789", FROM_EMAIL="Acme <onboarding@resend.dev>"
    )
    message = render_email("password-reset", "en", "delivered@resend.dev", **CONTEXT)
    await ResendEmailProvider(settings).send(message)
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer re_123456789"
    body = json.loads(request.content)
    assert body["from"] == "Acme <onboarding@resend.dev>"
    assert body["to"] == ["delivered@resend.dev"]
    assert body["subject"] == "Reset your password"
    assert "http://frontend.test/x?token=abc" in body["text"] and "<a href=" in body["html"]


@respx.mock
async def test_resend_refusal_raises_with_the_error_name_and_no_secret():
    respx.post("https://api.resend.com/emails").mock(return_value=httpx.Response(422, json=RESEND_INVALID))
    provider = ResendEmailProvider(make_settings(EMAIL_PROVIDER="resend", RESEND_API_KEY="re_secret_value"))
    with pytest.raises(EmailDeliveryError) as caught:
        await provider.send(EmailMessage("not-an-address", "s", "t"))
    assert "validation_error" in str(caught.value) and "re_secret_value" not in str(caught.value)


@respx.mock
async def test_register_with_resend_sends_through_the_api(make_client):
    route = respx.post("https://api.resend.com/emails").mock(return_value=httpx.Response(200, json=RESEND_OK))
    respx.route(host="testserver").pass_through()
    _, client = await make_client(EMAIL_PROVIDER="resend", RESEND_API_KEY="re_123456789")
    address = unique_email()
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": address, "password": PASSWORD, "first_name": "Ana", "last_name": "D"},
    )
    assert response.status_code == 201
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [b["subject"] for b in sent if b["to"] == [address]] == ["Welcome to Mosaic", "Verify your email"]


async def test_console_outbox_keeps_a_decoded_copy_and_a_clickable_index(tmp_path):
    """The .eml body is encoded; the .txt copy and index.html show the link as written."""
    from mosaic.providers.email import ConsoleEmailProvider, EmailMessage

    link = "http://localhost:3000/verify-email?token=abc.def-ghi"
    provider = ConsoleEmailProvider(tmp_path, "Mosaic <no-reply@example.com>")
    await provider.send(
        EmailMessage("ana@example.com", "Verify", f"Hola Ñandú, open {link}\n" * 20, tag="verification")
    )
    (text,) = list(tmp_path.glob("verification-*.txt"))
    assert text.read_text(encoding="utf-8").startswith("To: ana@example.com\nSubject: Verify\n\nHola Ñandú")
    assert link in text.read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{link}">{link}</a>' in index
    assert not list(tmp_path.glob("*.part"))
