"""The route inventory a scanner produces, and legacy path syntaxes normalised to `{param}` form."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FRAMEWORKS = ("express", "nestjs", "laravel")
ANY_METHOD = "ALL"
# Called by a scanner after each file: (files read, routes found so far).
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    optional: bool = False
    wildcard: bool = False


@dataclass(frozen=True, slots=True)
class BodyField:
    """A request body field a validator or DTO reveals (`@IsEmail() email`, `body('email')`)."""

    name: str
    type: str = "string"
    required: bool = True


@dataclass(slots=True)
class LegacyRoute:
    """One route of the legacy app: what it answers, where it is defined, what guards it."""

    method: str
    path: str
    original_path: str
    handler: str
    file: str
    line: int
    params: list[Param] = field(default_factory=list)
    middleware: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    domain: str = ""  # Laravel `Route::domain(...)`: the host pattern the route answers on
    status: int | None = None  # the success status, when the code shows it (@HttpCode, res.status)
    body: list[BodyField] = field(default_factory=list)
    body_source: str = ""  # the DTO class or validator the body fields come from

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class ScanWarning:
    file: str
    line: int
    message: str
    # True when the file (or a statement of it) was not read at all: the inventory is incomplete.
    skipped: bool = False


@dataclass(slots=True)
class Inventory:
    framework: str
    root: str
    routes: list[LegacyRoute] = field(default_factory=list)
    warnings: list[ScanWarning] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        return any(w.skipped for w in self.warnings)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Inventory:
        """The inventory in `text`; `NotAnInventory` (one line) for anything else."""
        try:
            data: dict[str, Any] = json.loads(text)
            routes = [
                LegacyRoute(
                    **{
                        **r,
                        "params": [Param(**p) for p in r.get("params", [])],
                        "body": [BodyField(**b) for b in r.get("body", [])],
                    }
                )
                for r in data["routes"]
            ]
            warnings = [ScanWarning(**w) for w in data.get("warnings", [])]
            if data["framework"] not in FRAMEWORKS:
                raise ValueError(f"unknown framework {data['framework']!r}")
            return cls(data["framework"], data["root"], routes, warnings)
        except json.JSONDecodeError as exc:
            raise NotAnInventory(f"not JSON (line {exc.lineno}: {exc.msg})") from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            raise NotAnInventory(f"JSON but not a scan inventory ({detail})") from exc

    @classmethod
    def load(cls, path: Path) -> Inventory:
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            raise NotAnInventory("a binary file, not a scan inventory")
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotAnInventory(f"not UTF-8 text (byte {exc.start}), not a scan inventory") from exc
        return cls.from_json(decoded)


class NotAnInventory(ValueError):
    """The file given to `legacy diff` is not what `legacy scan -o` writes."""


def join_paths(*parts: str) -> str:
    """URL pieces joined with single slashes: ('/api/', 'users', '/:id') -> '/api/users/:id'."""
    pieces = [p.strip("/") for p in parts if p and p.strip("/")]
    return "/" + "/".join(pieces)


_GROUP = re.compile(r"\{([^{}]*)\}")
_OPTIONAL_PARAM = re.compile(r"/:(\w+)(\([^)]*\))?\?")
_PARAM = re.compile(r":(\w+)(\([^)]*\))?")
_SPLAT = re.compile(r"\*(\w+)")


def _expand(raw: str) -> list[str]:
    """Every concrete form of a path with optional parts, the fullest first."""
    group = _GROUP.search(raw)
    if group:
        return _expand(raw[: group.start()] + group.group(1) + raw[group.end() :]) + _expand(
            raw[: group.start()] + raw[group.end() :]
        )
    optional = _OPTIONAL_PARAM.search(raw)
    if optional:
        kept = raw[: optional.start()] + f"/:{optional.group(1)}" + raw[optional.end() :]
        return _expand(kept) + _expand(raw[: optional.start()] + raw[optional.end() :])
    return [raw]


def _to_braces(raw: str) -> str:
    path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", raw)
    path = _SPLAT.sub(lambda m: "{" + m.group(1) + ":path}", path)
    count = 0

    def wildcard(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return "{wildcard:path}" if count == 1 else f"{{wildcard{count}:path}}"

    path = re.sub(r"\(\.\*\)|\*", wildcard, path)
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/") or "/"


def normalise_express(raw: str) -> tuple[str, list[Param], list[str]]:
    """Express/NestJS (path-to-regexp 0.x-8.x) syntax to (`{param}` path, params, variants)."""
    variants = list(dict.fromkeys(_to_braces(v) for v in _expand(raw)))
    full = variants[0]
    names = re.findall(r"\{(\w+)(:path)?\}", full)
    params = [
        Param(name, optional=any(f"{{{name}" not in v for v in variants), wildcard=bool(suffix))
        for name, suffix in names
    ]
    return full, params, variants if len(variants) > 1 else []


def normalise_laravel(raw: str) -> tuple[str, list[Param], list[str]]:
    """Laravel `{id}`, `{id?}`, `{post:slug}` to the same normalised form."""
    express = re.sub(r"\{(\w+)(?::\w+)?(\?)?\}", lambda m: f":{m.group(1)}{m.group(2) or ''}", raw)
    return normalise_express(express)
