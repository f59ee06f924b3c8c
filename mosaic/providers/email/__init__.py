"""Email port: one `send` call, providers chosen by `EMAIL_PROVIDER`, templates per locale.

- `console` (the embedded default): each message becomes an `.eml` file in the outbox folder, a
  decoded `.txt` copy beside it and an `index.html` of the whole outbox (so a developer can click
  the link it carries), and one redacted log line.
- `smtp`: aiosmtplib, with implicit TLS (`SMTP_USE_TLS`) or STARTTLS (`SMTP_STARTTLS`).
- `resend`: Resend's HTTP API (`POST https://api.resend.com/emails`).

Messages are rendered from the Jinja2 templates in `templates/<locale>/` (see `rendering.py`),
and sending always goes through the jobs API (`queue_email`, the `email.send`
job), so a slow or failing mail server never slows down or fails a request.

Attachments (`Attachment`: file name, content type with its parameters, bytes) travel through the
job as base64 in JSON (`Attachment.to_payload`), become parts of a `multipart/mixed` message for
SMTP and the console outbox, and Resend's `attachments` array. Calendar invites (`ics.py`) are
the reason they exist: `text/calendar; method=REQUEST` is what mail clients show as an invite.
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

import httpx

from mosaic.core.config import Settings

logger = logging.getLogger("mosaic.email")

RESEND_API_URL = "https://api.resend.com/emails"


class EmailDeliveryError(Exception):
    """The provider refused or could not take the message (the job retries it)."""


# Past this a provider would refuse the message anyway (Resend: 40 MB in all); an invite is ~10 kB.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,120}$")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message; `content_type` may carry parameters (`text/calendar; method=CANCEL`)."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"

    def __post_init__(self) -> None:
        # The name lands in a MIME header: no path, no quote, no line break.
        if not _FILENAME.match(self.filename):
            raise ValueError(f"attachment file name {self.filename!r} is not a plain file name")
        if len(self.content) > MAX_ATTACHMENT_BYTES:
            raise ValueError("attachment is larger than MAX_ATTACHMENT_BYTES")
        if "/" not in self.mime_type or any(c in self.content_type for c in "\r\n"):
            raise ValueError(f"attachment content type {self.content_type!r} is not a MIME type")

    @property
    def mime_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def params(self) -> dict[str, str]:
        """The content type's parameters (`method`, `charset`), unquoted."""
        found: dict[str, str] = {}
        for part in self.content_type.split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip() and value.strip():
                found[name.strip().lower()] = value.strip().strip('"')
        return found

    def to_payload(self) -> dict[str, str]:
        """The JSON-safe form the `email.send` job carries across a broker."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, str]) -> Attachment:
        try:
            content = base64.b64decode(payload["content_base64"], validate=True)
        except (KeyError, binascii.Error) as exc:
            raise ValueError("attachment payload has no valid base64 content") from exc
        return cls(
            filename=payload["filename"],
            content=content,
            content_type=payload.get("content_type") or "application/octet-stream",
        )


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tag: str = "generic"
    attachments: tuple[Attachment, ...] = ()


class EmailProvider(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def to_mime(message: EmailMessage, sender: str) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        # With the first attachment the message becomes multipart/mixed around the alternatives.
        maintype, _, subtype = attachment.mime_type.partition("/")
        params = {k: v for k, v in attachment.params.items() if k != "charset"}
        mime.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return mime


def _mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


_LINK = re.compile(r"https?://[^\s<>\"']+")


def _atomic_write(path: Path, data: bytes) -> None:
    """Written under a temporary name and renamed: a reader never sees half a file."""
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def outbox_index(outbox: Path) -> str:
    """`index.html`: every message of the outbox, newest first, its links clickable."""
    entries = []
    for text_file in sorted(outbox.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        body = html.escape(text_file.read_text(encoding="utf-8"))
        body = _LINK.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', body)
        entries.append(f"<section><h2>{html.escape(text_file.stem)}</h2><pre>{body}</pre></section>")
    return (
        "<!doctype html><meta charset=utf-8><title>Mosaic outbox</title>"
        "<h1>Mosaic outbox</h1><p>Development emails, newest first (the .eml files are the real messages)."
        + "".join(entries)
    )


class ConsoleEmailProvider:
    """Development delivery: each message as an `.eml`, a decoded `.txt` copy and an `index.html`."""

    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender

    async def send(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        path = self.outbox / f"{message.tag}-{uuid.uuid4().hex}.eml"
        _atomic_write(path, bytes(to_mime(message, self.sender)))
        # The .eml body is quoted-printable/base64: a plain copy lets a developer read and click links.
        readable = f"To: {message.to}\nSubject: {message.subject}\n\n{message.text}\n"
        if message.attachments:
            listed = ", ".join(
                f"{a.filename} ({a.mime_type}, {len(a.content)} bytes)" for a in message.attachments
            )
            readable += f"\nAttachments: {listed}\n"
            for attachment in message.attachments:
                # Beside the message, so a developer can open the invite in a calendar app.
                _atomic_write(path.with_name(f"{path.stem}-{attachment.filename}"), attachment.content)
        _atomic_write(path.with_suffix(".txt"), readable.encode())
        _atomic_write(self.outbox / "index.html", outbox_index(self.outbox).encode())
        logger.info("email %s to %s written to %s", message.tag, _mask(message.to), path.name)


class SmtpEmailProvider:
    def __init__(self, settings: Settings, timeout: float = 10.0) -> None:
        self.sender = settings.FROM_EMAIL
        self.host = settings.SMTP_HOST
        self.port = settings.SMTP_PORT
        self.username = settings.SMTP_USERNAME
        self.password = settings.SMTP_PASSWORD.get_secret_value() if settings.SMTP_PASSWORD else None
        self.use_tls = settings.SMTP_USE_TLS
        self.start_tls = settings.SMTP_STARTTLS
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        import aiosmtplib

        try:
            await aiosmtplib.send(
                to_mime(message, self.sender),
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise EmailDeliveryError(f"SMTP delivery failed: {type(exc).__name__}") from exc
        logger.info("email %s to %s sent via SMTP", message.tag, _mask(message.to))


class ResendEmailProvider:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        if settings.RESEND_API_KEY is None:
            raise ValueError("EMAIL_PROVIDER=resend needs RESEND_API_KEY")
        self.api_key = settings.RESEND_API_KEY.get_secret_value()
        self.sender = settings.FROM_EMAIL
        self._client = client

    def payload(self, message: EmailMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "from": self.sender,
            "to": [message.to],
            "subject": message.subject,
            "text": message.text,
            "tags": [{"name": "category", "value": message.tag.replace("-", "_")}],
        }
        if message.html:
            body["html"] = message.html
        if message.attachments:
            body["attachments"] = [
                {
                    "filename": a.filename,
                    "content": base64.b64encode(a.content).decode("ascii"),
                    "content_type": a.content_type,
                }
                for a in message.attachments
            ]
        return body

    async def send(self, message: EmailMessage) -> None:
        client = self._client or httpx.AsyncClient(timeout=10)
        try:
            response = await client.post(
                RESEND_API_URL,
                json=self.payload(message),
                headers={"Authorization": f"Bearer {self.api_key}"},
            )
        except httpx.HTTPError as exc:
            raise EmailDeliveryError(f"Resend unreachable: {type(exc).__name__}") from exc
        finally:
            if self._client is None:
                await client.aclose()
        if response.status_code >= 400:
            # Resend answers {"statusCode", "name", "message"}; the name says why, never a secret.
            name = _json_field(response, "name") or "error"
            raise EmailDeliveryError(f"Resend refused the message: {response.status_code} {name}")
        logger.info(
            "email %s to %s accepted by Resend as %s",
            message.tag,
            _mask(message.to),
            _json_field(response, "id"),
        )


def _json_field(response: httpx.Response, name: str) -> str | None:
    try:
        value = response.json().get(name)
    except (ValueError, AttributeError):
        return None
    return str(value) if value is not None else None


def build_email_provider(settings: Settings) -> EmailProvider:
    if settings.EMAIL_PROVIDER == "smtp":
        return SmtpEmailProvider(settings)
    if settings.EMAIL_PROVIDER == "resend":
        return ResendEmailProvider(settings)
    return ConsoleEmailProvider(settings.EMAIL_OUTBOX_DIR, settings.FROM_EMAIL)


from mosaic.providers.email.rendering import EmailTemplates, render_email  # noqa: E402
from mosaic.providers.email.tasks import SEND_EMAIL, queue_email  # noqa: E402

__all__ = [
    "SEND_EMAIL",
    "Attachment",
    "ConsoleEmailProvider",
    "EmailDeliveryError",
    "EmailMessage",
    "EmailProvider",
    "EmailTemplates",
    "ResendEmailProvider",
    "SmtpEmailProvider",
    "build_email_provider",
    "queue_email",
    "render_email",
    "to_mime",
]
