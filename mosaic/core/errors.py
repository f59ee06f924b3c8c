"""Typed errors that services raise, and the handlers that turn every failure into the envelope.

Services never build HTTP responses: they raise `NotFound`, `Conflict`, ... which carry a status
and a stable code. Everything else that can go wrong (validation, unknown routes, database
integrity, a bug) is caught here too, so a client only ever sees the envelope and never a stack
trace, SQL or a secret.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mosaic.core.envelope import ErrorEnvelope, error_body

if TYPE_CHECKING:
    from mosaic.core.constraints import ConstraintErrors

logger = logging.getLogger("mosaic.errors")

# Code for each HTTP status that frameworks (not our services) may produce.
STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("UNAUTHORIZED", "Authentication required"),
    402: ("PAYMENT_REQUIRED", "Payment required"),
    403: ("FORBIDDEN", "You do not have permission to perform this action"),
    404: ("NOT_FOUND", "Resource not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    406: ("NOT_ACCEPTABLE", "Not acceptable"),
    409: ("CONFLICT", "Conflict with the current state of the resource"),
    413: ("PAYLOAD_TOO_LARGE", "Request body is too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    422: ("VALIDATION_ERROR", "Validation failed"),
    429: ("RATE_LIMITED", "Too many requests"),
    500: ("INTERNAL_ERROR", "Internal server error"),
    503: ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
}


class AppError(Exception):
    """Base of every error a service may raise; subclasses fix the status and the code."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_ERROR"
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.error_code = code or self.code
        self.headers = dict(headers or {})
        super().__init__(self.message)


class BadRequest(AppError):
    status_code = 400
    code = "BAD_REQUEST"
    default_message = "Bad request"


class ValidationFailed(AppError):
    """A business-rule validation failure (seed 003 answers these with 400 VALIDATION_ERROR)."""

    status_code = 400
    code = "VALIDATION_ERROR"
    default_message = "Validation failed"


class InvalidInput(AppError):
    """Input that passed the schema but is still invalid for a field (422, with field details)."""

    status_code = 422
    code = "VALIDATION_ERROR"
    default_message = "Validation failed"


class Unauthorized(AppError):
    status_code = 401
    code = "UNAUTHORIZED"
    default_message = "Authentication required"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class PaymentRequired(AppError):
    status_code = 402
    code = "PAYMENT_REQUIRED"
    default_message = "Payment required"


class Forbidden(AppError):
    status_code = 403
    code = "FORBIDDEN"
    default_message = "You do not have permission to perform this action"


class NotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"
    default_message = "Resource not found"


class Conflict(AppError):
    status_code = 409
    code = "CONFLICT"
    default_message = "Conflict with the current state of the resource"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = "Request body is too large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Unsupported media type"


class RateLimited(AppError):
    status_code = 429
    code = "RATE_LIMITED"
    default_message = "Too many requests"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = "Service temporarily unavailable"


def envelope_response(
    status_code: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status_code, code, message, details), status_code=status_code, headers=headers
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per failing field, without echoing the submitted value (it may be a password)."""
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        details.append(
            {
                "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
                "location": loc[0] if loc else "body",
                "message": err.get("msg", "Invalid value"),
                "type": err.get("type", "value_error"),
            }
        )
    return details


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return envelope_response(exc.status_code, exc.error_code, exc.message, exc.details, exc.headers)


def _allowed_methods(request: Request) -> str:
    """Every method of the path, not only of the first route that matched it (RFC 9110 §15.5.6).

    Starlette answers 405 from the first route whose path matches, so `/users/me` (three routes)
    would advertise `Allow: GET` alone.
    """
    path, root = request.scope["path"], request.scope.get("root_path", "")
    path = path[len(root) :] if root and path.startswith(root) else path
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, default = STATUS_CODES.get(exc.status_code, ("HTTP_ERROR", "Request failed"))
    message = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else default
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": _allowed_methods(request)}
    return envelope_response(exc.status_code, code, message, None, headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return envelope_response(422, "VALIDATION_ERROR", "Validation failed", _field_errors(exc))


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A registered constraint (`app.state.constraint_errors`) answers its own typed error;
    any other violation is a generic conflict whose constraint name is logged, not sent."""
    assert isinstance(exc, IntegrityError)
    registry: ConstraintErrors | None = getattr(request.app.state, "constraint_errors", None)
    name = registry.constraint_name(exc) if registry is not None else None
    logger.info("integrity error on %s %s: constraint %s", request.method, request.url.path, name)
    error = registry.error_for(name) if registry is not None else None
    if error is not None:
        return await _app_error(request, error)
    return envelope_response(409, "CONFLICT", "Conflict with an existing resource")


# SQLSTATEs that mean "the database cannot serve you now", not "your statement is wrong":
# class 08 (connection exception), 53 (insufficient resources: 53300 too many clients), 57P
# (operator intervention: shutdown, cannot connect now) and 3D000 (the database is gone).
_OUTAGE_SQLSTATE_PREFIXES = ("08", "53", "57P", "3D000")
_OUTAGE_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTUNREACH, errno.ENETUNREACH}
)
RETRY_AFTER_SECONDS = 5


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return state if isinstance(state, str) else None


