"""NestJS routes from decorators: `@Controller` + `@Get/@Post/...`, guards, global prefix, versioning.

Reads `app.setGlobalPrefix('api')` and `app.enableVersioning({type: VersioningType.URI,
defaultVersion, prefix})` from any file (normally `main.ts`), then every decorated controller.
Paths are `/{prefix}/v{version}/{controller}/{route}` as Nest builds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mosaic.legacy.model import (
    ANY_METHOD,
    Inventory,
    LegacyRoute,
    Progress,
    ScanWarning,
    join_paths,
    normalise_express,
)
from mosaic.legacy.syntax import (
    MAX_LITERAL_ITEMS,
    MAX_NESTING,
    Node,
    TooDeep,
    line,
    read_tree,
    snippet,
    source_files,
    string_value,
    text,
    walk,
)

HTTP_DECORATORS = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "Options": "OPTIONS",
    "Head": "HEAD",
    "All": ANY_METHOD,
}
NEUTRAL = "VERSION_NEUTRAL"
T = TypeVar("T")


class Dynamic:
    def __init__(self, source: str) -> None:
        self.source = source


@dataclass
class Versioning:
    enabled: bool = False
    default: list[str] = field(default_factory=list)
    prefix: str = "v"


@dataclass
class Decorator:
    name: str
    args: list[Any]
    node: Node


class NestScanner:
    def __init__(self, root: Path, progress: Progress | None = None) -> None:
        self.root = root
        self.base = root if root.is_dir() else root.parent
        self.constants: dict[str, Any] = {}
        self.global_prefix = ""
        self.versioning = Versioning()
        self.warnings: list[ScanWarning] = []
        self.progress = progress
        self.nesting = 0

    def scan(self) -> Inventory:
        files: list[tuple[Path, Node]] = []
        for path in source_files(self.root, (".ts", ".js")):
            file = self.relative(path)

            def report(at: int, message: str, skipped: bool, file: str = file) -> None:
                self.warn(file, at, message, skipped)

            tree = read_tree(path, report)
            if tree is not None:
                files.append((path, tree))
        for path, tree in files:
            self.guarded(self.relative(path), tree, self.collect_constants)
        for path, tree in files:
            file = self.relative(path)
            self.guarded(file, tree, lambda t: self.collect_bootstrap(t, file))  # noqa: B023 - called at once
        inventory = Inventory("nestjs", str(self.root))
        for count, (path, tree) in enumerate(files, 1):
            file = self.relative(path)
            for node in walk(tree):
                if node.type == "class_declaration":
                    inventory.routes += self.guarded(file, node, lambda n: self.controller(n, file)) or []  # noqa: B023
            if self.progress is not None:
                self.progress(count, len(inventory.routes))
        inventory.warnings = self.warnings
        return inventory

    def warn(self, file: str, at: int, message: str, skipped: bool = False) -> None:
        self.warnings.append(ScanWarning(file, at, message, skipped))

    def guarded(self, file: str, node: Node, step: Callable[[Node], T]) -> T | None:
        """Run one reading step; an expression nested too deeply skips it with a warning."""
        try:
            return step(node)
        except (TooDeep, RecursionError) as exc:
            at = exc.line if isinstance(exc, TooDeep) else line(node)
            self.warn(file, at, f"expression nested too deeply (over {MAX_NESTING} levels); skipped", True)
            return None
        finally:
            self.nesting = 0

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.base.resolve()).as_posix()

    # -- values -------------------------------------------------------------------------------

    def collect_constants(self, tree: Node) -> None:
        for node in walk(tree):
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is not None and name.type == "identifier" and value is not None:
                    evaluated = self.value(value)
                    if isinstance(evaluated, str | list | dict):
                        self.constants[text(name)] = evaluated

    def value(self, node: Node | None) -> Any:
        if node is None:
            return Dynamic("")
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise TooDeep(node)
            return self.value_of(node)
        finally:
            self.nesting -= 1

    def value_of(self, node: Node) -> Any:
        if node.type in {"array", "object"} and node.named_child_count > MAX_LITERAL_ITEMS:
            return Dynamic(snippet(node))
        if node.type == "string":
            return string_value(node)
        if node.type == "template_string":
            parts = []
            for child in node.named_children:
                if child.type == "string_fragment":
                    parts.append(text(child))
                elif child.type == "template_substitution":
                    inner = self.value(child.named_children[0])
                    if not isinstance(inner, str):
                        return Dynamic(text(node))
                    parts.append(inner)
            return "".join(parts)
        if node.type == "array":
            return [self.value(c) for c in node.named_children]
        if node.type == "object":
            result = {}
            for pair in node.named_children:
                if pair.type == "pair":
                    result[text(pair.child_by_field_name("key"))] = self.value(
                        pair.child_by_field_name("value")
                    )
            return result
        if node.type == "identifier":
            return NEUTRAL if text(node) == NEUTRAL else self.constants.get(text(node), Dynamic(text(node)))
        if node.type == "member_expression":
            prop = text(node.child_by_field_name("property"))
            obj = self.value(node.child_by_field_name("object"))
            if isinstance(obj, dict) and prop in obj:
                return obj[prop]
            return NEUTRAL if prop == NEUTRAL else text(node)
        if node.type == "number":
            return text(node)
        if node.type in {"true", "false"}:
            return node.type == "true"
        return Dynamic(snippet(node))

    # -- bootstrap ----------------------------------------------------------------------------

    def collect_bootstrap(self, tree: Node, file: str) -> None:
        for node in walk(tree):
            if node.type != "call_expression":
                continue
            function = node.child_by_field_name("function")
            if function is None or function.type != "member_expression":
                continue
            name = text(function.child_by_field_name("property"))
            args = [self.value(a) for a in call_args(node)]
            if name == "setGlobalPrefix" and args:
                if isinstance(args[0], str):
                    self.global_prefix = args[0]
                else:
                    self.warnings.append(
                        ScanWarning(file, line(node), "dynamic global prefix; paths lack it")
                    )
            elif name == "enableVersioning":
                options = args[0] if args and isinstance(args[0], dict) else {}
                kind = str(options.get("type", "VersioningType.URI"))
                if kind.endswith("URI"):
                    default = options.get("defaultVersion")
                    prefix = options.get("prefix", "v")
                    self.versioning = Versioning(
                        enabled=True,
                        default=[str(v) for v in default]
                        if isinstance(default, list)
                        else [str(default)]
                        if default
                        else [],
                        prefix=prefix if isinstance(prefix, str) else "",
                    )

    # -- controllers --------------------------------------------------------------------------

    def decorators(self, node: Node) -> list[Decorator]:
        found = []
        holders = [node]
        if node.parent is not None and node.parent.type == "export_statement":
            holders.insert(0, node.parent)
        for holder in holders:
            for child in holder.children:
                if child.type == "decorator":
                    found.append(self.decorator(child))
        return found

    def decorator(self, node: Node) -> Decorator:
        expression = node.named_children[0]
        if expression.type == "call_expression":
            return Decorator(
                text(expression.child_by_field_name("function")),
                [self.value(a) for a in call_args(expression)],
                node,
            )
        return Decorator(text(expression), [], node)

    def controller(self, node: Node, file: str) -> list[LegacyRoute]:
        decorators = self.decorators(node)
        controller = next((d for d in decorators if d.name == "Controller"), None)
        if controller is None:
            return []
        paths: list[Any] = [""]
        versions: list[Any] = []
        if controller.args:
            first = controller.args[0]
            if isinstance(first, dict):
                paths = as_list(first.get("path", ""))
                versions = as_list(first.get("version")) if "version" in first else []
            else:
                paths = as_list(first)
        versions = (
            as_list(next((d.args[0] for d in decorators if d.name == "Version" and d.args), None)) or versions
        )
        guards = self.guards(decorators)
        class_name = text(node.child_by_field_name("name"))
        routes = []
        body = node.child_by_field_name("body")
        pending: list[Decorator] = []
        for member in body.children if body else []:
            if member.type == "decorator":
                pending.append(self.decorator(member))
                continue
            if member.type != "method_definition":
                pending = []
                continue
            method_decorators, pending = pending, []
            method_decorators += [self.decorator(c) for c in member.children if c.type == "decorator"]
            routes += self.method_routes(member, method_decorators, file, class_name, paths, versions, guards)
        return routes

    @staticmethod
    def guards(decorators: list[Decorator]) -> list[str]:
        names = []
        for decorator in decorators:
            if decorator.name == "UseGuards":
                call = decorator.node.named_children[0]
                names += [
                    text(a.child_by_field_name("function")) if a.type == "call_expression" else text(a)
                    for a in call_args(call)
                ]
        return names

    def method_routes(
        self,
        member: Node,
        decorators: list[Decorator],
        file: str,
        class_name: str,
        controller_paths: list[Any],
        controller_versions: list[Any],
        class_guards: list[str],
    ) -> list[LegacyRoute]:
        versions = (
            as_list(next((d.args[0] for d in decorators if d.name == "Version" and d.args), None))
            or controller_versions
        )
        if not versions and self.versioning.enabled:
            versions = list(self.versioning.default)
        guards = class_guards + self.guards(decorators)
        handler = f"{class_name}.{text(member.child_by_field_name('name'))}"
        routes = []
        for decorator in decorators:
            method = HTTP_DECORATORS.get(decorator.name)
            if method is None:
                continue
            for sub in as_list(decorator.args[0]) if decorator.args else [""]:
                for base in controller_paths:
                    for version in versions or [None]:
                        if not all(isinstance(p, str) for p in (sub, base)):
                            shown = next(p.source for p in (base, sub) if isinstance(p, Dynamic))
                            self.warnings.append(
                                ScanWarning(
                                    file,
                                    line(decorator.node),
                                    f"dynamic route path {shown!r}; route not resolved",
                                )
                            )
                            continue
                        segment = (
                            ""
                            if version in (None, NEUTRAL) or not self.versioning.enabled
                            else f"{self.versioning.prefix}{version}"
                        )
                        original = join_paths(self.global_prefix, segment, base, sub)
                        path, params, variants = normalise_express(original)
                        routes.append(
                            LegacyRoute(
                                method,
                                path,
                                original,
                                handler,
                                file,
                                line(decorator.node),
                                params,
                                list(guards),
                                variants,
                            )
                        )
        return routes


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def call_args(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments else []


def scan_nestjs(root: Path, progress: Progress | None = None) -> Inventory:
    return NestScanner(root, progress).scan()
