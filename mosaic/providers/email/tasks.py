"""The `email.send` job: every email of Mosaic is rendered and sent through it.

The job carries the template name, locale and context (plain JSON), not the rendered message,
so the worker renders with its own templates and a retry renders the same message again.
Attachments are made by the caller (an `.ics` invite depends on data the template does not have)
and travel as `Attachment.to_payload()` dicts: base64 content in JSON, like every job argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.jobs import JobContext, JobQueue, enqueue_after_commit, job
from mosaic.providers.email import Attachment, EmailProvider
from mosaic.providers.email.rendering import TEMPLATE_NAMES, render_email

SEND_EMAIL = "email.send"


@job(SEND_EMAIL, max_retries=3, retry_backoff=1.0)
async def send_email(
    ctx: JobContext,
    to: str,
    template: str,
    locale: str | None,
    context: dict[str, Any],
    attachments: list[dict[str, str]] | None = None,
) -> None:
    settings = ctx.settings
    message = render_email(
        template,
        locale,
        to,
        app_name=settings.APP_NAME,
        frontend_url=settings.FRONTEND_URL.rstrip("/"),
        **context,
    )
    if attachments:
        message = replace(message, attachments=tuple(Attachment.from_payload(a) for a in attachments))
    provider: EmailProvider = ctx.service("email")
    await provider.send(message)


def queue_email(
    session: AsyncSession,
    jobs: JobQueue,
    *,
    to: str,
    template: str,
    locale: str | None = None,
    attachments: Sequence[Attachment] = (),
    **context: Any,
) -> None:
    """Send `template` to `to` once the request's transaction commits (nothing on rollback)."""
    if template not in TEMPLATE_NAMES:
        raise LookupError(f"unknown email template {template!r}")
    if attachments:
        payloads = [attachment.to_payload() for attachment in attachments]
        enqueue_after_commit(session, jobs, SEND_EMAIL, to, template, locale, context, payloads)
    else:
        enqueue_after_commit(session, jobs, SEND_EMAIL, to, template, locale, context)
