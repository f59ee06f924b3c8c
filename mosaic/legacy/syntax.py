"""Tree-sitter parsers for the legacy languages (grammars from PyPI, no Node or PHP needed).

Reading never raises on odd input: a binary file is skipped, undecodable bytes are kept (tree-sitter
reads bytes), a syntax error is reported with its line, and `Walker` subclasses bound their
recursion so a deeply nested expression becomes a warning instead of a `RecursionError`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tree_sitter
import tree_sitter_javascript
import tree_sitter_php
import tree_sitter_typescript

Node = tree_sitter.Node

IGNORED_DIRS = {"node_modules", "vendor", ".git", "dist", "build", "coverage", "storage"}


@cache
def parser(language: str) -> tree_sitter.Parser:
    grammars = {
        "javascript": tree_sitter_javascript.language,
        "typescript": tree_sitter_typescript.language_typescript,
        "tsx": tree_sitter_typescript.language_tsx,
        "php": tree_sitter_php.language_php,
    }
    return tree_sitter.Parser(tree_sitter.Language(grammars[language]()))


def language_of(path: Path) -> str:
    return {
        ".ts": "typescript",
        ".mts": "typescript",
        ".cts": "typescript",
        ".tsx": "tsx",
        ".php": "php",
    }.get(path.suffix, "javascript")


def parse(path: Path) -> Node:
    return parser(language_of(path)).parse(path.read_bytes()).root_node


# Deeper expressions than this are skipped (each level costs the evaluators a few Python frames).
MAX_NESTING = 150
# Array/object literals with more elements are not evaluated (a 10 MB data file stays cheap).
MAX_LITERAL_ITEMS = 2000
SNIPPET_CHARS = 120


class TooDeep(Exception):
    """Raised by an evaluator past `MAX_NESTING`; the scanner skips the statement with a warning."""

    def __init__(self, node: Node) -> None:
        super().__init__(f"nested deeper than {MAX_NESTING} levels")
        self.line = line(node)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file was not (fully) read: `skipped` when nothing of it is in the inventory."""

    line: int
    message: str
    skipped: bool


Report = Callable[[int, str, bool], None]


def read_tree(path: Path, report: Report) -> Node | None:
    """The parsed file, or None (reported) when it cannot be source: binary or unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        report(0, f"cannot read the file ({exc.strerror or exc}); skipped", True)
        return None
    if b"\0" in data[:8192]:
        report(0, "binary file (NUL bytes), not source; skipped", True)
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = data.count(b"\n", 0, exc.start) + 1
        report(at, "not valid UTF-8; read with replacement characters", False)
    data = blank_oversized(data, report)
    root = parser(language_of(path)).parse(data).root_node
    if root.has_error:
        bad = first_error(root)
        report(
            line(bad) if bad is not None else 1,
            "syntax error; definitions around this line may be missing",
            False,
        )
    return root


# Parsed trees cost ~100 bytes of memory per source byte; in files over LARGE_FILE_BYTES a top-level
# statement over MAX_STATEMENT_BYTES (a data literal, a minified bundle) is left out, lines kept.
LARGE_FILE_BYTES = 1024 * 1024
MAX_STATEMENT_BYTES = 256 * 1024
# A line starting in column 0 with something that cannot continue an expression starts a statement.
STATEMENT_START = re.compile(rb"^(?=[^\s})\].,;:?+\-*/|&<>=])", re.MULTILINE)


def blank_oversized(data: bytes, report: Report) -> bytes:
    """`data` with each oversized top-level statement replaced by its newlines."""
    if len(data) <= LARGE_FILE_BYTES:
        return data
    starts = [m.start() for m in STATEMENT_START.finditer(data)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(data)]
    pieces: list[bytes] = []
    for begin, end in itertools.pairwise(bounds):
        if end - begin > MAX_STATEMENT_BYTES:
            at = data.count(b"\n", 0, begin) + 1
            size = (end - begin) / 1_000_000
            report(at, f"statement of {size:.1f} MB (data or minified code) not read", False)
            pieces.append(b"\n" * data.count(b"\n", begin, end))
        else:
            pieces.append(data[begin:end])
    return b"".join(pieces)


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node, descending only into subtrees that contain one."""
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        child = next((c for c in iter_children(node) if c.has_error or c.is_missing), None)
        if child is None:
            return node if node is not root else None
        node = child


def iter_children(node: Node) -> Iterator[Node]:
    """Children one at a time (`children` builds a list of them all: costly on huge nodes)."""
    for index in range(node.child_count):
        child = node.child(index)
        if child is not None:
            yield child


def walk(node: Node) -> Iterator[Node]:
    """Every named node under `node`, in source order, without recursion or a list of them all."""
    cursor = node.walk()
    depth = 0
    while True:
        current = cursor.node
        if current is not None and current.is_named:
            yield current
        if cursor.goto_first_child():
            depth += 1
            continue
        while True:
            if depth == 0:
                return
            if cursor.goto_next_sibling():
                break
            cursor.goto_parent()
            depth -= 1


def snippet(node: Node | None) -> str:
    """A node's source for a message, shortened (never the whole of a huge node)."""
    if node is None:
        return ""
    if node.end_byte - node.start_byte > SNIPPET_CHARS * 4:
        first = node.child(0)
        head = text(first)[:SNIPPET_CHARS] if first is not None else ""
        return " ".join(head.split()) + " ..."
    shown = " ".join(text(node).split())
    return shown if len(shown) <= SNIPPET_CHARS else shown[:SNIPPET_CHARS] + " ..."


def text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def line(node: Node) -> int:
    return node.start_point[0] + 1


def source_files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Source files under `root` (or `root` itself), skipping dependencies and build output."""
    if root.is_file():
        return [root]
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix in suffixes
        and not (IGNORED_DIRS & set(path.relative_to(root).parts))
        and not path.name.endswith((".d.ts", ".spec.ts", ".test.ts", ".spec.js", ".test.js"))
    )


def string_value(node: Node) -> str | None:
    """The value of a plain string literal (JS/TS `string`, PHP quoted strings without interpolation)."""
    if node.type in {"string", "string_literal"}:
        return "".join(
            text(c) for c in node.named_children if c.type in {"string_fragment", "string_content"}
        )
    if node.type == "encapsed_string":
        if any(c.type not in {"string_content", "escape_sequence"} for c in node.named_children):
            return None
        return "".join(text(c) for c in node.named_children)
    return None