def _is_redis_outage(exc: BaseException) -> bool:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, RedisConnectionError | RedisTimeoutError)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says a backing service (database, Redis) is unreachable or refusing work.

    Such a failure is the server's, but not a bug: the answer is 503 with `Retry-After`, at any
    layer (a handler, a dependency, the middleware's rate-limit identity lookup).
    """
    if isinstance(exc, PoolTimeoutError | ConnectionError | TimeoutError | socket.gaierror):
        return True
    if _is_redis_outage(exc):
        return True
    if isinstance(exc, DBAPIError):
        state = _sqlstate(exc)
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            return True
        if state is not None and state.startswith(_OUTAGE_SQLSTATE_PREFIXES):
            return True
        # 55000 is a generic "object not in prerequisite state"; only this text means an outage.
        return state == "55000" and "not currently accepting connections" in str(exc.orig)
    if isinstance(exc, OSError):
        return exc.errno in _OUTAGE_ERRNOS or "Multiple exceptions" in str(exc)
    return False


class OutageLog:
    """Logs repeated identical outage failures once per interval, with how many were folded in.

    An outage under load fails hundreds of requests a second; a traceback each would bury the
    one line an operator needs (which service, which error, since when, how often).
    """

    def __init__(self, log: logging.Logger, interval: float = 10.0) -> None:
        self.logger = log
        self.interval = interval
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int]] = {}

    def report(self, exc: BaseException, where: str) -> None:
        service = "Redis" if _is_redis_outage(exc) else "database"
        state = _sqlstate(exc)
        kind = f"{type(exc).__name__}{f' {state}' if state else ''}"
        key = f"{service}:{kind}"
        now = time.monotonic()
        with self._lock:
            last, folded = self._seen.get(key, (float("-inf"), 0))
            if now - last < self.interval:
                self._seen[key] = (last, folded + 1)
                return
            self._seen[key] = (now, 0)
        since = f"; {folded} more since the last report" if folded else ""
        self.logger.error("%s unavailable (%s) on %s%s", service, kind, where, since)


outage_log = OutageLog(logger)


def outage_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


async def _statement_error(request: Request, exc: Exception) -> JSONResponse:
    """A typed error raised while binding a value (an amount out of range) keeps its answer."""
    assert isinstance(exc, StatementError)
    if isinstance(exc.orig, AppError):
        return await _app_error(request, exc.orig)
    if isinstance(exc.orig, ArithmeticError):
        return await _arithmetic_error(request, exc.orig)
    return await _unhandled(request, exc)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    outage_log.report(exc, f"{request.method} {request.url.path}")
    return envelope_response(
        503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable", headers=outage_headers()
    )


async def _arithmetic_error(request: Request, exc: Exception) -> JSONResponse:
    """Values inside every declared bound may still overflow a computation (a decimal context, a
    date range): the input's fault, so a 422 rather than a 500."""
    logger.info("arithmetic error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return envelope_response(
        422, "VALIDATION_ERROR", "A value is outside the range the server can compute with"
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    if is_outage(exc):
        return await _database_unavailable(request, exc)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return envelope_response(500, "INTERNAL_ERROR", "Internal server error")


# PostgreSQL refuses text it cannot store (a NUL byte: 22021; 22P05): the client's input, not a bug.
UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    app.add_exception_handler(ArithmeticError, _arithmetic_error)
    app.add_exception_handler(StatementError, _statement_error)
    app.add_exception_handler(Exception, _unhandled)


async def _dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    """A lost connection or a locked, full or unreachable database is an outage (503); anything else
    is a bug."""
    assert isinstance(exc, DBAPIError)
    if getattr(exc.orig, "sqlstate", None) in UNSTORABLE_TEXT:
        # A 400 like other rules the schema cannot state (a JSON string may hold a NUL; the
        # database may not): 422 stays the answer for input the schema itself refuses.
        return envelope_response(400, "VALIDATION_ERROR", "Text contains characters that cannot be stored")
    return await _unhandled(request, exc)


def error_responses(
    *status_codes: int, codes: Mapping[int, list[tuple[str, str]]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the error envelope for the given statuses.

    `codes` names the `(code, message)` pairs a status really carries on this route when they are
    not the status's default (login's 401 is INVALID_CREDENTIALS): the published schema turns them
    into that status's named examples.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in (*status_codes, *(s for s in codes or {} if s not in status_codes)):
        entry: dict[str, Any] = {
            "model": ErrorEnvelope,
            "description": STATUS_CODES.get(status, ("", "Error"))[1],
        }
        if codes and status in codes:
            entry[ERROR_CODES_KEY] = [{"code": c, "message": m} for c, m in codes[status]]
        responses[status] = entry
    return responses


# Response-object key that carries `error_responses(codes=...)` to the schema completer, which
# removes it.
ERROR_CODES_KEY = "x-error-codes"


# Documented on every API route: they can happen anywhere (400: a body that cannot be decoded).
COMMON_ERROR_RESPONSES = error_responses(400, 422, 429, 500)
