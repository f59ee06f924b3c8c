"""Laravel routes from `routes/*.php`: verbs, `match`/`any`, resources, groups, prefixes, middleware.

Files under `routes/` are read as Laravel loads them: `api.php` with the `api` prefix and
middleware group, `web.php` with `web`. `Route::prefix()->middleware()->name()->group(...)`
chains, the array form of `Route::group([...], fn)`, nested groups, `require` of another route file
inside a group, `Route::resource`/`apiResource` (with `only`/`except`, as a chain or options) are
expanded into the routes Laravel registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mosaic.legacy.model import (
    ANY_METHOD,
    Inventory,
    LegacyRoute,
    Progress,
    ScanWarning,
    join_paths,
    normalise_laravel,
)
from mosaic.legacy.syntax import (
    MAX_LITERAL_ITEMS,
    MAX_NESTING,
    Node,
    TooDeep,
    iter_children,
    line,
    read_tree,
    snippet,
    source_files,
    string_value,
    text,
)

VERBS = {"get", "post", "put", "patch", "delete", "options"}
RESOURCE_ACTIONS = [
    ("index", "GET", ""),
    ("create", "GET", "/create"),
    ("store", "POST", ""),
    ("show", "GET", "/{%s}"),
    ("edit", "GET", "/{%s}/edit"),
    ("update", "PUT", "/{%s}"),
    ("update", "PATCH", "/{%s}"),
    ("destroy", "DELETE", "/{%s}"),
]
API_ONLY = {"index", "store", "show", "update", "destroy"}
FILE_CONTEXT = {"api.php": ("api", ["api"]), "web.php": ("", ["web"])}


class Dynamic:
    def __init__(self, source: str) -> None:
        self.source = source


@dataclass(frozen=True)
class Group:
    prefix: str = ""
    middleware: tuple[str, ...] = ()
    controller: str | None = None


@dataclass
class Chain:
    """`Route::a(...)->b(...)->c(...)` unrolled: [(name, argument nodes, call node), ...]."""

    calls: list[tuple[str, list[Node], Node]] = field(default_factory=list)


def singular(word: str) -> str:
    """Laravel's resource parameter name, for the plurals route files use."""
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


