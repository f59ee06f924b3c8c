"""Small parts of the harness: percentiles, HTTP parsing of the fallback generator, /proc parsing, options."""

from __future__ import annotations

import asyncio

import pytest

from bench.loadgen import build_request, percentile, read_response
from bench.procs import _ppid, vm_rss_bytes
from bench.runner import int_list
from bench.scenarios import SCENARIOS, select
from bench.wrk import WrkRun


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_the_fallback_generator_sends_a_keep_alive_request_with_body_and_headers() -> None:
    spec = WrkRun(
        url="http://127.0.0.1:8000/api/v1/trades?limit=50", connections=1, duration_s=1, timeout_s=1,
        method="POST", body=b"{}", headers={"Authorization": "Bearer t"},
    )  # fmt: skip

    request = build_request(spec)

    assert request.startswith(b"POST /api/v1/trades?limit=50 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n")
    assert b"Authorization: Bearer t\r\n" in request
    assert request.endswith(b"Content-Length: 2\r\n\r\n{}")


async def _parse(raw: bytes) -> tuple[int, bool, bool, bytes]:
    reader = asyncio.StreamReader()
    reader.feed_data(raw + b"NEXT")
    reader.feed_eof()
    status, retry_after, keep_alive = await read_response(reader)
    return status, retry_after, keep_alive, await reader.read()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", (200, False, True)),
        (
            b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\ncontent-length: 0\r\n\r\n",
            (503, True, True),
        ),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", (200, False, True)),
        (b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx", (400, False, False)),
    ],
)
def test_the_fallback_generator_reads_exactly_one_response(
    raw: bytes, expected: tuple[int, bool, bool]
) -> None:
    status, retry_after, keep_alive, rest = asyncio.run(_parse(raw))

    assert (status, retry_after, keep_alive) == expected
    assert rest == b"NEXT"


def test_proc_status_and_stat_parsing() -> None:
    assert vm_rss_bytes("Name:\tpython\nVmRSS:\t  153600 kB\nThreads:\t3\n") == 153600 * 1024
    assert vm_rss_bytes("Name:\tzombie\n") == 0
    assert _ppid("4242 (gunicorn: worker (x)) S 4200 4200 4200 0 -1") == 4200


def test_options_are_validated() -> None:
    assert int_list("16,64") == [16, 64]
    with pytest.raises(ValueError, match="positive integers"):
        int_list("0,16")
    assert [s.name for s in select("bare,me")] == ["bare", "me"]
    assert select(None) == list(SCENARIOS.values())
    with pytest.raises(ValueError, match="unknown scenario"):
        select("bare,nope")
