"""`mosaic serve --workers N`: refused without shared state, and `/metrics` sums every worker."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from logging.handlers import TimedRotatingFileHandler, WatchedFileHandler
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from typer.testing import CliRunner

from mosaic import cli
from mosaic.core.config import get_settings
from mosaic.core.logging import configure_logging
from tests.conftest import TEST_REDIS_URL, make_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_exec(monkeypatch, tmp_path):
    """Record the gunicorn command instead of replacing the test process with it.

    `serve` exports variables for gunicorn's workers: monkeypatch restores them afterwards.
    """
    calls: list[list[str]] = []
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "default-prom"))
    monkeypatch.delenv("LOG_FILE_ROTATION", raising=False)

    def execv(_executable: str, argv: list[str]) -> None:
        calls.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", execv)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def test_several_workers_without_redis_refuse_to_start_with_one_line(no_exec):
    result = CliRunner().invoke(cli.app, ["serve", "--workers", "2", "--port", "8999"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "REDIS_URL" in lines[0] and "--workers 2" in lines[0]
    assert no_exec == []  # gunicorn never started


def test_one_worker_needs_no_redis_and_keeps_rotating_its_log(no_exec):
    result = CliRunner().invoke(cli.app, ["serve", "--workers", "1", "--port", "8999"])
    assert result.exit_code == 0 and no_exec and "gunicorn" in no_exec[0]
    assert "LOG_FILE_ROTATION" not in os.environ


def test_several_workers_with_redis_get_a_clean_metrics_dir_and_the_hooks(no_exec, monkeypatch, tmp_path):
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    (metrics_dir / "counter_12345.db").write_bytes(b"stale samples of a previous run")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    result = CliRunner().invoke(cli.app, ["serve", "--workers", "3", "--port", "8999"])
    assert result.exit_code == 0, result.output
    argv = no_exec[0]
    assert argv[argv.index("--config") + 1] == "python:mosaic.gunicorn_conf"
    assert argv[argv.index("--workers") + 1] == "3"
    assert metrics_dir.is_dir() and list(metrics_dir.iterdir()) == []
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(metrics_dir.resolve())
    assert os.environ["LOG_FILE_ROTATION"] == "external"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _live_counts(metrics_dir: Path) -> Counter[str]:
    """Requests to /health/live per worker, read from each worker's own sample file."""
    counts: Counter[str] = Counter()
    for path in metrics_dir.glob("counter_*.db"):
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, name, labels, _help = json.loads(key)
            if name == "mosaic_http_requests_total" and labels.get("route") == "/health/live":
                counts[path.stem.split("_")[1]] += int(value)
    return counts


def _reported_total(text: str) -> int:
    total = 0
    for line in text.splitlines():
        if line.startswith("mosaic_http_requests_total{") and 'route="/health/live"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


@pytest.mark.redis
def test_metrics_sum_both_gunicorn_workers(settings, tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "prom"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_", "PROMETHEUS_"))}
    env.update(
        ENVIRONMENT="test",
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=TEST_REDIS_URL or "",
        REDIS_KEY_PREFIX=f"serve{port}",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        SEED_ON_STARTUP="false",
        JWT_SECRET_KEY=settings.JWT_SECRET_KEY.get_secret_value(),
        RATE_LIMIT_PER_MINUTE="1000000",
        LOG_FILE_PATH=str(tmp_path / "logs" / "app.log"),
        MOSAIC_DOMAINS="accounts",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mosaic.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30  # bounded: two workers import the app in a few seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        sent = 1
        # Concurrent requests on new connections: both workers' accept loops get some.
        with ThreadPoolExecutor(max_workers=16) as pool:
            while len(_live_counts(metrics_dir)) < 2 and time.monotonic() < deadline:
                answers = list(pool.map(lambda _: httpx.get(f"{base}/health/live", timeout=5), range(32)))
                assert all(answer.status_code == 200 for answer in answers)
                sent += len(answers)
        per_worker = _live_counts(metrics_dir)
        assert len(per_worker) == 2 and all(per_worker.values()), per_worker
        for _ in range(4):  # whichever worker answers /metrics reports both workers' requests
            reported = httpx.get(f"{base}/metrics", timeout=5)
            assert reported.status_code == 200
            # (Start-up probes that timed out on the client may still have been served: >= sent.)
            assert _reported_total(reported.text) == sum(per_worker.values()) >= sent
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def _file_handlers() -> list[logging.Handler]:
    return [
        h for h in logging.getLogger().handlers if getattr(h, "_mosaic", False) and hasattr(h, "baseFilename")
    ]


def test_shared_log_files_are_rotated_by_the_os_and_reopened(tmp_path):
    """`external` (several processes): no process renames the file; each reopens it once moved."""
    path = tmp_path / "logs" / "app.log"
    try:
        configure_logging(make_settings(LOG_FILE_PATH=str(path), LOG_FILE_ROTATION="daily"))
        assert [type(h) for h in _file_handlers()] == [TimedRotatingFileHandler]
        configure_logging(make_settings(LOG_FILE_PATH=str(path), LOG_FILE_ROTATION="external"))
        assert [type(h) for h in _file_handlers()] == [WatchedFileHandler]
        logger = logging.getLogger("mosaic.test.rotation")
        logger.warning("before rotation")
        path.rename(path.with_suffix(".log.1"))  # what logrotate does
        logger.warning("after rotation")
        assert "before rotation" in path.with_suffix(".log.1").read_text()
        assert "after rotation" in path.read_text() and "before rotation" not in path.read_text()
    finally:
        configure_logging(make_settings())
