"""The mapping-file format of `legacy import-mongo`: which collection goes into which table, how.

A mapping file is YAML (the built-in mappings for seed 003 use the same format, see
`seed003.yaml`; the format is documented in the README, "Importing the data from MongoDB"):

    collections:
      - collection: courses          # the file courses.json / courses.jsonl / courses.bson
        table: courses               # an existing Mosaic table
        match: [slug]                # optional: an existing live row with equal values is linked
        explode: lessons             # optional: one row per item of this array
        fields:
          title: title               # column: dotted path in the document
          owner_id: {from: owner, ref: users}          # an ObjectId of another collection
          email: {from: auth_id, through: auth, pick: email, transform: lower}
          level: {from: level, one_of: [beginner, expert], default: beginner}
          code: {from: code, pattern: "^[A-Z]{3}$"}
          name: {template: "{resource}:{action}"}
          steps: {from: flow, items: {agent_id: {from: agent_id, ref: agents}}}
          kind: {value: imported}    # a constant
        links:                       # optional many-to-many rows
          - {from: tags, ref: tags, table: course_tags, this: course_id, other: tag_id}
        also_ids: [{collection: auth, from: auth_id}]   # more legacy ids that name this row

`created_at`, `updated_at` and `is_deleted` are copied by convention when the table has them and
`fields` does not name them; `deleted_at` is set for a deleted document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FIELD_KEYS = {"from", "ref", "through", "pick", "transform", "default", "value", "one_of", "pattern"}
FIELD_KEYS |= {"template", "items", "required"}


class MappingError(ValueError):
    """The mapping file itself is wrong (one line: where and why)."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    column: str
    source: str | None = None  # dotted path in the document ("" = the document itself)
    ref: str | None = None  # the collection whose new id replaces the ObjectId
    through: str | None = None  # look the value up in this collection's document ...
    pick: str | None = None  # ... and take this path of it
    transform: str | None = None
    default: Any = None
    value: Any = None
    has_value: bool = False
    one_of: tuple[Any, ...] | None = None
    pattern: re.Pattern[str] | None = None
    template: str | None = None
    items: tuple[FieldSpec, ...] | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class LinkSpec:
    source: str
    ref: str
    table: str
    this: str
    other: str


@dataclass(frozen=True, slots=True)
class AlsoId:
    collection: str
    source: str


@dataclass(frozen=True, slots=True)
class CollectionMapping:
    collection: str
    table: str | None  # None: read only as a `through` source (seed 003's `auth`)
    fields: tuple[FieldSpec, ...] = ()
    match: tuple[str, ...] = ()
    explode: str | None = None
    links: tuple[LinkSpec, ...] = ()
    also_ids: tuple[AlsoId, ...] = ()

    def depends_on(self) -> set[str]:
        """Collections that must be imported first (their new ids are referenced)."""
        found = {link.ref for link in self.links} | {also.collection for also in self.also_ids}
        stack = list(self.fields)
        while stack:
            spec = stack.pop()
            if spec.ref:
                found.add(spec.ref)
            stack.extend(spec.items or ())
        return found - {self.collection}

    def sources(self) -> set[str]:
        """Collections read whole into memory for `through` lookups."""
        return {s.through for s in self.fields if s.through}


@dataclass(slots=True)
class MappingSet:
    collections: dict[str, CollectionMapping] = field(default_factory=dict)

    def update(self, other: MappingSet) -> None:
        self.collections.update(other.collections)


def _field(column: str, raw: Any, where: str) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(column, source=raw)
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a path or a mapping, got {type(raw).__name__}")
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if bool(raw.get("through")) != bool(raw.get("pick")):
        raise MappingError(f"{where}: `through` and `pick` go together")
    items = raw.get("items")
    if items is not None and not isinstance(items, dict):
        raise MappingError(f"{where}.items: expected a mapping of item fields")
    pattern = raw.get("pattern")
    try:
        compiled = re.compile(str(pattern)) if pattern is not None else None
    except re.error as exc:
        raise MappingError(f"{where}.pattern: {exc}") from exc
    one_of = raw.get("one_of")
    if one_of is not None and not isinstance(one_of, list):
        raise MappingError(f"{where}.one_of: expected a list")
    return FieldSpec(
        column=column,
        source=raw.get("from", column if "value" not in raw and "template" not in raw else None),
        ref=raw.get("ref"),
        through=raw.get("through"),
        pick=raw.get("pick"),
        transform=raw.get("transform"),
        default=raw.get("default"),
        value=raw.get("value"),
        has_value="value" in raw,
        one_of=tuple(one_of) if one_of is not None else None,
        pattern=compiled,
        template=raw.get("template"),
        items=tuple(_field(k, v, f"{where}.items.{k}") for k, v in items.items()) if items else None,
        required=bool(raw.get("required", False)),
    )


def _collection(raw: Any, where: str) -> CollectionMapping:
    if not isinstance(raw, dict) or not isinstance(raw.get("collection"), str):
        raise MappingError(f"{where}: each entry needs `collection: NAME`")
    name = raw["collection"]
    where = f"{where} ({name})"
    known = {"collection", "table", "fields", "match", "explode", "links", "also_ids"}
    unknown = set(raw) - known
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict):
        raise MappingError(f"{where}.fields: expected a mapping of column: source")
    try:
        links = tuple(
            LinkSpec(link["from"], link["ref"], link["table"], link["this"], link["other"])
            for link in raw.get("links") or []
        )
        also = tuple(AlsoId(a["collection"], a["from"]) for a in raw.get("also_ids") or [])
    except (KeyError, TypeError) as exc:
        raise MappingError(
            f"{where}: links need from/ref/table/this/other, also_ids collection/from"
        ) from exc
    return CollectionMapping(
        collection=name,
        table=raw.get("table"),
        fields=tuple(_field(str(c), v, f"{where}.fields.{c}") for c, v in fields.items()),
        match=tuple(raw.get("match") or ()),
        explode=raw.get("explode"),
        links=links,
        also_ids=also,
    )


def parse_mappings(text: str, origin: str) -> MappingSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise MappingError(f"{origin}:{at} not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("collections"), list):
        raise MappingError(f"{origin}: expected a top-level `collections:` list")
    mappings = MappingSet()
    for index, raw in enumerate(data["collections"]):
        mapping = _collection(raw, f"{origin}: collections[{index}]")
        mappings.collections[mapping.collection] = mapping
    return mappings


def load_mappings(path: Path) -> MappingSet:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc})") from exc
    return parse_mappings(text, str(path))


def builtin_mappings() -> MappingSet:
    """Seed 003's collections (the Moniqo backend) onto accounts and trading tables."""
    return parse_mappings(
        (Path(__file__).parent / "seed003.yaml").read_text(encoding="utf-8"), "seed003.yaml"
    )
