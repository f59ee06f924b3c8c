"""Email port: one `send` call, providers chosen by `EMAIL_PROVIDER`.

The console provider is the embedded default: each message becomes an `.eml` file in the outbox
folder (so a developer, or a test, can open the link it carries) and one redacted log line.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from mosaic.core.config import Settings

logger = logging.getLogger("mosaic.email")


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tag: str = "generic"


class EmailProvider(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def to_mime(message: EmailMessage, sender: str) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    return mime


class ConsoleEmailProvider:
    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender

    async def send(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        path = self.outbox / f"{message.tag}-{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(to_mime(message, self.sender)))
        logger.info("email %s to %s written to %s", message.tag, _mask(message.to), path.name)


def _mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def build_email_provider(settings: Settings) -> EmailProvider:
    return ConsoleEmailProvider(settings.EMAIL_OUTBOX_DIR, settings.FROM_EMAIL)
