"""Documents of a MongoDB export: `mongoexport` JSON lines or arrays (extended JSON), `mongodump` BSON.

A collection is the file `<name>.json|.jsonl|.ndjson|.bson` in the dump folder or one folder
below it (mongodump writes `<db>/<name>.bson`). Extended JSON (`{"$oid": ...}`,
`{"$date": ...}`, `$numberDecimal`, canonical or relaxed) is decoded by pymongo's `bson`, the
maintained implementation. A document that does not decode is yielded as a `Broken` entry with
its line, so the import reports it instead of stopping at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import bson
from bson import json_util
from bson.errors import BSONError

SUFFIXES = (".json", ".jsonl", ".ndjson", ".bson")
OPTIONS = json_util.JSONOptions(tz_aware=True, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Document:
    position: int  # line in a JSON-lines file, index in an array or a BSON file (1-based)
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Broken:
    position: int
    reason: str


def collection_files(dump: Path) -> dict[str, Path]:
    """Collection name -> its file (the first found when a name appears twice)."""
    found: dict[str, Path] = {}
    candidates = sorted(p for p in dump.iterdir() if p.is_file())
    candidates += sorted(p for d in sorted(dump.iterdir()) if d.is_dir() for p in d.iterdir() if p.is_file())
    for path in candidates:
        if path.suffix in SUFFIXES and not path.name.endswith(".metadata.json"):
            found.setdefault(path.stem, path)
    return found


def documents(path: Path) -> Iterator[Document | Broken]:
    if path.suffix == ".bson":
        yield from _bson(path)
        return
    with path.open("rb") as handle:
        head = handle.read(1024).lstrip()
    if head.startswith(b"["):
        yield from _array(path)
    else:
        yield from _lines(path)


def _decoded(raw: Any) -> dict[str, Any] | str:
    if not isinstance(raw, dict):
        return f"expected a document (JSON object), got {type(raw).__name__}"
    return raw


def _lines(path: Path) -> Iterator[Document | Broken]:
    with path.open("rb") as handle:
        for number, raw_line in enumerate(handle, 1):
            stripped = raw_line.strip()
            if not stripped:
                continue
            try:
                value = _decoded(json_util.loads(stripped.decode("utf-8"), json_options=OPTIONS))
            except UnicodeDecodeError:
                yield Broken(number, "not UTF-8 text")
                continue
            except (ValueError, TypeError, BSONError) as exc:
                yield Broken(number, f"not extended JSON ({_short(exc)})")
                continue
            yield Document(number, value) if isinstance(value, dict) else Broken(number, value)


def _array(path: Path) -> Iterator[Document | Broken]:
    try:
        items = json_util.loads(path.read_text(encoding="utf-8"), json_options=OPTIONS)
    except (ValueError, TypeError, BSONError, UnicodeDecodeError) as exc:
        yield Broken(0, f"the file is not a JSON array of documents ({_short(exc)})")
        return
    for index, item in enumerate(items, 1):
        value = _decoded(item)
        yield Document(index, value) if isinstance(value, dict) else Broken(index, value)


def _bson(path: Path) -> Iterator[Document | Broken]:
    options: bson.CodecOptions[dict[str, Any]] = bson.CodecOptions(tz_aware=True, tzinfo=UTC)
    with path.open("rb") as handle:
        index = 0
        try:
            for index, item in enumerate(bson.decode_file_iter(handle, codec_options=options), 1):
                yield Document(index, dict(item))
        except BSONError as exc:
            yield Broken(index + 1, f"not BSON ({_short(exc)}); the rest of the file is unread")


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def dumps(value: Any) -> str:
    """A document value for a message (ObjectIds and dates as extended JSON)."""
    return json.dumps(value, default=str)[:120]
