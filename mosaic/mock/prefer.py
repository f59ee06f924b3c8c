"""What a caller asks the mock for, read from `Prefer` (RFC 7240) and the `__code`/`__example` query.

Preference names are case-insensitive and may be separated by `,` or `;`, in one header or several
(`Prefer: code=404; example=gone` is one request). A value that cannot be honoured (`code=abc`,
`code=`, `code=²`, two different codes) is a `PreferError`, answered with 400 and the choices;
unknown preferences are ignored, as RFC 7240 asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PART = re.compile(r"^\s*([A-Za-z_-]+)\s*(?:=\s*(\"[^\"]*\"|[^\s\"]*))?\s*$")
STATUS = re.compile(r"^[1-5][0-9]{2}$")  # ASCII digits only: `²`.isdigit() is True in Python
KNOWN = ("code", "example", "dynamic")


class PreferError(ValueError):
    """A preference the mock understands but whose value it cannot use."""


@dataclass(frozen=True, slots=True)
class Choice:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False


def _pairs(headers: Iterable[str]) -> list[tuple[str, str]]:
    pairs = []
    for header in headers:
        for part in re.split(r"[,;]", header):
            if not part.strip():
                continue
            match = PART.match(part)
            if match is None:
                raise PreferError(f"cannot read the preference {part.strip()!r}")
            name, value = match.group(1).lower(), (match.group(2) or "").strip('"')
            if name in KNOWN:
                pairs.append((name, value))
    return pairs


def parse_choice(prefer_headers: Iterable[str], query: Mapping[str, str]) -> Choice:
    """The caller's choice; the query forms win over the header (they are easier to type)."""
    wanted: dict[str, str] = {}
    for name, value in _pairs(prefer_headers):
        if name in wanted and wanted[name] != value:
            raise PreferError(f"two different values for {name}: {wanted[name]!r} and {value!r}")
        wanted[name] = value
    for name in ("code", "example", "dynamic"):
        if f"__{name}" in query:
            wanted[name] = query[f"__{name}"]
    code = wanted.get("code")
    if code is not None and not STATUS.match(code):
        raise PreferError(f"code must be a three-digit HTTP status, not {code!r}")
    example = wanted.get("example")
    if example is not None and not example:
        raise PreferError("example needs a name")
    dynamic = wanted.get("dynamic", "false").lower()
    if dynamic not in {"true", "false"}:
        raise PreferError(f"dynamic must be true or false, not {dynamic!r}")
    return Choice(int(code) if code else None, example, dynamic == "true")
