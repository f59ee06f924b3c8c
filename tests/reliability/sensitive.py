"""SECURITY-CHECKLIST 1.07 as a schemathesis check: no response, success or error, carries a
sensitive key or a known secret value, at any depth.

Registered on import (tests/reliability/conftest.py), so it runs on every answer of the
stateless and the stateful fuzz. Keys that are never answered: passwords and their hashes, raw
credentials and API keys or secrets, client secrets, Google ids, reset or verify tokens, payment
provider secrets. Bearer tokens (`access_token`, `refresh_token`) only where the operation's
documented answer declares them (login, refresh, the token endpoint). A masked value
(`********wxyz`) is no leak whatever its key. Values: a password hash
(argon2, bcrypt) or one of the test settings' secrets anywhere in the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import schemathesis

from tests.conftest import make_settings

NEVER = frozenset(
    {
        "password",
        "password_hash",
        "hashed_password",
        "current_password",
        "new_password",
        "credentials",
        "api_key",
        "api_secret",
        "secret",
        "secret_key",
        "client_secret",
        "google_id",
        "reset_token",
        "verify_token",
        "verification_token",
        "email_token",
        "stripe_secret_key",
        "stripe_webhook_secret",
        "square_access_token",
        "square_webhook_signature_key",
        "webhook_secret",
        "private_key",
    }
)
BEARER = frozenset({"access_token", "refresh_token", "id_token"})
# A masked value (`********wxyz`: the tail only, as wallets show credentials) is no leak.
MASKED = re.compile(r"^[*•]{4,}")
HASH = re.compile(r"\$(argon2(id|i|d)|2[aby])\$")
_SETTINGS = make_settings()
SECRETS = tuple(
    value
    for value in (
        _SETTINGS.JWT_SECRET_KEY.get_secret_value(),
        _SETTINGS.SUPERADMIN_PASSWORD.get_secret_value(),
    )
    if len(value) >= 8
)


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key), item
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _declared_keys(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """Every property name reachable from the operation's documented responses."""
    found: set[str] = set()
    seen: set[str] = set()
    stack: list[Any] = [operation.get("responses", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
                seen.add(ref)
                target: Any = spec
                for part in ref[2:].split("/"):
                    target = target.get(part, {}) if isinstance(target, dict) else {}
                stack.append(target)
            properties = node.get("properties")
            if isinstance(properties, dict):
                found |= set(properties)
            stack.extend(value for key, value in node.items() if key not in {"examples", "example"})
        elif isinstance(node, list):
            stack.extend(node)
    return found


_DECLARED: dict[tuple[int, str, str], set[str]] = {}


def leaks(body: Any, *, declared: set[str]) -> list[str]:
    """What in a response body is sensitive: `path: key` or `path: value` findings."""
    found = []
    for path, key, item in _walk(body):
        name = key.lower()
        masked = isinstance(item, str) and MASKED.match(item) is not None
        if (name in NEVER and not masked) or (name in BEARER and name not in declared):
            found.append(f"{path or '<root>'}: key {key!r}")
        if isinstance(item, str) and (HASH.search(item) or any(secret in item for secret in SECRETS)):
            found.append(f"{path}.{key}: a password hash or a secret value")
    return found


@schemathesis.check
def no_sensitive_data(ctx: Any, response: Any, case: Any) -> bool | None:
    """Checklist 1.07: the body of every answer, at every depth (see the module doc)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text if isinstance(response.text, str) else ""
        assert not any(secret in text for secret in SECRETS), "a secret value in a non-JSON answer"
        return None
    spec = case.operation.schema.raw_schema
    method, path = case.operation.method.lower(), case.operation.path
    cache_key = (id(spec), method, path)
    if cache_key not in _DECLARED:
        _DECLARED[cache_key] = _declared_keys(spec, spec.get("paths", {}).get(path, {}).get(method, {}))
    found = leaks(body, declared=_DECLARED[cache_key])
    assert not found, f"sensitive data in the answer of {method.upper()} {path}: {found}"
    return None
