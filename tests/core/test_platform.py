"""Health, metrics, configuration, logging, domain registry and OpenAPI shape."""

from __future__ import annotations

import io
import json
import logging
import os
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from mosaic.core.config import (
    DEV_WALLET_ENCRYPTION_KEY,
    EXAMPLE_JWT_SECRET,
    EXAMPLE_SUPERADMIN_PASSWORD,
    Settings,
    get_settings,
)
from mosaic.core.domain import resolve_domain_names
from mosaic.core.logging import build_handler, redact_text
from mosaic.main import create_app
from tests.conftest import make_settings

SAFE_PRODUCTION: dict[str, Any] = {
    "ENVIRONMENT": "production",
    "JWT_SECRET_KEY": "a" * 48,
    "SUPERADMIN_PASSWORD": "A-unique-and-long-password-9",
    "DEBUG": False,
    "DATABASE_URL": "postgresql://mosaic@db:5432/mosaic",
    "WALLET_ENCRYPTION_KEYS": "hVfFIMpjAJWXlJcGK5RKrvySe4_wZQ8SMFFQQwz0yYU=",
}


async def test_live_answers_200(client: httpx.AsyncClient):
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "ok"


async def test_ready_checks_the_database(client: httpx.AsyncClient):
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    checks = response.json()["data"]["checks"]
    assert checks["database"]["ok"] is True


async def test_ready_turns_503_when_the_database_is_unreachable(make_client):
    _, down = await make_client(
        DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none", SEED_ON_STARTUP=False
    )
    response = await down.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["error"]["details"]["database"]["ok"] is False
    assert "nobody" not in response.text  # no connection string in the answer
    assert response.headers["retry-after"] == "5"
    assert (await down.get("/health/live")).status_code == 200


async def test_ready_reports_redis_down_as_degraded_not_unready(make_client):
    """Issue 17 item 7: the API keeps serving without Redis, so a balancer must keep routing."""
    _, client = await make_client(REDIS_URL="redis://127.0.0.1:1/0", SEED_ON_STARTUP=False)
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "degraded" and data["degraded"] == ["redis"]
    assert data["checks"]["redis"]["ok"] is False and data["checks"]["database"]["ok"] is True


async def test_ready_reports_redis_and_broker_down_as_degraded(make_client):
    _, client = await make_client(
        REDIS_URL="redis://127.0.0.1:1/0",
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//",
        HEALTH_CHECK_TIMEOUT_SECONDS=1,
        SEED_ON_STARTUP=False,
    )
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert sorted(response.json()["data"]["degraded"]) == ["broker", "redis"]


async def test_ready_is_ok_when_everything_answers(client):
    data = (await client.get("/health/ready")).json()["data"]
    assert data["status"] == "ok" and data["degraded"] == []


async def test_metrics_exposes_prometheus_text(client: httpx.AsyncClient):
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'mosaic_http_requests_total{method="GET",route="/health/live",status="200"}' in response.text


async def test_cors_allows_configured_origin(client: httpx.AsyncClient, settings):
    origin = settings.CORS_ORIGINS[0]
    response = await client.options(
        "/health/live", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert response.headers["access-control-allow-origin"] == origin
    foreign = await client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


def test_production_accepts_safe_settings():
    assert Settings(_env_file=None, **SAFE_PRODUCTION).is_production  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"JWT_SECRET_KEY": EXAMPLE_JWT_SECRET}, "JWT_SECRET_KEY is the example value"),
        ({"JWT_SECRET_KEY": "short"}, "JWT_SECRET_KEY is shorter than 32"),
        ({"SUPERADMIN_PASSWORD": EXAMPLE_SUPERADMIN_PASSWORD}, "SUPERADMIN_PASSWORD is the example value"),
        ({"DEBUG": True}, "DEBUG must be false"),
        ({"DATABASE_URL": "sqlite+aiosqlite:///var/x.db"}, "production needs PostgreSQL"),
        ({"WALLET_ENCRYPTION_KEYS": None}, "SECRET_BOX_KEYS is not set"),
        ({"WALLET_ENCRYPTION_KEYS": DEV_WALLET_ENCRYPTION_KEY}, "contains the development key"),
    ],
)
def test_production_refuses_each_unsafe_default(override, message):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **{**SAFE_PRODUCTION, **override})  # type: ignore[call-arg]
    assert message in str(caught.value)


