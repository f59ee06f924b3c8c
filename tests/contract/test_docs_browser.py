"""Swagger UI and ReDoc render in a real browser with every non-loopback host unreachable.

A real uvicorn serves the app on a free loopback port; headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by Selenium) resolves no other host, so a CDN asset would fail to load.
Skipped only when Chromium is absent outside CI; `.ci/run` installs it, and in CI the test runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from mosaic.main import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not IN_CI,
    reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_url(settings) -> Iterator[str]:
    """The app behind a real uvicorn in a thread (the browser needs a socket)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM and CHROMEDRIVER, "CI must have chromium and chromium-driver (.ci/run installs them)"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mosaic-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # The network is "blocked": no host but loopback resolves, so a CDN asset cannot load.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, script: str, timeout: float = 60) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def test_the_browser_really_has_no_network(browser, live_url):
    """Guard: a CDN URL fails here, so the docs tests below cannot pass by reaching one."""
    browser.get(f"{live_url}/health/live")
    loaded = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch('https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css')"
        ".then(() => done(true)).catch(() => done(false));"
    )
    assert loaded is False


def test_swagger_ui_renders_every_operation_offline(browser, live_url, app):
    browser.get(f"{live_url}/docs")
    expected = sum(
        1
        for item in app.openapi()["paths"].values()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )
    count = wait_for(
        browser,
        "const n = document.querySelectorAll('.opblock').length; return n > 0 ? n : false;",
    )
    assert count == expected
    title = browser.execute_script("return document.querySelector('.info .title').textContent")
    assert "Mosaic" in title
    paths = browser.execute_script(
        "return [...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)"
    )
    assert any("/api/v1/trades" in p for p in paths)


def test_redoc_renders_offline(browser, live_url):
    browser.get(f"{live_url}/redoc")
    wait_for(browser, "return document.querySelectorAll('[data-section-id^=\"operation/\"]').length > 50")
    text = browser.execute_script("return document.body.innerText")
    assert "List my trades" in text
