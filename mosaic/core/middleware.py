"""The request middleware: request id, body limits, rate limit, access log and metrics in one pass.

Pure ASGI (not `BaseHTTPMiddleware`) because it sits on every request's hot path and must not
copy the body or spawn tasks; one class rather than one per concern because each layer costs a
call and a `send` wrapper per message on every request. It is the only place that sees a request
before routing, so the 413, 415 and 429 answers that must not reach a handler are given here, as
envelopes.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mosaic.core.envelope import error_body
from mosaic.core.errors import RateLimited, is_outage, outage_headers, outage_log
from mosaic.core.logging import request_id_var, user_id_var

if TYPE_CHECKING:
    from mosaic.core.ratelimit import RateLimiter

access_logger = logging.getLogger("mosaic.access")
error_logger = logging.getLogger("mosaic.errors")

REQUESTS = Counter("mosaic_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "mosaic_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {b"POST", b"PUT", b"PATCH"}
_ACCEPTED_TYPES = (
    "application/json",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
)
_QUIET_PATHS = {"/health/live", "/health/ready", "/metrics"}
# Probes, docs and static media are not API traffic: never rate limited.
RATE_LIMIT_EXEMPT_PREFIXES = ("/health", "/metrics", "/docs", "/redoc", "/openapi.json", "/media/")


def new_request_id() -> str:
    """128 random bits as hex: unique enough to trace a request, and no `os.urandom` syscall
    per request (an id is a correlation handle, not a secret)."""
    return f"{random.getrandbits(128):032x}"


def _accepted_content_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _ACCEPTED_TYPES or (media.startswith("application/") and media.endswith("+json"))


async def _send_envelope(
    send: Send,
    status: int,
    code: str,
    message: str,
    request_id: str,
    extra_headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    body = orjson.dumps(error_body(status, code, message))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"x-content-type-options", b"nosniff"),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _encode_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_in_flight: int = 0,
        limiter: RateLimiter | None = None,
        rate_limit_exempt: Sequence[str] = RATE_LIMIT_EXEMPT_PREFIXES,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Back-pressure: beyond this many requests in progress, refuse at once instead of
        # letting them queue for a database connection until they time out (0: no cap).
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        # The general rate limit runs here, before routing, so a refused request costs no route.
        self.limiter = limiter
        self.rate_limit_exempt = tuple(rate_limit_exempt)
        self._metrics: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else new_request_id()
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set("-")
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "started": False}
        added = [(b"x-request-id", request_id.encode()), (b"x-content-type-options", b"nosniff")]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                own = message.get("headers", [])
                names = {name.lower() for name, _ in own}
                message["headers"] = [*own, *(header for header in added if header[0] not in names)]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise StarletteHTTPException(413)
            return message

        full = 0 < self.max_in_flight <= self.in_flight
        overloaded = full and scope["path"] not in _QUIET_PATHS
        self.in_flight += 1
        try:
            if overloaded:
                state["status"] = 503
                await _send_envelope(
                    send,
                    503,
                    "SERVICE_UNAVAILABLE",
                    "Server busy, retry shortly",
                    request_id,
                    [(b"retry-after", b"1")],
                )
                return
            rejection = self._reject_before_routing(scope["method"].encode(), headers)
            if rejection is not None:
                state["status"] = rejection[0]
                await _send_envelope(send, *rejection, request_id)
                return
            if self.limiter is not None and self._rate_limited(scope):
                try:
                    limit = await self.limiter.check_general(scope)
                except RateLimited as exc:
                    state["status"] = 429
                    await _send_envelope(
                        send, 429, exc.error_code, exc.message, request_id, _encode_headers(exc.headers)
                    )
                    return
                if limit is not None:
                    added.extend(_encode_headers(limit.headers()))
            await self.app(scope, limited_receive, send_with_id)
        except StarletteHTTPException as exc:  # raised by limited_receive outside a route
            if state["started"] or exc.status_code != 413:
                raise
            state["status"] = 413
            await _send_envelope(send, 413, "PAYLOAD_TOO_LARGE", "Request body is too large", request_id)
        except Exception as exc:
            # Answer here rather than in Starlette's outermost handler so the answer carries the
            # request id header and the log line carries the request id.
            if is_outage(exc):  # a backing service is down: 503, one log line per interval
                outage_log.report(exc, f"{scope['method']} {scope['path']}")
                if state["started"]:
                    raise
                state["status"] = 503
                await _send_envelope(
                    send,
                    503,
                    "SERVICE_UNAVAILABLE",
                    "Service temporarily unavailable",
                    request_id,
                    _encode_headers(outage_headers()),
                )
                return
            error_logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if state["started"]:
                raise
            state["status"] = 500
            await _send_envelope(send, 500, "INTERNAL_ERROR", "Internal server error", request_id)
        finally:
            self.in_flight -= 1
            self._record(scope, state["status"], time.perf_counter() - started)
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)

    def _rate_limited(self, scope: Scope) -> bool:
        return scope["method"] != "OPTIONS" and not scope["path"].startswith(self.rate_limit_exempt)

    def _reject_before_routing(
        self, method: bytes, headers: dict[bytes, bytes]
    ) -> tuple[int, str, str] | None:
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return 400, "BAD_REQUEST", "Invalid Content-Length header"
            if declared > self.max_body_bytes:
                return 413, "PAYLOAD_TOO_LARGE", "Request body is too large"
        has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
        if method in _BODY_METHODS and has_body:
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if not _accepted_content_type(content_type):
                return 415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON, a form or multipart/form-data"
        return None

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "<unmatched>"
        method = scope["method"]
        metrics = self._metrics.get((method, template, status))
        if metrics is None:  # labels() takes a lock and builds a key: resolve each series once
            metrics = (REQUESTS.labels(method, template, str(status)), LATENCY.labels(method, template))
            if len(self._metrics) < 10_000:
                self._metrics[(method, template, status)] = metrics
        metrics[0].inc()
        metrics[1].observe(elapsed)
        path = scope["path"]
        if path in _QUIET_PATHS and status < 400:
            return
        user_id = scope.get("state", {}).get("user_id")
        client = scope.get("client")
        access_logger.info(
            "%s %s %s %.1fms user=%s ip=%s",
            method,
            path,
            status,
            elapsed * 1000,
            user_id or "-",
            client[0] if client else "-",
            extra={
                "http_method": method,
                "path": path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "user": str(user_id) if user_id else None,
            },
        )