def test_development_allows_example_values():
    settings = Settings(_env_file=None, ENVIRONMENT="development")  # type: ignore[call-arg]
    assert settings.JWT_SECRET_KEY.get_secret_value() == EXAMPLE_JWT_SECRET


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+asyncpg://u@h:5433/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_url_gets_the_async_driver(given, expected):
    assert expected == make_settings(DATABASE_URL=given).DATABASE_URL


def test_csv_settings_parse_from_environment(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("MOSAIC_DOMAINS", "accounts")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.CORS_ORIGINS == ["https://a.example", "https://b.example"]
    assert settings.MOSAIC_DOMAINS == ["accounts"]


def test_unknown_domain_stops_startup():
    with pytest.raises(ValueError, match="unknown domain"):
        resolve_domain_names(["accounts", "casino"])
    with pytest.raises(ValueError, match="unknown domain"):
        create_app(make_settings(MOSAIC_DOMAINS="casino"))


def test_accounts_is_always_mounted():
    assert resolve_domain_names([])[0] == "accounts"
    assert "accounts" in resolve_domain_names(["all"])


def _capture(json_lines: bool) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(f"mosaic.test.redaction.{json_lines}")
    logger.handlers.clear()
    logger.propagate = False
    logger.addHandler(build_handler(logging.StreamHandler(stream), json_lines))
    logger.setLevel(logging.INFO)
    return logger, stream


@pytest.mark.parametrize("json_lines", [False, True])
def test_redaction_removes_planted_secrets_from_log_output(json_lines):
    logger, stream = _capture(json_lines)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2VjcmV0"
    logger.info(
        "login password=%s header Authorization: Bearer %s "
        "url=postgresql://app:dbSECRETpw@db/x card 4111 1111 1111 1111",
        "PlantedPa55!",
        "tok-PLANTED-123",
        extra={"headers": {"Authorization": "Bearer tok-PLANTED-456"}, "api_key": "sk-PLANTED", "token": jwt},
    )
    try:
        raise RuntimeError("failed with secret=PLANTED-in-traceback")
    except RuntimeError:
        logger.exception("oops")
    output = stream.getvalue()
    for planted in (
        "PlantedPa55!",
        "tok-PLANTED",
        "dbSECRETpw",
        "4111 1111 1111 1111",
        "sk-PLANTED",
        jwt,
        "PLANTED-in-traceback",
    ):
        assert planted not in output, planted
    assert "[REDACTED]" in output
    if json_lines:
        first = json.loads(output.splitlines()[0])
        assert first["level"] == "INFO" and "request_id" in first


def test_redaction_keeps_ordinary_numbers_and_ids():
    text = "user 3fa85f64-5717-4562-b3fc-2c963f66afa6 took 1234567890123 ms"
    assert redact_text(text) == text


async def test_access_log_line_has_method_path_status_and_duration(client: httpx.AsyncClient, caplog):
    with caplog.at_level(logging.INFO, logger="mosaic.access"):
        await client.get("/api/v1/nothing-here")
    record = next(r for r in caplog.records if r.name == "mosaic.access")
    assert record.http_method == "GET" and record.path == "/api/v1/nothing-here" and record.status == 404
    assert record.duration_ms >= 0


async def test_openapi_shows_the_envelope_with_real_data_types(client: httpx.AsyncClient):
    schema = (await client.get("/openapi.json")).json()
    live = schema["paths"]["/health/live"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    envelope = schema["components"]["schemas"][live["$ref"].rsplit("/", 1)[-1]]
    assert set(envelope["properties"]) == {"status_code", "message", "data", "error"}
    data_refs = json.dumps(envelope["properties"]["data"])
    assert "Liveness" in data_refs
    ready = schema["paths"]["/health/ready"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")


def test_env_example_documents_every_setting_and_loads():
    import re
    from pathlib import Path

    text = Path(".env.example").read_text()
    missing = [name for name in Settings.model_fields if not re.search(rf"^#? ?{name}=", text, re.MULTILINE)]
    assert missing == []
    loaded = Settings(_env_file=".env.example")  # type: ignore[call-arg]
    assert loaded.MOSAIC_DOMAINS == ["all"] and loaded.is_sqlite


def test_no_route_depends_on_a_sync_function(app):
    """FastAPI runs sync dependencies in a thread pool: a thread hop per request on the hot path."""
    import inspect

    from fastapi.routing import APIRoute, iter_route_contexts

    allowed = {"OAuth2PasswordRequestForm"}  # the form class of /auth/token, a cold path
    sync = set()
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        stack = list(route.dependant.dependencies)
        while stack:
            dependant = stack.pop()
            stack.extend(dependant.dependencies)
            call = dependant.call
            if call is None:
                continue
            target = call if inspect.isfunction(call) else getattr(call, "__call__", call)  # noqa: B004
            if inspect.isclass(call):
                name = call.__name__
                if name not in allowed and not inspect.iscoroutinefunction(call.__call__):
                    sync.add(name)
            elif not (inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)):
                sync.add(getattr(call, "__qualname__", repr(call)))
    assert sync == set()


async def test_password_hashing_slots_follow_the_setting(make_client):
    from mosaic.core import security

    await make_client(PASSWORD_HASH_CONCURRENCY=3)
    assert security._limiter().total_tokens == 3
    await make_client(PASSWORD_HASH_CONCURRENCY=1)
    assert security._limiter().total_tokens == 1
    hashed = await security.hash_password("correct horse battery")  # still works with one slot
    assert (await security.verify_password("correct horse battery", hashed))[0] is True


def test_serve_tunes_malloc_for_gunicorn_without_overriding_the_operator(monkeypatch, tmp_path):
    from mosaic import cli

    calls: list[list[str]] = []

    def execv(_executable: str, argv: list[str]) -> None:
        calls.append(argv)
        raise SystemExit(0)  # the real execv never returns

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.setattr(os, "execv", execv)
    # Several workers need Redis; serve exports the metrics dir and log mode for them.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    monkeypatch.delenv("LOG_FILE_ROTATION", raising=False)
    get_settings.cache_clear()
    with pytest.raises(SystemExit):
        cli.serve(host="127.0.0.1", port=8999, workers=2, reload=False)
    get_settings.cache_clear()
    assert calls and "gunicorn" in calls[0]
    assert os.environ["MALLOC_ARENA_MAX"] == "4"  # the operator's value wins
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(1024 * 1024)


@pytest.mark.parametrize("enabled", [False, True])
def test_fastapi_opentelemetry_follows_the_setting(enabled: bool):
    app = create_app(make_settings(OPENTELEMETRY_ENABLED=enabled))
    config = app._telemetry  # FastAPI keeps no public accessor for it
    assert (config["tracing"], config["metrics"], config["logs"]) == (enabled, enabled, enabled)


def test_a_fresh_install_gets_the_versions_the_suite_ran_with():
    """`make install` applies requirements.lock, which pins what this environment runs."""
    import tomllib
    from importlib import metadata
    from pathlib import Path

    from packaging.requirements import Requirement

    lock = {
        name.lower(): version
        for name, _, version in (
            line.partition("==")
            for line in Path("requirements.lock").read_text().splitlines()
            if line and not line.startswith("#")
        )
    }
    for package in ("fastapi", "starlette", "pydantic", "sqlalchemy"):
        assert lock[package] == metadata.version(package), package
    assert "-c requirements.lock" in Path("Makefile").read_text()
    declared = {
        Requirement(spec).name.lower(): Requirement(spec)
        for spec in tomllib.loads(Path("pyproject.toml").read_text())["project"]["dependencies"]
    }
    for package in ("fastapi", "starlette"):  # the minor the code was written against
        spec = declared[package].specifier
        assert metadata.version(package) in spec and not spec.contains("99.0")
    assert declared["limits"].extras == set()  # the Redis path does not use limits' storage