class LaravelScanner:
    def __init__(self, root: Path, progress: Progress | None = None) -> None:
        self.root = root
        self.base = root if root.is_dir() else root.parent
        self.routes: list[LegacyRoute] = []
        self.warnings: list[ScanWarning] = []
        self.loaded: set[Path] = set()
        self.trees: dict[Path, Node | None] = {}
        self.progress = progress
        self.nesting = 0

    def tree(self, path: Path) -> Node | None:
        key = path.resolve()
        if key not in self.trees:
            file = self.relative(path)
            self.trees[key] = read_tree(
                path,
                lambda at, message, skipped: self.warnings.append(ScanWarning(file, at, message, skipped)),
            )
        return self.trees[key]

    def scan(self) -> Inventory:
        routes_dir = self.root / "routes" if (self.root / "routes").is_dir() else self.root
        files = source_files(routes_dir, (".php",))
        required = set()
        for path in files:
            tree = self.tree(path)
            if tree is not None:
                required |= {p.resolve() for p in self.required_files(tree, path)}
        for path in files:
            if path.resolve() in required:
                continue  # loaded by the file that requires it, inside its group
            prefix, middleware = FILE_CONTEXT.get(path.name, ("", []))
            self.load(path, Group(prefix, tuple(middleware)))
        return Inventory("laravel", str(self.root), self.routes, self.warnings)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.base.resolve()).as_posix()

    def required_files(self, tree: Node, path: Path) -> list[Path]:
        found = []
        stack = [tree]
        while stack:
            node = stack.pop()
            if node.type in {"require_expression", "require_once_expression", "include_expression"}:
                target = self.file_of(node.named_children[0], path) if node.named_children else None
                if target is not None:
                    found.append(target)
            stack.extend(node.named_children)
        return found

    def file_of(self, node: Node, current: Path) -> Path | None:
        """`__DIR__ . '/admin.php'` or `base_path('routes/admin.php')` as a path."""
        raw = text(node)
        match = re.search(r"['\"]([^'\"]+\.php)['\"]", raw)
        if not match:
            return None
        name = match.group(1)
        target = (current.parent / name.lstrip("/")) if "__DIR__" in raw else (self.base / name)
        return target if target.is_file() else None

    def load(self, path: Path, group: Group) -> None:
        self.loaded.add(path.resolve())
        tree = self.tree(path)
        file = self.relative(path)
        variables: dict[str, Any] = {}
        saved = self.nesting
        for statement in iter_children(tree) if tree is not None else iter(()):
            try:
                self.block_child(statement, group, file, path, variables)
            except (TooDeep, RecursionError) as exc:
                at = exc.line if isinstance(exc, TooDeep) else line(statement)
                self.warnings.append(
                    ScanWarning(
                        file,
                        at,
                        f"expression nested too deeply (over {MAX_NESTING} levels); statement skipped",
                        True,
                    )
                )
            finally:
                self.nesting = saved
        if self.progress is not None:
            self.progress(len(self.loaded), len(self.routes))

    # -- statements ---------------------------------------------------------------------------

    def block(self, node: Node, group: Group, file: str, path: Path, variables: dict[str, Any]) -> None:
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise TooDeep(node)
            for child in node.named_children:
                self.block_child(child, group, file, path, variables)
        finally:
            self.nesting -= 1

    def block_child(
        self, child: Node, group: Group, file: str, path: Path, variables: dict[str, Any]
    ) -> None:
        if child.type == "expression_statement" and child.named_children:
            self.statement(child.named_children[0], group, file, path, variables)
        elif child.type in {"compound_statement", "if_statement", "else_clause", "foreach_statement"}:
            self.block(child, group, file, path, variables)

    def statement(self, node: Node, group: Group, file: str, path: Path, variables: dict[str, Any]) -> None:
        if node.type == "assignment_expression":
            name = text(node.child_by_field_name("left"))
            variables[name] = self.value(node.child_by_field_name("right"), variables)
            return
        if node.type in {"require_expression", "require_once_expression", "include_expression"}:
            target = self.file_of(node.named_children[0], path) if node.named_children else None
            if target is not None:
                self.load(target, group)
            else:
                self.warnings.append(ScanWarning(file, line(node), f"cannot resolve {text(node)!r}"))
            return
        chain = unroll(node)
        if chain is None:
            return
        self.route_chain(chain, group, file, path, variables)

    def value(self, node: Node | None, variables: dict[str, Any]) -> Any:
        if node is None:
            return None
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise TooDeep(node)
            return self.value_of(node, variables)
        finally:
            self.nesting -= 1

    def value_of(self, node: Node, variables: dict[str, Any]) -> Any:
        if node.type == "array_creation_expression" and node.named_child_count > MAX_LITERAL_ITEMS:
            return Dynamic(snippet(node))
        if node.type == "argument":
            return self.value(node.named_children[-1], variables)
        plain = string_value(node)
        if plain is not None:
            return plain
        if node.type == "encapsed_string":
            parts = []
            for child in node.named_children:
                if child.type in {"string_content", "escape_sequence"}:
                    parts.append(text(child))
                else:
                    inner = variables.get(text(child))
                    if not isinstance(inner, str):
                        return Dynamic(text(node))
                    parts.append(inner)
            return "".join(parts)
        if node.type == "binary_expression" and text(node.child_by_field_name("operator")) == ".":
            left = self.value(node.child_by_field_name("left"), variables)
            right = self.value(node.child_by_field_name("right"), variables)
            return left + right if isinstance(left, str) and isinstance(right, str) else Dynamic(text(node))
        if node.type == "variable_name":
            return variables.get(text(node), Dynamic(text(node)))
        if node.type == "array_creation_expression":
            items: list[Any] = []
            keyed: dict[str, Any] = {}
            for element in node.named_children:
                children = element.named_children
                if len(children) == 2:
                    keyed[str(self.value(children[0], variables))] = self.value(children[1], variables)
                elif children:
                    items.append(self.value(children[0], variables))
            return keyed or items
        if node.type == "class_constant_access_expression":
            return text(node.named_children[0])
        return Dynamic(snippet(node))

    # -- routes -------------------------------------------------------------------------------

    def route_chain(
        self, chain: Chain, group: Group, file: str, path: Path, variables: dict[str, Any]
    ) -> None:
        attrs = group
        after: list[tuple[str, list[Any]]] = []
        target: tuple[str, list[Any], Node] | None = None
        for name, arg_nodes, call in chain.calls:
            args = [self.value(a, variables) for a in arg_nodes]
            if target is None and name in {"prefix", "middleware", "controller"}:
                attrs = self.apply(attrs, name, args)
            elif target is None and name == "group":
                self.group(attrs, args, arg_nodes, file, path, variables)
                return
            elif target is None and name in VERBS | {
                "any",
                "match",
                "resource",
                "apiResource",
                "view",
                "redirect",
            }:
                target = (name, args, call)
            elif target is not None:
                after.append((name, args))
        if target is None:
            return
        name, args, call = target
        for key, value in after:
            if key == "middleware":
                attrs = replace(attrs, middleware=attrs.middleware + tuple(as_strings(value)))
        if name in {"resource", "apiResource"}:
            self.resource(name, args, after, attrs, file, line(call))
            return
        if name == "match":
            methods = [str(m).upper() for m in (args[0] if args and isinstance(args[0], list) else [])]
            uri, action = (args[1] if len(args) > 1 else ""), (args[2] if len(args) > 2 else None)
        else:
            methods = [
                ANY_METHOD if name == "any" else "GET" if name in {"view", "redirect"} else name.upper()
            ]
            uri, action = (args[0] if args else ""), (args[1] if len(args) > 1 else None)
        handler = (
            "view" if name == "view" else "redirect" if name == "redirect" else self.handler(action, attrs)
        )
        for method in methods:
            self.add(method, uri, handler, attrs, file, line(call))

    def apply(self, attrs: Group, name: str, args: list[Any]) -> Group:
        if name == "prefix":
            prefix = args[0] if args else ""
            return replace(
                attrs, prefix=join_paths(attrs.prefix, prefix) if isinstance(prefix, str) else attrs.prefix
            )
        if name == "middleware":
            return replace(
                attrs, middleware=attrs.middleware + tuple(as_strings(args[0] if len(args) == 1 else args))
            )
        return replace(attrs, controller=str(args[0]) if args else None)

    def group(
        self,
        attrs: Group,
        args: list[Any],
        arg_nodes: list[Node],
        file: str,
        path: Path,
        variables: dict[str, Any],
    ) -> None:
        for value in args:
            if isinstance(value, dict):
                for key in ("prefix", "middleware", "controller"):
                    if key in value:
                        attrs = self.apply(attrs, key, [value[key]])
        body_node = arg_nodes[-1].named_children[-1] if arg_nodes else None
        if body_node is None:
            return
        if body_node.type in {"anonymous_function", "arrow_function"}:
            body = body_node.child_by_field_name("body")
            if body is not None:
                self.block(body, attrs, file, path, dict(variables))
        else:
            target = self.file_of(body_node, path)
            if target is not None:
                self.load(target, attrs)

    def handler(self, action: Any, attrs: Group) -> str:
        if isinstance(action, list) and len(action) == 2:
            return f"{action[0]}@{action[1]}"
        if isinstance(action, str):
            return f"{attrs.controller}@{action}" if attrs.controller and "@" not in action else action
        return "Closure"

    def resource(
        self, kind: str, args: list[Any], after: list[tuple[str, list[Any]]], attrs: Group, file: str, at: int
    ) -> None:
        name = args[0] if args else None
        controller = str(args[1]) if len(args) > 1 else "?"
        if not isinstance(name, str):
            self.warnings.append(ScanWarning(file, at, "dynamic resource name; routes not resolved"))
            return
        actions = {a for a, _, _ in RESOURCE_ACTIONS} if kind == "resource" else set(API_ONLY)
        options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
        for key, value in [*options.items(), *((k, v[0] if v else []) for k, v in after)]:
            if key == "only":
                actions &= set(as_strings(value))
            elif key == "except":
                actions -= set(as_strings(value))
        segments = name.split(".")
        base = ""
        for parent in segments[:-1]:
            base = join_paths(base, parent, "{" + singular(parent) + "}")
        base = join_paths(base, segments[-1])
        param = singular(segments[-1])
        for action, method, suffix in RESOURCE_ACTIONS:
            if action in actions:
                uri = base + (suffix % param if "%s" in suffix else suffix)
                self.add(method, uri, f"{controller}@{action}", attrs, file, at)

    def add(self, method: str, uri: Any, handler: str, attrs: Group, file: str, at: int) -> None:
        if not isinstance(uri, str):
            source = uri.source if isinstance(uri, Dynamic) else repr(uri)
            self.warnings.append(ScanWarning(file, at, f"dynamic route path {source!r}; route not resolved"))
            return
        original = join_paths(attrs.prefix, uri)
        path, params, variants = normalise_laravel(original)
        self.routes.append(
            LegacyRoute(method, path, original, handler, file, at, params, list(attrs.middleware), variants)
        )


def as_strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def unroll(node: Node) -> Chain | None:
    """A `Route::...` call chain in call order, or None for anything else."""
    calls: list[tuple[str, list[Node], Node]] = []
    current: Node | None = node
    while current is not None:
        if current.type == "member_call_expression":
            calls.append((text(current.child_by_field_name("name")), arguments(current), current))
            current = current.child_by_field_name("object")
        elif current.type == "scoped_call_expression":
            if text(current.child_by_field_name("scope")).lstrip("\\").split("\\")[-1] != "Route":
                return None
            calls.append((text(current.child_by_field_name("name")), arguments(current), current))
            current = None
        else:
            return None
    calls.reverse()
    return Chain(calls)


def arguments(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type == "argument"] if args else []


def scan_laravel(root: Path, progress: Progress | None = None) -> Inventory:
    return LaravelScanner(root, progress).scan()
