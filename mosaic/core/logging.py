"""Logging: readable lines in development, JSON lines in production, secrets never written.

Every record carries the request id and user id of the request it belongs to (from context
variables set by the request middleware). A redaction filter on every handler scrubs passwords,
tokens, secrets, `Authorization` values and card numbers from the message, the traceback and any
structured extras, whichever library produced the record.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from logging.handlers import TimedRotatingFileHandler, WatchedFileHandler
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from mosaic.core.config import Settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_id_var: ContextVar[str] = ContextVar("user_id", default="-")

REDACTED = "[REDACTED]"
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|api[_-]?key|authorization|cookie|credential|private[_-]?key|card",
    re.IGNORECASE,
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (
        re.compile(
            r"(?i)([\w-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|authorization|credential)[\w-]*"
            r"[\"']?\s*[:=]\s*[\"']?)([^\s\"',&}]+)"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)(://[^:/@\s]+:)[^@\s]+@"), r"\1" + REDACTED + "@"),
]
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "user_id"}


_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return "[REDACTED_CARD]" if _luhn_valid(digits) else match.group(0)


def redact_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _CARD.sub(_mask_card, text)


def redact_value(value: Any, key: str = "") -> Any:
    if key and SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        return True


class RedactionFilter(logging.Filter):
    """Rewrites the record in place so that every formatter downstream sees only scrubbed text."""

    _traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_mosaic_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not lose the record
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = redact_value(value, key)
        record._mosaic_redacted = True
        return True


TEXT_FORMAT = "[%(asctime)s] [%(levelname)s] [%(name)s] [%(request_id)s] %(message)s"


class _JsonFormatter(JsonFormatter):
    """JSON lines; formats tracebacks itself (ignoring `exc_text`), so it must redact them too."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - stdlib name
        return redact_text(str(super().formatException(ei)))


def build_formatter(json_lines: bool) -> logging.Formatter:
    if json_lines:
        return _JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    return logging.Formatter(TEXT_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")


def build_handler(handler: logging.Handler, json_lines: bool) -> logging.Handler:
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter())
    handler.setFormatter(build_formatter(json_lines))
    handler._mosaic = True  # type: ignore[attr-defined]
    return handler


def configure_logging(settings: Settings) -> None:
    """Install Mosaic's handlers on the root logger, replacing any it installed before."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_mosaic", False):
            root.removeHandler(existing)
            existing.close()
    root.setLevel(settings.LOG_LEVEL)
    root.addHandler(build_handler(logging.StreamHandler(sys.stderr), settings.json_logs))
    if settings.LOG_FILE_PATH:
        path = Path(settings.LOG_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler
        if settings.LOG_FILE_ROTATION == "external":
            # Several processes append to one file: none may rename it under the others (each
            # would rotate at midnight and lose the others' lines), so the OS rotates it and
            # every process reopens the new file on its next line.
            file_handler = WatchedFileHandler(path, encoding="utf-8", delay=True)
        else:
            file_handler = TimedRotatingFileHandler(
                path, when="midnight", backupCount=14, encoding="utf-8", utc=True, delay=True
            )
        root.addHandler(build_handler(file_handler, settings.json_logs))
    # uvicorn's own access log would duplicate ours (which carries the request id and user).
    logging.getLogger("uvicorn.access").handlers.clear()
    logging.getLogger("uvicorn.access").propagate = False
