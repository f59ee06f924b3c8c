"""Issue 17 item 7: registration throttle, reset-email cap, readiness, docs and metrics exposure,
the superadmin email checked at start-up, and a racing duplicate registration."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from mosaic.core.config import Settings
from tests.accounts.conftest import new_account, outbox_messages, register
from tests.conftest import make_settings, unique_email

AUTH = "/api/v1/auth"


async def test_registration_is_throttled_per_ip(make_client: Any):
    _, client = await make_client(REGISTRATION_RATE_LIMIT="3/hour")
    statuses = [(await register(client)).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = await register(client)
    assert refused.json()["error"]["code"] == "RATE_LIMITED" and int(refused.headers["retry-after"]) > 0


def test_registration_limit_must_be_in_the_limits_notation():
    with pytest.raises(ValueError, match="limits notation"):
        make_settings(REGISTRATION_RATE_LIMIT="ten an hour")
    assert make_settings().REGISTRATION_RATE_LIMIT  # the test default parses
    assert Settings(_env_file=None).REGISTRATION_RATE_LIMIT == "10/hour"  # type: ignore[call-arg]


async def test_reset_emails_are_capped_per_account_per_day(make_client: Any, settings: Settings):
    _, client = await make_client(RESET_EMAILS_PER_DAY=2)
    account = await new_account(client)
    answers = [await client.post(f"{AUTH}/forgot-password", json={"email": account.email}) for _ in range(4)]
    # The same answer every time (the cap must not reveal that the account exists) ...
    assert {r.status_code for r in answers} == {202}
    assert len({r.text for r in answers}) == 1
    # ... but only two emails went out.
    assert len(outbox_messages(settings, account.email, "password-reset")) == 2


async def test_racing_duplicate_registrations_answer_like_a_sequential_one(client: httpx.AsyncClient):
    address = unique_email("race")
    responses = await asyncio.gather(*(register(client, email=address) for _ in range(4)))
    statuses = sorted(r.status_code for r in responses)
    sequential = await register(client, email=address)
    assert statuses.count(201) == 1
    assert set(statuses) - {201} == {sequential.status_code} == {400}
    codes = {r.json()["error"]["code"] for r in responses if r.status_code != 201}
    assert codes == {sequential.json()["error"]["code"]}


@pytest.mark.parametrize("address", ["admin", "admin@corp.local", "root@localhost", "x@y.test"])
def test_a_superadmin_email_that_cannot_log_in_stops_start_up(address: str):
    with pytest.raises(ValueError, match="SUPERADMIN_EMAIL"):
        make_settings(SUPERADMIN_EMAIL=address)


async def test_docs_are_off_in_production_unless_enabled(make_client: Any):
    for enabled, expected in ((None, 404), (True, 200)):
        production = make_settings(
            ENVIRONMENT="production",
            DATABASE_URL="postgresql://mosaic@127.0.0.1/mosaic",
            DEBUG=False,
            JWT_SECRET_KEY="a-production-secret-of-more-than-32-chars",
            WALLET_ENCRYPTION_KEYS="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            DOCS_ENABLED=enabled,
        )
        assert production.docs_enabled is (enabled is True)
        _, client = await make_client(DOCS_ENABLED=enabled if enabled is not None else False)
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == expected, (enabled, path)


async def test_metrics_can_be_protected_or_switched_off(make_client: Any):
    _, protected = await make_client(METRICS_TOKEN="scrape-" + uuid.uuid4().hex)
    assert (await protected.get("/metrics")).status_code == 401
    wrong = await protected.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "mosaic_http" not in wrong.text
    token = protected._transport.app.state.settings.METRICS_TOKEN.get_secret_value()  # type: ignore[attr-defined]
    right = await protected.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert right.status_code == 200 and "mosaic_http_requests_total" in right.text
    _, off = await make_client(METRICS_ENABLED=False)
    assert (await off.get("/metrics")).status_code == 404
