"""What `mosaic serve` itself does: whose forwarded headers it believes (issue 17 item 4)."""

from __future__ import annotations

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
