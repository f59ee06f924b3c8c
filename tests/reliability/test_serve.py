"""What `mosaic serve` itself does: whose forwarded headers it believes (issue 17 item 4)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from mosaic.cli import forwarded_allow_ips
from tests.conftest import make_settings
from tests.reliability.serve import serving

pytestmark = pytest.mark.slow


def _statuses_with_rotating_forwarded_for(base: str, count: int) -> list[int]:
    with httpx.Client(base_url=base, timeout=10) as client:
        return [
            client.get("/api/v1/plans", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(count)
        ]


def test_serve_ignores_forwarded_for_without_trusted_proxies(tmp_path: Path):
    """A loopback client rotating X-Forwarded-For is still one client: the per-IP limit triggers."""
    with serving(tmp_path, RATE_LIMIT_PER_MINUTE="3") as (_, base):
        statuses = _statuses_with_rotating_forwarded_for(base, 5)
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_serve_believes_forwarded_for_from_a_trusted_proxy(tmp_path: Path):
    """With the loopback peer configured as the proxy, each forwarded client has its own bucket."""
    with serving(tmp_path, RATE_LIMIT_PER_MINUTE="3", TRUSTED_PROXIES="127.0.0.1") as (_, base):
        statuses = _statuses_with_rotating_forwarded_for(base, 5)
    assert statuses == [200] * 5


def test_gunicorn_and_uvicorn_get_the_same_trusted_list():
    assert forwarded_allow_ips(make_settings()) == ""  # trust nobody, not the servers' loopback default
    assert (
        forwarded_allow_ips(make_settings(TRUSTED_PROXIES="10.0.0.0/8,127.0.0.1")) == "10.0.0.0/8,127.0.0.1"
    )


def test_a_malformed_trusted_proxy_stops_start_up():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        make_settings(TRUSTED_PROXIES="10.0.0.0/8,not-an-ip")
    assert make_settings(TRUSTED_PROXIES="*").TRUSTED_PROXIES == ["*"]


async def test_sigterm_under_load_completes_in_flight_requests_and_their_jobs(tmp_path: Path):
    """Graceful shutdown: requests already accepted when SIGTERM arrives all answer (no reset),
    and the in-process jobs they queued (registration emails) still run before the exit."""
    limits = {"REGISTRATION_RATE_LIMIT": "1000/minute", "PASSWORD_HASH_CONCURRENCY": "1"}
    with serving(tmp_path, AUTO_VERIFY_EMAIL="false", **limits) as (process, base):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            emails = [f"drain-{n}@example.com" for n in range(8)]
            body = {"password": "Drain-Passw0rd-Long", "first_name": "D", "last_name": "R"}
            # Each registration hashes a password, one at a time: the last ones are still queued
            # inside the server when the signal arrives.
            requests = [
                asyncio.create_task(client.post("/api/v1/auth/register", json={"email": email, **body}))
                for email in emails
            ]
            # Once the first answer is back the others have long been received and wait for the
            # hashing slot inside the app: in flight. (A request still unread in a socket when
            # uvicorn stops is closed unanswered; that is not what this test is about.)
            await asyncio.wait(requests, return_when=asyncio.FIRST_COMPLETED)
            process.send_signal(signal.SIGTERM)
            responses = await asyncio.gather(*requests, return_exceptions=True)
        assert all(isinstance(r, httpx.Response) for r in responses), responses
        assert [r.status_code for r in responses if isinstance(r, httpx.Response)] == [201] * len(emails)
        # uvicorn drains, runs the lifespan shutdown, then re-raises the signal it caught.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    outbox = tmp_path / "outbox"
    for email in emails:
        sent = [p for p in outbox.glob("verification-*.eml") if email in p.read_text(errors="replace")]
        assert sent, f"the verification email of {email} was lost in the shutdown"
