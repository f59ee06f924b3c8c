"""NestJS routes from decorators, modules and bootstrap code, read as Nest assembles them.

A path is `/{global prefix}/{version}/{module path}/{controller path}/{method path}`:
- the global prefix from `app.setGlobalPrefix(...)` (its `exclude` list honoured), the version
  from `enableVersioning({type: URI, prefix, defaultVersion})`, `@Controller({version})` and
  `@Version(...)` on controllers and handlers;
- module paths from `RouterModule.register([...])` trees (nested `children`, bare modules),
  applied to the controllers each `@Module({controllers})` declares;
- controller routes include those inherited from a base class (the subclass's own first, as
  Nest's metadata scanner walks the prototype chain), `@All`, `@Sse` (a GET).
Values come from literals, constants in any file, `process.env.X` (from `.env` when it sets
X), `a || 'default'`, and config lookups (`config.get('app.prefix')` through
`registerAs('app', () => ({prefix: ...}))`, or a default argument). A prefix that stays unknown
becomes a `{prefix}` placeholder with a warning naming the file and line.
Guards are `@UseGuards(...)`, also inside composed decorators (`applyDecorators`); middleware is
`consumer.apply(...).exclude(...).forRoutes(...)`, listed before the guards as Nest runs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mosaic.legacy.model import (
    ANY_METHOD,
    BodyField,
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
    "Sse": "GET",  # server-sent events: a GET that streams
}
NEUTRAL = "VERSION_NEUTRAL"
HTTP_STATUS = {"OK": 200, "CREATED": 201, "ACCEPTED": 202, "NO_CONTENT": 204, "PARTIAL_CONTENT": 206}
# class-validator decorators -> the documented field type (the TypeScript type is the fallback).
VALIDATOR_TYPES = {
    "IsEmail": "string(email)",
    "IsUUID": "string(uuid)",
    "IsDateString": "string(date-time)",
    "IsISO8601": "string(date-time)",
    "IsDate": "string(date-time)",
    "IsString": "string",
    "IsUrl": "string",
    "IsEnum": "string",
    "IsInt": "integer",
    "IsNumber": "number",
    "IsPositive": "number",
    "IsBoolean": "boolean",
    "IsArray": "array",
    "ArrayNotEmpty": "array",
    "ValidateNested": "object",
    "IsObject": "object",
}
TS_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "Date": "string(date-time)"}
PREFIX_PLACEHOLDER = ":prefix"  # normalised to `{prefix}`
VERSION_PLACEHOLDER = ":version_prefix"
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


@dataclass(frozen=True)
class PathRule:
    """A Nest route pattern (`users/:id`, `admin/*`, `(.*)`) with an optional method."""

    pattern: re.Pattern[str]
    method: str = ANY_METHOD

    @classmethod
    def of(cls, value: Any) -> PathRule | None:
        if isinstance(value, dict):
            path, method = value.get("path"), str(value.get("method", "RequestMethod.ALL")).rsplit(".", 1)[-1]
        else:
            path, method = value, "ALL"
        if not isinstance(path, str):
            return None
        regex = ""
        for token in re.split(r"(\(\.\*\)|\*|:\w+\??)", path.strip("/")):
            if token in {"(.*)", "*"}:
                regex += ".*"
            elif token.startswith(":"):
                regex += "[^/]+" if not token.endswith("?") else "[^/]*"
            else:
                regex += re.escape(token)
        return cls(re.compile(regex), method.upper())

    def matches(self, local: str, method: str) -> bool:
        return bool(self.pattern.fullmatch(local.strip("/"))) and self.method in (ANY_METHOD, method)


@dataclass
class MiddlewareRule:
    names: list[str]
    excludes: list[PathRule]
    controllers: set[str]
    paths: list[PathRule]


@dataclass
class ClassInfo:
    name: str
    node: Node
    file: str
    base: str | None


class NestScanner:
    def __init__(self, root: Path, progress: Progress | None = None) -> None:
        self.root = root
        self.base = root if root.is_dir() else root.parent
        self.constants: dict[str, Any] = {}
        self.config: dict[str, Any] = {}
        self.env = read_env(self.base)
        self.global_prefix = ""
        self.prefix_excludes: list[PathRule] = []
        self.versioning = Versioning()
        self.warnings: list[ScanWarning] = []
        self.progress = progress
        self.nesting = 0
        self.classes: dict[str, ClassInfo] = {}
        self.composed: dict[str, list[str]] = {}  # decorator function -> the guards it applies
        self.module_paths: dict[str, str] = {}
        self.controller_modules: dict[str, str] = {}
        self.middleware: list[MiddlewareRule] = []

    def scan(self) -> Inventory:
        files: list[tuple[str, Node]] = []
        for path in source_files(self.root, (".ts", ".js")):
            file = self.relative(path)

            def report(at: int, message: str, skipped: bool, file: str = file) -> None:
                self.warn(file, at, message, skipped)

            tree = read_tree(path, report)
            if tree is not None:
                files.append((file, tree))
        for file, tree in files:
            self.guarded(file, tree, self.collect_constants)
        for step in (self.collect_structure, self.collect_bootstrap):
            for file, tree in files:
                self.guarded(file, tree, lambda t: step(t, file))  # noqa: B023 - called at once
        inventory = Inventory("nestjs", str(self.root))
        for count, (file, tree) in enumerate(files, 1):
            for node in walk(tree):
                if node.type in {"class_declaration", "abstract_class_declaration"}:
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
            elif (
                node.type == "call_expression" and text(node.child_by_field_name("function")) == "registerAs"
            ):
                args = call_args(node)
                namespace = self.value(args[0]) if args else None
                body = args[1].child_by_field_name("body") if len(args) > 1 else None
                while body is not None and body.type == "parenthesized_expression":
                    body = body.named_children[0]
                if isinstance(namespace, str) and body is not None:
                    values = self.value(body)
                    if isinstance(values, dict):
                        self.config[namespace] = values

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
        kind = node.type
        if kind in {"array", "object"} and node.named_child_count > MAX_LITERAL_ITEMS:
            return Dynamic(snippet(node))
        if kind == "string":
            return string_value(node)
        if kind in {
            "parenthesized_expression",
            "as_expression",
            "non_null_expression",
            "satisfies_expression",
        }:
            return self.value(node.named_children[0])
        if kind == "template_string":
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
        if kind == "array":
            return [self.value(c) for c in node.named_children if c.type != "comment"]
        if kind == "object":
            result = {}
            for pair in node.named_children:
                if pair.type == "pair":
                    key_node = pair.child_by_field_name("key")
                    key = (
                        string_value(key_node) if key_node is not None and key_node.type == "string" else None
                    )
                    result[key or text(key_node)] = self.value(pair.child_by_field_name("value"))
            return result
        if kind == "identifier":
            return NEUTRAL if text(node) == NEUTRAL else self.constants.get(text(node), Dynamic(text(node)))
        if kind == "member_expression":
            return self.member(node)
        if kind == "binary_expression" and text(node.child_by_field_name("operator")) in {"||", "??"}:
            left = self.value(node.child_by_field_name("left"))
            return left if isinstance(left, str) and left else self.value(node.child_by_field_name("right"))
        if kind == "call_expression":
            return self.config_lookup(node)
        if kind == "number":
            return text(node)
        if kind in {"true", "false"}:
            return kind == "true"
        return Dynamic(snippet(node))

    def member(self, node: Node) -> Any:
        prop = text(node.child_by_field_name("property"))
        obj_node = node.child_by_field_name("object")
        if text(obj_node) == "process.env":
            return self.env.get(prop, Dynamic(text(node)))
        obj = self.value(obj_node)
        if isinstance(obj, dict) and prop in obj:
            return obj[prop]
        if prop == NEUTRAL:
            return NEUTRAL
        if obj_node is not None and obj_node.type == "identifier" and text(obj_node)[:1].isupper():
            return text(node)  # an enum member: VersioningType.URI, RequestMethod.GET
        return Dynamic(text(node))

    def config_lookup(self, node: Node) -> Any:
        """`config.get('app.prefix')`, `configService.get<string>('PREFIX', 'api')`, `getOrThrow`."""
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return Dynamic(snippet(node))
        method = text(function.child_by_field_name("property"))
        receiver = text(function.child_by_field_name("object")).lower()
        args = call_args(node)
        key = self.value(args[0]) if args else None
        if method not in {"get", "getOrThrow"} or "config" not in receiver or not isinstance(key, str):
            return Dynamic(snippet(node))
        namespace, _, rest = key.partition(".")
        found: Any = self.config.get(namespace) if rest else None
        for part in rest.split(".") if rest else []:
            found = found.get(part) if isinstance(found, dict) else None
        if isinstance(found, str):
            return found
        if key in self.env:
            return self.env[key]
        default = self.value(args[1]) if len(args) > 1 else None
        return default if isinstance(default, str) else Dynamic(snippet(node))

    # -- modules, classes, composed decorators, middleware ------------------------------------

    def collect_structure(self, tree: Node, file: str) -> None:
        for node in walk(tree):
            if node.type in {"class_declaration", "abstract_class_declaration"}:
                name = text(node.child_by_field_name("name"))
                self.classes[name] = ClassInfo(name, node, file, base_class(node))
                self.module_controllers(node, name)
            elif node.type == "call_expression":
                function = text(node.child_by_field_name("function"))
                if function.endswith("RouterModule.register") and call_args(node):
                    self.router_tree(call_args(node)[0], "")
                elif function.endswith(".forRoutes"):
                    self.middleware_rule(node)
                elif function == "applyDecorators":
                    owner = decorator_function_name(node)
                    if owner is not None:
                        self.composed[owner] = self.guards_in(node)

    def module_controllers(self, node: Node, name: str) -> None:
        module = next((d for d in self.decorators(node) if d.name == "Module"), None)
        call = module.node.named_children[0] if module is not None else None
        options = (
            call_args(call)[0]
            if call is not None and call.type == "call_expression" and call_args(call)
            else None
        )
        for pair in options.named_children if options is not None and options.type == "object" else []:
            if pair.type == "pair" and text(pair.child_by_field_name("key")) == "controllers":
                array = pair.child_by_field_name("value")
                for item in array.named_children if array is not None and array.type == "array" else []:
                    self.controller_modules[text(item)] = name

    def router_tree(self, node: Node, parent: str) -> None:
        """`RouterModule.register([{path, module, children: [...]}, ...])` into module paths."""
        if node.type != "array":
            return
        for item in node.named_children:
            if item.type == "identifier":  # a bare module among children: mounted at the parent's path
                self.module_paths.setdefault(text(item), parent)
            elif item.type == "object":
                pairs = {
                    text(p.child_by_field_name("key")): p.child_by_field_name("value")
                    for p in item.named_children
                    if p.type == "pair"
                }
                path = self.value(pairs["path"]) if "path" in pairs else ""
                if not isinstance(path, str):
                    path = PREFIX_PLACEHOLDER
                here = join_paths(parent, path)
                if pairs.get("module") is not None:
                    self.module_paths[text(pairs["module"])] = here
                children = pairs.get("children")
                if children is not None:
                    self.router_tree(children, here)

    def middleware_rule(self, node: Node) -> None:
        """`consumer.apply(A, B).exclude(...).forRoutes(Controller, 'path', {path, method})`."""
        calls: dict[str, list[Node]] = {}
        current: Node | None = node
        while current is not None and current.type == "call_expression":
            function = current.child_by_field_name("function")
            if function is None or function.type != "member_expression":
                break
            calls.setdefault(text(function.child_by_field_name("property")), call_args(current))
            current = function.child_by_field_name("object")
        if "apply" not in calls:
            return
        names = [
            text(a.child_by_field_name("function")) if a.type == "call_expression" else text(a)
            for a in calls["apply"]
        ]
        rule = MiddlewareRule(names, [], set(), [])
        for arg in calls.get("exclude", []):
            excluded = PathRule.of(self.value(arg))
            if excluded is not None:
                rule.excludes.append(excluded)
        for arg in calls["forRoutes"]:
            if arg.type == "identifier" and not isinstance(self.constants.get(text(arg)), str):
                rule.controllers.add(text(arg))
            else:
                target = PathRule.of(self.value(arg))
                if target is not None:
                    rule.paths.append(target)
        self.middleware.append(rule)

    def guards_in(self, node: Node) -> list[str]:
        names: list[str] = []
        for call in walk(node):
            if call.type == "call_expression" and text(call.child_by_field_name("function")) == "UseGuards":
                names += [
                    text(a.child_by_field_name("function")) if a.type == "call_expression" else text(a)
                    for a in call_args(call)
                ]
        return names

    # -- bootstrap ----------------------------------------------------------------------------

    def collect_bootstrap(self, tree: Node, file: str) -> None:
        for node in walk(tree):
            if node.type != "call_expression":
                continue
            function = node.child_by_field_name("function")
            if function is None or function.type != "member_expression":
                continue
            name = text(function.child_by_field_name("property"))
            if name not in {"setGlobalPrefix", "enableVersioning"}:
                continue
            arg_nodes = call_args(node)
            args = [self.value(a) for a in arg_nodes]
            if name == "setGlobalPrefix" and args:
                if isinstance(args[0], str):
                    self.global_prefix = args[0]
                else:
                    self.global_prefix = PREFIX_PLACEHOLDER
                    self.warn(
                        file,
                        line(node),
                        f"global prefix {snippet(arg_nodes[0])!r} is not knowable statically; "
                        "routes carry a {prefix} placeholder",
                    )
                options = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
                for excluded in as_list(options.get("exclude")):
                    rule = PathRule.of(excluded)
                    if rule is not None:
                        self.prefix_excludes.append(rule)
            elif name == "enableVersioning":
                self.enable_versioning(args, arg_nodes, file, line(node))

    def enable_versioning(self, args: list[Any], arg_nodes: list[Node], file: str, at: int) -> None:
        options = args[0] if args and isinstance(args[0], dict) else {}
        if not str(options.get("type", "VersioningType.URI")).endswith("URI"):
            return  # header, media-type or custom versioning: paths do not change
        default = options.get("defaultVersion")
        prefix: Any = options.get("prefix", "v")
        if prefix is False:
            prefix = ""
        elif not isinstance(prefix, str):
            shown = prefix.source if isinstance(prefix, Dynamic) else repr(prefix)
            self.warn(
                file,
                at,
                f"versioning prefix {shown!r} is not knowable statically; routes carry a "
                "{version_prefix} placeholder in place of the version segment",
            )
            prefix = VERSION_PLACEHOLDER
        self.versioning = Versioning(
            enabled=True,
            default=[str(v) for v in default]
            if isinstance(default, list)
            else [str(default)]
            if default
            else [],
            prefix=prefix,
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
        module_path = self.module_paths.get(self.controller_modules.get(class_name, ""), "")
        routes = []
        seen: set[str] = set()
        for member, method_decorators, member_file in self.methods(class_name, node, file):
            method_name = text(member.child_by_field_name("name"))
            if method_name in seen:
                continue  # overridden in a subclass
            seen.add(method_name)
            routes += self.method_routes(
                member, method_decorators, member_file, class_name, module_path, paths, versions, guards
            )
        return routes

    def methods(self, class_name: str, node: Node, file: str) -> list[tuple[Node, list[Decorator], str]]:
        """Decorated methods of the class, then of its base classes (own first, as Nest reads them)."""
        found: list[tuple[Node, list[Decorator], str]] = []
        chain: set[str] = set()
        current: tuple[Node, str] | None = (node, file)
        while current is not None:
            klass, klass_file = current
            body = klass.child_by_field_name("body")
            pending: list[Decorator] = []
            for member in body.children if body else []:
                if member.type == "decorator":
                    pending.append(self.decorator(member))
                    continue
                if member.type != "method_definition":
                    pending = []
                    continue
                decorators, pending = pending, []
                decorators += [self.decorator(c) for c in member.children if c.type == "decorator"]
                found.append((member, decorators, klass_file))
            chain.add(text(klass.child_by_field_name("name")))
            base = base_class(klass)
            info = self.classes.get(base) if base is not None and base not in chain else None
            current = (info.node, info.file) if info is not None else None
        return found

    def guards(self, decorators: list[Decorator]) -> list[str]:
        names = []
        for decorator in decorators:
            if decorator.name == "UseGuards":
                names += self.guards_in(decorator.node)
            elif decorator.name in self.composed:
                names += self.composed[decorator.name]
        return names

    def method_routes(
        self,
        member: Node,
        decorators: list[Decorator],
        file: str,
        class_name: str,
        module_path: str,
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
        code = next((d.args[0] for d in decorators if d.name == "HttpCode" and d.args), None)
        fixed = HTTP_STATUS.get(str(code).rsplit(".", 1)[-1]) if code is not None else None
        if fixed is None and isinstance(code, str) and code.isdigit():
            fixed = int(code)
        body_source, body = self.body_of(member)
        routes = []
        for decorator in decorators:
            method = HTTP_DECORATORS.get(decorator.name)
            if method is None:
                continue
            for sub in as_list(decorator.args[0]) if decorator.args else [""]:
                for base in controller_paths:
                    if not all(isinstance(p, str) for p in (sub, base)):
                        shown = next(p.source for p in (base, sub) if isinstance(p, Dynamic))
                        self.warn(
                            file, line(decorator.node), f"dynamic route path {shown!r}; route not resolved"
                        )
                        continue
                    local = join_paths(module_path, base, sub)
                    middleware = self.middleware_for(class_name, local, method)
                    prefix = (
                        ""
                        if any(r.matches(local, method) for r in self.prefix_excludes)
                        else self.global_prefix
                    )
                    for version in versions or [None]:
                        segment = (
                            ""
                            if version in (None, NEUTRAL) or not self.versioning.enabled
                            else self.versioning.prefix
                            if self.versioning.prefix == VERSION_PLACEHOLDER
                            else f"{self.versioning.prefix}{version}"
                        )
                        original = join_paths(prefix, segment, local)
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
                                middleware + guards,
                                variants,
                                status=fixed or (201 if method == "POST" else 200),
                                body=body,
                                body_source=body_source,
                            )
                        )
        return routes

    def body_of(self, member: Node) -> tuple[str, list[BodyField]]:
        """The fields of the DTO class of the handler's `@Body()` parameter (class-validator)."""
        parameters = member.child_by_field_name("parameters")
        for parameter in parameters.named_children if parameters is not None else []:
            decorators = [c for c in parameter.named_children if c.type == "decorator"]
            if not any(text(d).replace(" ", "") == "@Body()" for d in decorators):
                continue
            annotation = next((c for c in parameter.named_children if c.type == "type_annotation"), None)
            dto = (
                text(annotation.named_children[0])
                if annotation is not None and annotation.named_children
                else ""
            )
            info = self.classes.get(dto)
            return (dto, self.dto_fields(info)) if info is not None else (dto, [])
        return "", []

    def dto_fields(self, info: ClassInfo) -> list[BodyField]:
        fields: list[BodyField] = []
        chain: set[str] = set()
        current: ClassInfo | None = info
        while current is not None and current.name not in chain:  # fields of base DTOs too
            chain.add(current.name)
            body = current.node.child_by_field_name("body")
            own = []
            for member in body.named_children if body is not None else []:
                if member.type != "public_field_definition":
                    continue
                names = [
                    text(d.named_children[0].child_by_field_name("function") or d.named_children[0])
                    for d in member.named_children
                    if d.type == "decorator"
                ]
                name = text(member.child_by_field_name("name"))
                annotation = next((c for c in member.named_children if c.type == "type_annotation"), None)
                declared = (
                    annotation.named_children[0]
                    if annotation is not None and annotation.named_children
                    else None
                )
                kind = next((VALIDATOR_TYPES[n] for n in names if n in VALIDATOR_TYPES), None)
                if kind is None and declared is not None:
                    kind = (
                        "array" if declared.type == "array_type" else TS_TYPES.get(text(declared), "object")
                    )
                optional = "IsOptional" in names or any(c.type == "?" for c in member.children)
                own.append(BodyField(name, kind or "string", not optional))
            fields = own + [f for f in fields if f.name not in {o.name for o in own}]
            current = self.classes.get(current.base) if current.base else None
        return fields

    def middleware_for(self, class_name: str, local: str, method: str) -> list[str]:
        names: list[str] = []
        for rule in self.middleware:
            targeted = class_name in rule.controllers or any(p.matches(local, method) for p in rule.paths)
            if targeted and not any(e.matches(local, method) for e in rule.excludes):
                names += rule.names
        return names


