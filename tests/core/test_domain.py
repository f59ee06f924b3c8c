"""The declarative Domain: discovered from one list, everything it declares installed by create_app.

The probe domain (tests/core/probe_domain.py) declares one of everything; enabling it is the
one line in `DOMAIN_MODULES` a real domain adds, plus its name in `MOSAIC_DOMAINS`.
"""

from __future__ import annotations

import asyncio
import base64
import uuid

import pytest
from fastapi import APIRouter, Depends
from sqlalchemy import select
from typer.testing import CliRunner

from mosaic.accounts.plans.limits import check_limit_counters, require_within_limit
from mosaic.core import domain as domain_registry
from mosaic.core.config import DEV_WALLET_ENCRYPTION_KEY
from mosaic.core.domain import Domain, load_domains
from mosaic.core.jobs import TaskRegistry, TaskSpec
from mosaic.core.secretbox import SecretBox, key_id
from mosaic.main import build_task_registry, create_app, limit_counters
from tests.conftest import make_settings, running
from tests.core import probe_domain
from tests.core.probe_domain import EVENTS, ProbeBase, ProbeSecret, probe_aad

NEW_KEY = "hVfFIMpjAJWXlJcGK5RKrvySe4_wZQ8SMFFQQwz0yYU="


@pytest.fixture
def probe_known(monkeypatch):
    """The one line a new domain adds to core's registry."""
    monkeypatch.setitem(domain_registry.DOMAIN_MODULES, "probe", "tests.core.probe_domain")


def test_job_decorator_only_marks_and_the_registry_comes_from_the_domains():
    assert isinstance(probe_domain.ping, TaskSpec)
    assert "probe.ping" not in TaskRegistry().names()  # importing the module registered nothing
    accounts_only = build_task_registry(load_domains(["accounts"]))
    everything = build_task_registry(load_domains(["all"]))
    assert "accounts.expire_subscriptions" in accounts_only.names()
    assert "email.send" in accounts_only.names()  # the platform's own job
    assert "trading.run_flow" not in accounts_only.names()
    assert "trading.run_flow" in everything.names()


async def test_a_disabled_domain_brings_no_jobs_and_no_counters(settings):
    app = create_app(make_settings(DATABASE_URL=settings.DATABASE_URL, MOSAIC_DOMAINS="accounts"))
    with pytest.raises(LookupError):
        await app.state.jobs.enqueue("trading.run_flow", str(uuid.uuid4()))
    assert "flows" not in app.state.limit_counters
    full = create_app(settings)
    assert {"wallets", "trades_per_day", "flows", "agents"} <= set(full.state.limit_counters)


async def test_enabling_a_domain_installs_everything_it_declares(probe_known, settings):
    app = create_app(
        make_settings(DATABASE_URL=settings.DATABASE_URL, MOSAIC_DOMAINS="probe", RATE_LIMIT_PER_MINUTE=2)
    )
    before = EVENTS["started"], EVENTS["stopped"]
    marker = uuid.uuid4().hex
    async with running(app) as client:
        assert EVENTS["started"] == before[0] + 1 and app.state.probe_started is True
        # declared rate-limit exemption: never counted, never refused
        for _ in range(4):
            response = await client.get("/api/v1/probe/open", params={"marker": marker})
            assert response.status_code == 200 and "x-ratelimit-limit" not in response.headers
        assert EVENTS[f"ping:{marker}"] == 4  # the declared job ran after each response
        for _ in range(2):
            assert (await client.get("/api/v1/nowhere")).status_code == 404
        assert (await client.get("/api/v1/nowhere")).status_code == 429
        assert app.state.limit_counters["probes"] is probe_domain.count_probes
        assert EVENTS["stopped"] == before[1]
    assert EVENTS["stopped"] == before[1] + 1  # shutdown hook ran at the end of the lifespan


