"""Tree-sitter parsers for the legacy languages (grammars from PyPI, no Node or PHP needed)."""

from __future__ import annotations

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
