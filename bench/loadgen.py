"""The bundled load generator, used only when wrk is unavailable: keep-alive HTTP/1.1 over asyncio.

It shares the machine's cores with the server and spends far more CPU per request than wrk, so its
requests/s are a floor, not a measurement comparable with wrk's; the report says which one ran.
"""

from __future__ import annotations

import asyncio
import math
import time
from urllib.parse import urlsplit

from bench.report import LoadResult
from bench.wrk import WrkRun


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


def build_request(spec: WrkRun) -> bytes:
    parts = urlsplit(spec.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, "Connection": "keep-alive", **spec.headers}
    if spec.body is not None:
        headers["Content-Length"] = str(len(spec.body))
    head = f"{spec.method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n").encode() + (spec.body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bool]:
    """(status, has Retry-After, server keeps the connection open) of one response; body discarded."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    keep_alive = headers.get("connection", "").lower() != "close"
    return status, "retry-after" in headers, keep_alive


async def _connection(spec: WrkRun, deadline: float, result: LoadResult, latencies: list[float]) -> None:
    parts = urlsplit(spec.url)
    request = build_request(spec)
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(parts.hostname, parts.port or 80), spec.timeout_s
            )
        except (OSError, TimeoutError):
            result.connect_errors += 1
            await asyncio.sleep(0.05)
            continue
        try:
            await _requests(spec, request, reader, writer, deadline, result, latencies)
        finally:
            writer.close()


async def _requests(
    spec: WrkRun,
    request: bytes,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    deadline: float,
    result: LoadResult,
    latencies: list[float],
) -> None:
    """Requests on one open connection until the deadline or until the connection is unusable."""
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            writer.write(request)
            await writer.drain()
            status, retry_after, keep_alive = await asyncio.wait_for(read_response(reader), spec.timeout_s)
        except TimeoutError:
            result.timeouts += 1
            keep_alive = False
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            result.read_errors += 1
            keep_alive = False
        else:
            latencies.append((time.monotonic() - started) * 1000)
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.retry_after += retry_after
            if status >= 400:
                result.non_2xx += 1
        if not keep_alive:
            return


async def _run(spec: WrkRun) -> LoadResult:
    result = LoadResult()
    latencies: list[float] = []
    started = time.monotonic()
    deadline = started + spec.duration_s
    tasks = [_connection(spec, deadline, result, latencies) for _ in range(spec.connections)]
    # Every connection stops at the deadline; the extra timeout bounds a request in flight then.
    await asyncio.wait_for(asyncio.gather(*tasks), spec.duration_s + spec.timeout_s + 5)
    result.duration_s = time.monotonic() - started
    result.rps = result.requests / result.duration_s if result.duration_s else 0.0
    latencies.sort()
    result.p50_ms, result.p99_ms = percentile(latencies, 0.50), percentile(latencies, 0.99)
    result.max_ms = latencies[-1] if latencies else None
    return result


def run(spec: WrkRun) -> LoadResult:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_run(spec))
    return uvloop.run(_run(spec))