def test_a_route_enforcing_an_undeclared_limit_stops_start_up(settings):
    app = create_app(settings)
    extra = APIRouter()

    @extra.post("/api/v1/uncounted", dependencies=[Depends(require_within_limit("uncounted"))])
    async def uncounted() -> None:
        return None

    app.include_router(extra)
    with pytest.raises(ValueError, match="uncounted"):
        check_limit_counters(app)


def test_two_domains_may_not_count_the_same_resource():
    async def count(session, user_id) -> int:
        return 0

    first = Domain(name="one", limit_counters={"seats": count})
    second = Domain(name="two", limit_counters={"seats": count})
    with pytest.raises(ValueError, match="seats"):
        limit_counters([first, second])


def test_a_module_without_a_domain_is_refused(monkeypatch):
    monkeypatch.setitem(domain_registry.DOMAIN_MODULES, "broken", "tests.core.widgets")
    with pytest.raises(TypeError, match="no module-level"):
        load_domains(["broken"])


async def test_rotate_keys_covers_every_declared_encrypted_column(probe_known, app, settings, monkeypatch):
    """`mosaic rotate-keys` re-seals the columns of every domain (here trading's and the probe's)."""
    from mosaic import cli
    from mosaic.core import config
    from mosaic.core import logging as mosaic_logging

    async with app.state.database.engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)
    old = SecretBox([base64.urlsafe_b64decode(DEV_WALLET_ENCRYPTION_KEY)])
    row_id = uuid.uuid4()
    async with app.state.database.transaction() as session:
        session.add(
            ProbeSecret(
                id=row_id,
                owner="alice",
                token=old.encrypt(b"probe-secret", probe_aad("alice", row_id)),
                token_key_id=old.current_key_id,
            )
        )
    monkeypatch.setenv("DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("SECRET_BOX_KEYS", f"{NEW_KEY},{DEV_WALLET_ENCRYPTION_KEY}")
    monkeypatch.setattr(mosaic_logging, "configure_logging", lambda _settings: None)
    config.get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, cli.app, ["rotate-keys"])
    finally:
        config.get_settings.cache_clear()
        # back under the default key, so the rest of the suite reads its rows as before
        from mosaic.core.secretbox import rotate_columns

        columns = [c for d in domain_registry.import_all_domains() for c in d.encrypted_columns]
        async with app.state.database.transaction() as session:
            back = make_settings(SECRET_BOX_KEYS=f"{DEV_WALLET_ENCRYPTION_KEY},{NEW_KEY}")
            undo = await rotate_columns(session, back, columns)
    assert result.exit_code == 0, result.output
    assert "user_wallets.credentials:" in result.output and "test_probe_secrets.token:" in result.output
    assert "probe-secret" not in result.output
    assert undo.by_column["test_probe_secrets.token"] >= 1  # the CLI had moved it to the new key
    async with app.state.database.transaction() as session:
        row = (await session.execute(select(ProbeSecret).where(ProbeSecret.id == row_id))).scalar_one()
    assert row.token_key_id == key_id(base64.urlsafe_b64decode(DEV_WALLET_ENCRYPTION_KEY))
    assert row.token is not None and old.decrypt(row.token, probe_aad("alice", row_id)) == b"probe-secret"


def test_secret_box_keys_and_the_old_wallet_name_both_configure_the_box():
    new = base64.urlsafe_b64decode(NEW_KEY)
    assert make_settings(SECRET_BOX_KEYS=NEW_KEY).secret_box_keys == [new]
    assert make_settings(WALLET_ENCRYPTION_KEYS=NEW_KEY).secret_box_keys == [new]
    assert SecretBox.from_settings(make_settings(WALLET_ENCRYPTION_KEYS=NEW_KEY)).current_key_id == key_id(
        new
    )


def test_env_alias_is_read_from_the_environment(monkeypatch):
    from mosaic.core.config import Settings

    monkeypatch.setenv("WALLET_ENCRYPTION_KEYS", NEW_KEY)
    assert Settings(_env_file=None).secret_box_keys == [base64.urlsafe_b64decode(NEW_KEY)]  # type: ignore[call-arg]
