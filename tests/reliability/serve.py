"""`mosaic serve` as a real process on a free loopback port, for tests of what only the server does
(forwarded headers, graceful shutdown)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import make_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(tmp: Path, **overrides: str) -> dict[str, str]:
    """The test settings as environment variables, for a process that reads them itself."""
    settings = make_settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'serve.db'}",
        EMAIL_OUTBOX_DIR=str(tmp / "outbox"),
        MEDIA_ROOT=str(tmp / "media"),
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TEST_", "MOSAIC_"))}
    for name in ("ENVIRONMENT", "SUPERADMIN_EMAIL", "JWT_SECRET_KEY", "DATABASE_URL", "EMAIL_OUTBOX_DIR"):
        value = getattr(settings, name)
        env[name] = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    env["SUPERADMIN_PASSWORD"] = settings.SUPERADMIN_PASSWORD.get_secret_value()
    env["MEDIA_ROOT"] = str(tmp / "media")
    env["LOG_FILE_PATH"] = ""
    env.update(overrides)
    return env


@contextmanager
def serving(tmp: Path, *args: str, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run migrations, then `mosaic serve` until it answers /health/live; stop it afterwards."""
    port = free_port()
    environment = server_environment(tmp, **env)
    mosaic = [sys.executable, "-m", "mosaic.cli"]
    subprocess.run([*mosaic, "migrate"], env=environment, cwd=tmp, check=True, capture_output=True)
    log = (tmp / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [*mosaic, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=environment,
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp / f"serve-{port}.log").read_text()
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "mosaic serve did not start"
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