def base_class(node: Node) -> str | None:
    """`class A extends Base<T>` -> 'Base' (a mixin call `extends Mixin(X)` is not followed)."""
    for child in node.named_children:
        if child.type == "class_heritage":
            for clause in child.named_children:
                if clause.type == "extends_clause":
                    value = clause.child_by_field_name("value")
                    if value is not None and value.type == "identifier":
                        return text(value)
            if child.named_children and child.named_children[0].type == "identifier":
                return text(child.named_children[0])  # JavaScript: class_heritage holds the expression
    return None


def decorator_function_name(call: Node) -> str | None:
    """The function returning an `applyDecorators(...)` call: `function Auth()`, `const Auth = () =>`."""
    current = call.parent
    while current is not None:
        if current.type == "function_declaration":
            return text(current.child_by_field_name("name"))
        if current.type == "variable_declarator":
            return text(current.child_by_field_name("name"))
        current = current.parent
    return None


def read_env(base: Path) -> dict[str, str]:
    """`KEY=value` lines of the project's `.env` (else `.env.example`): what `process.env` holds."""
    for name in (".env", ".env.example"):
        path = base / name
        if path.is_file():
            values = {}
            for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
                key, sep, value = raw.strip().removeprefix("export ").partition("=")
                if sep and key and not key.startswith("#"):
                    values[key.strip()] = value.strip().strip("'\"")
            return values
    return {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def call_args(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments else []


def scan_nestjs(root: Path, progress: Progress | None = None) -> Inventory:
    return NestScanner(root, progress).scan()
