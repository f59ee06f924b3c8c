"""The real app's CORS policy and response headers, for the mock.

Same allow-list (CORS_ORIGINS) with credentials and the same exposed headers as `mosaic.main`, so
a front end that works against the mock works against the API; plus the mock's own
`X-Mock-Example`. Every answer carries `X-Request-ID` (the caller's when it is well-formed).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mosaic.core.config import get_settings

EXPOSED = ["X-Request-ID", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # the rule of mosaic.core.middleware
RATE_LIMIT_EXAMPLE_HEADERS = {
    "Retry-After": "30",
    "X-RateLimit-Limit": "60",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "30",
}


def mock_cors_options(origins: Sequence[str] | None = None) -> dict[str, Any]:
    return {
        "allow_origins": list(origins if origins is not None else get_settings().CORS_ORIGINS),
        "allow_credentials": True,
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": [*EXPOSED, "X-Mock-Example", "Location"],
    }


class RequestIdMiddleware:
    """Echo a well-formed `X-Request-ID`, else make one, on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, with_id)
