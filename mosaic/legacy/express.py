"""Express routes, read statically by evaluating just enough JavaScript/TypeScript.

The scanner follows the module graph (`require`, `import`, `module.exports`, `export`), tracks
which values are the app and which are routers, and records every `app.METHOD`, `app.all`,
`router.route(p).get().post()` and `use(prefix, router)` mount, with middleware in order. Mounts
built in a loop over a literal array (`for ... of`, `forEach`, `map`) and functions called with
the app (`require('./routes')(app)`) are evaluated with their arguments bound. A path it cannot
resolve to a string becomes a warning with file and line, never a silent omission.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    iter_children,
    line,
    read_tree,
    snippet,
    source_files,
    string_value,
    text,
)

logger = logging.getLogger("mosaic.legacy")

METHODS = ("get", "post", "put", "patch", "delete", "options", "head", "all")
SUCCESS_STATUS = re.compile(r"\.(?:status|sendStatus)\(\s*(2\d\d)\s*\)")
# express-validator / Joi chain methods -> the documented field type
CHAIN_TYPES = {
    "isEmail": "string(email)",
    "email": "string(email)",
    "isUUID": "string(uuid)",
    "uuid": "string(uuid)",
    "isISO8601": "string(date-time)",
    "isDate": "string(date-time)",
    "isInt": "integer",
    "integer": "integer",
    "isNumeric": "number",
    "isFloat": "number",
    "number": "number",
    "isBoolean": "boolean",
    "boolean": "boolean",
    "isArray": "array",
    "array": "array",
    "isObject": "object",
    "object": "object",
    "isString": "string",
    "string": "string",
}
SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx")
MAX_CALL_DEPTH = 12


class Unknown:
    """A value the scanner cannot know statically (an environment variable, a function result)."""

    def __init__(self, source: str = "") -> None:
        self.source = source


class ExpressModule:
    """`require('express')`: calling it makes an app; `.Router()` makes a router."""


class RouterFactory:
    """`express.Router` / `import { Router } from 'express'`."""


@dataclass(eq=False)
class Router:
    kind: str  # "app" or "router"
    file: str
    line: int
    events: list[tuple[Any, ...]] = field(default_factory=list)
    mounted: bool = False


@dataclass(eq=False)
class RouteBuilder:
    router: Router
    path: Any
    file: str
    line: int


@dataclass(eq=False)
class Function:
    node: Node
    module: Module
    scope: Scope
    this: Any = None  # the instance a class method is bound to


@dataclass(eq=False)
class ClassValue:
    """A class declaration: `new` runs its field initialisers and constructor on an `Instance`."""

    name: str
    node: Node
    module: Module
    scope: Scope
    base: Any = None


class Instance(dict[str, Any]):
    """An object made by `new`: fields and bound methods by name (`this.router`, `this.init`)."""

    def __init__(self, cls: ClassValue) -> None:
        super().__init__()
        self.cls = cls


class JSMap(list[list[Any]]):
    """`new Map([[k, v], ...])`: iterates as [key, value] pairs; `forEach` passes (value, key)."""


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.values: dict[str, Any] = {}
        self.parent = parent

    def get(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return Unknown(name)

    def set(self, name: str, value: Any) -> None:
        self.values[name] = value

    def assign(self, name: str, value: Any) -> None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                scope.values[name] = value
                return
            scope = scope.parent
        self.values[name] = value


@dataclass(eq=False)
class Module:
    path: Path
    relative: str
    exports: Any = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)


class ExpressScanner:
    def __init__(self, root: Path, progress: Progress | None = None) -> None:
        self.root = root
        self.base = root if root.is_dir() else root.parent
        self.modules: dict[Path, Module] = {}
        self.routers: list[Router] = []
        self.warnings: list[ScanWarning] = []
        self.depth = 0
        self.nesting = 0
        self.progress = progress

    # -- modules ------------------------------------------------------------------------------

    def scan(self) -> Inventory:
        for path in source_files(self.root, SUFFIXES):
            self.load(path)
        inventory = Inventory("express", str(self.root))
        apps = [r for r in self.routers if r.kind == "app"]
        roots = apps or [r for r in self.routers if not r.mounted]
        for router in roots:
            self.flatten(router, "", [], inventory.routes, set())
        for router in self.routers:
            if router.kind == "router" and not router.mounted and apps and router.events:
                self.warn(
                    router.file, router.line, "router is never mounted on the app; its routes are skipped"
                )
        inventory.warnings = sorted(set(self.warnings), key=lambda w: (w.file, w.line, w.message))
        return inventory

    def load(self, path: Path) -> Module:
        path = path.resolve()
        if path in self.modules:
            return self.modules[path]  # cached, or a cycle: the partial exports
        relative = path.relative_to(self.base.resolve()).as_posix()
        module = Module(path, relative)
        module.scope.set("module", {"exports": module.exports})
        module.scope.set("exports", module.exports)
        self.modules[path] = module
        tree = read_tree(path, lambda at, message, skipped: self.warn(relative, at, message, skipped))
        for statement in iter_children(tree) if tree is not None else iter(()):
            self.top_level(statement, module)
        if self.progress is not None:
            self.progress(len(self.modules), sum(len(r.events) for r in self.routers))
        module_obj = module.scope.get("module")
        if isinstance(module_obj, dict) and module_obj.get("exports") is not module.exports:
            module.exports = module_obj["exports"]
        return module

    def resolve(self, specifier: str, module: Module, at: int = 0) -> Any:
        if specifier == "express":
            return ExpressModule()
        if not specifier.startswith("."):
            return Unknown(specifier)
        target = (module.path.parent / specifier).resolve()
        candidates = [target, *(target.with_name(target.name + s) for s in SUFFIXES)]
        candidates += [target / f"index{s}" for s in SUFFIXES]
        if target.suffix == ".js":  # TypeScript compiled-path imports: './users.js' is './users.ts'
            candidates += [target.with_suffix(s) for s in SUFFIXES]
        for candidate in candidates:
            if candidate.is_file():
                return self.load(candidate).exports
        self.warn(module.relative, at, f"cannot resolve module {specifier!r}")
        return Unknown(specifier)

    def warn(self, file: str, at: int, message: str, skipped: bool = False) -> None:
        self.warnings.append(ScanWarning(file, at, message, skipped))

    def top_level(self, statement: Node, module: Module) -> None:
        """One statement of a module; one too deeply nested to read is skipped with a warning."""
        nesting = self.nesting
        try:
            self.exec(statement, module, module.scope)
        except (TooDeep, RecursionError) as exc:
            at = exc.line if isinstance(exc, TooDeep) else line(statement)
            self.warn(
                module.relative,
                at,
                f"expression nested too deeply (over {MAX_NESTING} levels); statement skipped",
                True,
            )
        finally:
            self.nesting = nesting

    def deeper(self, node: Node) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise TooDeep(node)

    # -- statements ---------------------------------------------------------------------------

    def exec(self, node: Node | None, module: Module, scope: Scope) -> None:
        if node is None:
            return
        self.deeper(node)
        try:
            self.exec_node(node, module, scope)
        finally:
            self.nesting -= 1

    def exec_node(self, node: Node, module: Module, scope: Scope) -> None:
        kind = node.type
        if kind in {"lexical_declaration", "variable_declaration"}:
            for declarator in node.named_children:
                if declarator.type == "variable_declarator":
                    value_node = declarator.child_by_field_name("value")
                    value = self.eval(value_node, module, scope) if value_node else None
                    self.bind(declarator.child_by_field_name("name"), value, scope)
        elif kind == "import_statement":
            self.import_(node, module, scope)
        elif kind == "export_statement":
            self.export(node, module, scope)
        elif kind == "function_declaration":
            name = node.child_by_field_name("name")
            scope.set(text(name), Function(node, module, scope))
        elif kind == "for_in_statement":
            self.for_of(node, module, scope)
        elif kind in {"class_declaration", "abstract_class_declaration"}:
            scope.set(text(node.child_by_field_name("name")), self.class_value(node, module, scope))
        elif kind == "comment":
            return
        elif kind == "expression_statement" or kind.endswith("expression"):
            for child in node.named_children if kind == "expression_statement" else [node]:
                self.eval(child, module, scope)
        elif kind == "return_statement":
            for child in node.named_children:
                self.eval(child, module, scope)
        else:
            inner = Scope(scope) if kind == "statement_block" else scope
            for child in node.named_children:
                self.exec(child, module, inner)

    def bind(self, pattern: Node | None, value: Any, scope: Scope) -> None:
        if pattern is None:
            return
        if pattern.type == "identifier":
            scope.set(text(pattern), value)
        elif pattern.type == "object_pattern":
            for part in pattern.named_children:
                if part.type == "shorthand_property_identifier_pattern":
                    scope.set(text(part), self.member(value, text(part)))
                elif part.type == "pair_pattern":
                    key = text(part.child_by_field_name("key"))
                    self.bind(part.child_by_field_name("value"), self.member(value, key), scope)
                elif part.type == "object_assignment_pattern":
                    self.bind(
                        part.child_by_field_name("left"),
                        self.member(value, text(part.child_by_field_name("left"))),
                        scope,
                    )
        elif pattern.type == "array_pattern":
            items = value if isinstance(value, list) else []
            for index, part in enumerate(pattern.named_children):
                self.bind(part, items[index] if index < len(items) else Unknown(text(part)), scope)
        elif pattern.type == "assignment_pattern":
            self.bind(pattern.child_by_field_name("left"), value, scope)

    def import_(self, node: Node, module: Module, scope: Scope) -> None:
        source = node.child_by_field_name("source")
        specifier = string_value(source) if source else None
        if specifier is None:
            return
        exports = self.resolve(specifier, module, line(node))
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        for part in clause.named_children if clause else []:
            if part.type == "identifier":
                default = self.member(exports, "default")
                scope.set(text(part), exports if isinstance(default, Unknown) else default)
            elif part.type == "namespace_import":
                scope.set(text(part.named_children[0]), exports)
            elif part.type == "named_imports":
                for spec in part.named_children:
                    name = text(spec.child_by_field_name("name"))
                    alias = spec.child_by_field_name("alias")
                    scope.set(text(alias) if alias else name, self.member(exports, name))

    def export(self, node: Node, module: Module, scope: Scope) -> None:
        declaration = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        exports = module.exports if isinstance(module.exports, dict) else {}
        if declaration is not None:
            self.exec(declaration, module, scope)
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    exports[text(name)] = scope.get(text(name))
            function_name = declaration.child_by_field_name("name")
            if (
                declaration.type
                in {"function_declaration", "class_declaration", "abstract_class_declaration"}
                and function_name is not None
            ):
                exports[text(function_name)] = scope.get(text(function_name))
                if any(child.type == "default" for child in node.children):
                    exports["default"] = exports[text(function_name)]
        elif value is not None:
            exports["default"] = self.eval(value, module, scope)
        for clause in (c for c in node.named_children if c.type == "export_clause"):
            for spec in clause.named_children:
                local = text(spec.child_by_field_name("name"))
                alias = spec.child_by_field_name("alias")
                exports[text(alias) if alias else local] = scope.get(local)

    def for_of(self, node: Node, module: Module, scope: Scope) -> None:
        right = self.eval(node.child_by_field_name("right"), module, scope)
        is_of = any(c.type == "of" or text(c) == "of" for c in node.children)
        if not is_of and isinstance(right, dict) and not isinstance(right, Instance):
            right, is_of = list(right), True  # for (const key in {...}): its keys
        if not isinstance(right, list) or not is_of:
            self.exec(node.child_by_field_name("body"), module, scope)  # routes inside still count
            return
        for item in right:
            inner = Scope(scope)
            self.bind(node.child_by_field_name("left"), item, inner)
            self.exec(node.child_by_field_name("body"), module, inner)

    # -- expressions --------------------------------------------------------------------------

    def member(self, value: Any, name: str) -> Any:
        if isinstance(value, dict):
            return value.get(name, Unknown(name))
        if isinstance(value, ExpressModule) and name == "Router":
            return RouterFactory()
        if isinstance(value, list) and name == "length":
            return len(value)
        return Unknown(name)

    def eval(self, node: Node | None, module: Module, scope: Scope) -> Any:
        if node is None:
            return None
        self.deeper(node)
        try:
            return self.eval_node(node, module, scope)
        finally:
            self.nesting -= 1

    def eval_node(self, node: Node, module: Module, scope: Scope) -> Any:
        kind = node.type
        if kind in {"array", "object"} and node.named_child_count > MAX_LITERAL_ITEMS:
            return Unknown(snippet(node))  # a data literal, not route configuration
        if kind == "string":
            return string_value(node)
        if kind == "template_string":
            return self.template(node, module, scope)
        if kind == "number":
            return text(node)
        if kind == "identifier":
            return scope.get(text(node))
        if kind == "this":
            return scope.get("this")
        if kind in {"class", "class_expression"}:
            return self.class_value(node, module, scope)
        if kind in {
            "parenthesized_expression",
            "await_expression",
            "as_expression",
            "non_null_expression",
            "satisfies_expression",
        }:
            return self.eval(node.named_children[0], module, scope)
        if kind == "binary_expression" and text(node.child_by_field_name("operator")) == "+":
            left = self.eval(node.child_by_field_name("left"), module, scope)
            right = self.eval(node.child_by_field_name("right"), module, scope)
            return (
                left + right if isinstance(left, str) and isinstance(right, str) else Unknown(snippet(node))
            )
        if kind == "member_expression":
            obj = self.eval(node.child_by_field_name("object"), module, scope)
            return self.member(obj, text(node.child_by_field_name("property")))
        if kind == "subscript_expression":
            obj = self.eval(node.child_by_field_name("object"), module, scope)
            index = self.eval(node.child_by_field_name("index"), module, scope)
            if isinstance(obj, list) and isinstance(index, str) and index.isdigit() and int(index) < len(obj):
                return obj[int(index)]
            return self.member(obj, index) if isinstance(index, str) else Unknown(snippet(node))
        if kind == "object":
            return self.object(node, module, scope)
        if kind == "array":
            return [self.eval(c, module, scope) for c in node.named_children if c.type != "comment"]
        if kind in {"arrow_function", "function_expression", "function"}:
            return Function(node, module, scope)
        if kind == "assignment_expression":
            return self.assign(node, module, scope)
        if kind == "call_expression":
            return self.call(node, module, scope)
        if kind == "new_expression":
            return self.call(node, module, scope, constructor=True)
        for child in node.named_children:  # e.g. a route call inside a conditional expression
            if child.type in {"call_expression", "assignment_expression"}:
                self.eval(child, module, scope)
        return Unknown(snippet(node))

    def template(self, node: Node, module: Module, scope: Scope) -> Any:
        parts = []
        for child in node.named_children:
            if child.type == "string_fragment":
                parts.append(text(child))
            elif child.type == "template_substitution":
                value = self.eval(child.named_children[0], module, scope)
                if not isinstance(value, str):
                    return Unknown(snippet(node))
                parts.append(value)
            elif child.type == "escape_sequence":
                parts.append(text(child)[1:])
        return "".join(parts)

    def object(self, node: Node, module: Module, scope: Scope) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for part in node.named_children:
            if part.type == "pair":
                key_node = part.child_by_field_name("key")
                key = string_value(key_node) if key_node and key_node.type == "string" else text(key_node)
                result[key or ""] = self.eval(part.child_by_field_name("value"), module, scope)
            elif part.type == "shorthand_property_identifier":
                result[text(part)] = scope.get(text(part))
            elif part.type == "spread_element":
                spread = self.eval(part.named_children[0], module, scope)
                if isinstance(spread, dict):
                    result.update(spread)
        return result

    def assign(self, node: Node, module: Module, scope: Scope) -> Any:
        left = node.child_by_field_name("left")
        value = self.eval(node.child_by_field_name("right"), module, scope)
        if left is None:
            return value
        if left.type == "identifier":
            scope.assign(text(left), value)
        elif left.type == "member_expression":
            target = self.eval(left.child_by_field_name("object"), module, scope)
            if isinstance(target, dict):
                target[text(left.child_by_field_name("property"))] = value
        return value

    def call(self, node: Node, module: Module, scope: Scope, constructor: bool = False) -> Any:
        function = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args_node = node.child_by_field_name("arguments")
        arg_nodes = [c for c in (args_node.named_children if args_node else []) if c.type != "comment"]
        if function is not None and function.type == "identifier" and text(function) == "require":
            specifier = string_value(arg_nodes[0]) if arg_nodes else None
            return self.resolve(specifier, module, line(node)) if specifier else Unknown(snippet(node))
        if function is not None and function.type == "member_expression":
            obj = self.eval(function.child_by_field_name("object"), module, scope)
            name = text(function.child_by_field_name("property"))
            return self.method_call(obj, name, arg_nodes, node, module, scope)
        if function is not None and function.type == "super":
            this = scope.get("this")
            args = [self.eval(a, module, scope) for a in arg_nodes]
            base = this.cls.base if isinstance(this, Instance) else None
            if isinstance(base, ClassValue):
                self.construct(base, this, args)
            return None
        callee = self.eval(function, module, scope)
        args = [self.eval(a, module, scope) for a in arg_nodes]
        return self.invoke(callee, args, node, module)

    # -- classes --------------------------------------------------------------------------------

    def class_value(self, node: Node, module: Module, scope: Scope) -> ClassValue:
        base: Any = None
        for child in node.named_children:
            if child.type == "class_heritage":
                clause = next((c for c in child.named_children if c.type == "extends_clause"), child)
                value = clause.child_by_field_name("value") or next(iter(clause.named_children), None)
                base = self.eval(value, module, scope) if value is not None else None
        return ClassValue(text(node.child_by_field_name("name")) or "<class>", node, module, scope, base)

    def instantiate(self, cls: ClassValue, args: list[Any]) -> Instance:
        """`new Cls(...)`: fields and methods of the base classes first, then the constructor."""
        this = Instance(cls)
        self.construct(cls, this, args)
        return this

    def construct(self, cls: ClassValue, this: Instance, args: list[Any]) -> None:
        if self.depth >= MAX_CALL_DEPTH:
            return
        chain: list[ClassValue] = []
        current: Any = cls
        while isinstance(current, ClassValue) and current not in chain:
            chain.append(current)
            current = current.base
        scope = Scope(cls.scope)
        scope.set("this", this)
        constructor: Function | None = None
        for klass in reversed(chain):  # base first: a subclass's members override
            body = klass.node.child_by_field_name("body")
            for member in body.named_children if body is not None else []:
                name = text(member.child_by_field_name("name"))
                if member.type == "method_definition":
                    method = Function(member, klass.module, klass.scope, this)
                    if name == "constructor":
                        if klass is cls:
                            constructor = method
                    elif name not in this or klass is cls:
                        this[name] = method
        if constructor is None and isinstance(cls.base, ClassValue):
            self.construct(cls.base, this, args)  # the implicit super(...args) runs before own fields
        for member in (cls.node.child_by_field_name("body") or cls.node).named_children:
            if member.type in {"public_field_definition", "field_definition"}:
                value = member.child_by_field_name("value")
                name = text(member.child_by_field_name("name") or member.child_by_field_name("property"))
                if value is not None:
                    this[name] = self.eval(value, cls.module, scope)
                else:  # `path: string;` / `abstract path: string;` declares, assigns nothing
                    this.setdefault(name, None)
        if constructor is not None:
            self.run_function(constructor, args)

    def invoke(self, callee: Any, args: list[Any], node: Node, module: Module) -> Any:
        if (
            isinstance(callee, dict)
            and not isinstance(callee, Instance)
            and isinstance(callee.get("default"), Function | ExpressModule | RouterFactory | ClassValue)
        ):
            callee = callee["default"]
        if isinstance(callee, ClassValue):
            return self.instantiate(callee, args)
        if isinstance(callee, Unknown) and callee.source == "Map":
            pairs = args[0] if args and isinstance(args[0], list) else []
            return JSMap([list(p) for p in pairs if isinstance(p, list) and len(p) == 2])
        if isinstance(callee, ExpressModule):
            router = Router("app", module.relative, line(node))
            self.routers.append(router)
            return router
        if isinstance(callee, RouterFactory):
            router = Router("router", module.relative, line(node))
            self.routers.append(router)
            return router
        if isinstance(callee, Function) and self.depth < MAX_CALL_DEPTH:
            return self.run_function(callee, args)
        return Unknown(snippet(node))

    def run_function(self, function: Function, args: list[Any]) -> Any:
        inner = Scope(function.scope)
        if function.this is not None:
            inner.set("this", function.this)
        params = function.node.child_by_field_name("parameters") or function.node.child_by_field_name(
            "parameter"
        )
        if params is not None:
            patterns = (
                [params]
                if params.type == "identifier"
                else [p for p in params.named_children if p.type != "comment"]
            )
            for index, pattern in enumerate(patterns):
                target = pattern.child_by_field_name("pattern") or pattern  # TS required_parameter
                self.bind(target, args[index] if index < len(args) else Unknown(), inner)
        body = function.node.child_by_field_name("body")
        self.depth += 1
        try:
            if body is None:
                return Unknown()
            if body.type != "statement_block":
                return self.eval(body, function.module, inner)
            result: Any = Unknown()
            for statement in body.named_children:
                if statement.type == "return_statement" and statement.named_children:
                    result = self.eval(statement.named_children[0], function.module, inner)
                else:
                    self.exec(statement, function.module, inner)
            return result
        finally:
            self.depth -= 1

    def method_call(
        self, obj: Any, name: str, arg_nodes: list[Node], node: Node, module: Module, scope: Scope
    ) -> Any:
        if isinstance(obj, ExpressModule) and name == "Router":
            return self.invoke(RouterFactory(), [], node, module)
        if isinstance(obj, Router):
            if name in METHODS:
                return self.add_route(obj, name, arg_nodes, node, module, scope)
            if name == "use":
                return self.add_mount(obj, arg_nodes, node, module, scope)
            if name == "route":
                path = self.eval(arg_nodes[0], module, scope) if arg_nodes else ""
                return RouteBuilder(obj, path, module.relative, line(node))
            for arg in arg_nodes:
                self.eval(arg, module, scope)
            return obj
        if isinstance(obj, RouteBuilder) and name in METHODS:
            middleware, handler, details = self.handlers(arg_nodes, module, scope)
            obj.router.events.append(
                ("route", name, obj.path, middleware, handler, obj.file, line(node), node, details)
            )
            return obj
        if isinstance(obj, JSMap) and name == "forEach" and arg_nodes:
            callback = self.eval(arg_nodes[0], module, scope)
            if isinstance(callback, Function):
                return [self.run_function(callback, [value, key]) for key, value in obj]
        if isinstance(obj, JSMap) and name in {"entries", "keys", "values"}:
            return (
                [list(p) for p in obj] if name == "entries" else [p[0 if name == "keys" else 1] for p in obj]
            )
        if isinstance(obj, list) and name in {"forEach", "map"} and arg_nodes:
            callback = self.eval(arg_nodes[0], module, scope)
            if isinstance(callback, Function):
                return [self.run_function(callback, [item, str(i)]) for i, item in enumerate(obj)]
        if isinstance(obj, Unknown) and obj.source == "Object" and name in {"entries", "keys", "values"}:
            target = self.eval(arg_nodes[0], module, scope) if arg_nodes else None
            if isinstance(target, dict) and not isinstance(target, Instance):
                if name == "entries":
                    return [[k, v] for k, v in target.items()]
                return list(target) if name == "keys" else list(target.values())
        args = [self.eval(a, module, scope) for a in arg_nodes]
        if isinstance(obj, dict) and isinstance(obj.get(name), Function):
            return self.invoke(obj[name], args, node, module)
        return Unknown(snippet(node))

    def handlers(
        self, arg_nodes: list[Node], module: Module, scope: Scope
    ) -> tuple[list[str], str, dict[str, Any]]:
        """Middleware names, the handler's name, and what the code shows of status and body."""
        names: list[str] = []
        value: Any = None
        for arg in arg_nodes:
            if arg.type == "array":
                names += [self.describe(c) for c in arg.named_children]
                self.eval(arg, module, scope)
                continue
            value = self.eval(arg, module, scope)
            named = isinstance(value, Unknown) and re.fullmatch(r"[\w$.]+", value.source)
            # a loop variable bound to a handler's name shows that name, not the variable's
            names.append(value.source if arg.type == "identifier" and named else self.describe(arg))
        this = scope.get("this")
        if isinstance(this, Instance):  # `this.getUsers` in a controller class: UsersController.getUsers
            names = [f"{this.cls.name}.{n[5:]}" if n.startswith("this.") else n for n in names]
        details: dict[str, Any] = {}
        if isinstance(value, Function) and value.node.end_byte - value.node.start_byte < 20_000:
            found = SUCCESS_STATUS.search(text(value.node))
            details["status"] = int(found.group(1)) if found else 200
        source, fields = validator_fields(arg_nodes[:-1])
        if fields:
            details["body"], details["body_source"] = fields, source
        return names[:-1], names[-1] if names else "<none>", details

    @staticmethod
    def describe(node: Node) -> str:
        if node.type in {"arrow_function", "function_expression", "function"}:
            return "<anonymous>"
        if node.type == "call_expression":
            return text(node.child_by_field_name("function"))
        return " ".join(text(node).split())

    def add_route(
        self, router: Router, method: str, arg_nodes: list[Node], node: Node, module: Module, scope: Scope
    ) -> Router:
        if method == "get" and len(arg_nodes) == 1:
            return router  # app.get('setting'): a settings read, not a route
        path = self.eval(arg_nodes[0], module, scope) if arg_nodes else ""
        middleware, handler, details = self.handlers(arg_nodes[1:], module, scope)
        router.events.append(
            ("route", method, path, middleware, handler, module.relative, line(node), arg_nodes[0], details)
        )
        return router

    def add_mount(
        self, router: Router, arg_nodes: list[Node], node: Node, module: Module, scope: Scope
    ) -> Router:
        values = [self.eval(a, module, scope) for a in arg_nodes]
        prefix: Any = "/"
        if values and self.is_mount_path(values[0], arg_nodes[0], len(values)):
            prefix, values, arg_nodes = values[0], values[1:], arg_nodes[1:]
        items: list[Router | str] = []
        for value, arg in zip(values, arg_nodes, strict=True):
            if isinstance(value, dict) and isinstance(value.get("default"), Router):
                value = value["default"]
            if isinstance(value, Router):
                value.mounted = True
                items.append(value)
            else:
                items.append(self.describe(arg))
        router.events.append(("use", prefix, items, module.relative, line(node), node))
        return router

    @staticmethod
    def is_mount_path(value: Any, node: Node, count: int) -> bool:
        """`use(prefix, ...)` or `use(middleware, ...)`: a path is a string, or looks like one."""
        if isinstance(value, str | list):
            return True
        if not isinstance(value, Unknown) or count < 2:
            return False
        if node.type in {"template_string", "binary_expression"}:
            return True
        name = text(node).rsplit(".", 1)[-1]
        return node.type in {"identifier", "member_expression"} and bool(
            re.search(r"prefix|path|base|route|url|^[A-Z0-9_]+$", name, re.IGNORECASE)
        )

    # -- flattening ---------------------------------------------------------------------------

    def flatten(
        self,
        router: Router,
        prefix: str,
        inherited: list[str],
        out: list[LegacyRoute],
        stack: set[int],
        scoped: list[tuple[str, list[str]]] | None = None,
    ) -> None:
        """Routes of `router` and everything mounted on it, with full paths and middleware in order.

        `scoped` is middleware mounted on a path (`app.use('/v1/auth', limiter)`): it applies to
        the routes under that path declared after it, in this router and the ones mounted below.
        """
        if id(router) in stack:
            return
        stack = stack | {id(router)}
        active = list(inherited)
        scoped = list(scoped or [])
        for event in router.events:
            kind, target = event[0], event[2] if event[0] == "route" else event[1]
            targets = (
                target if isinstance(target, list) and all(isinstance(t, str) for t in target) else [target]
            )
            for each in targets:
                if kind == "use":
                    self.flatten_mount(each, event, prefix, active, out, stack, scoped)
                else:
                    self.flatten_route(each, event, prefix, active, out, scoped)

    def flatten_mount(
        self,
        mount: Any,
        event: tuple[Any, ...],
        prefix: str,
        active: list[str],
        out: list[LegacyRoute],
        stack: set[int],
        scoped: list[tuple[str, list[str]]],
    ) -> None:
        _, _, items, file, at, node = event
        if not isinstance(mount, str):
            first = node.child_by_field_name("arguments")
            shown = (
                text(first.named_children[0]) if first is not None and first.named_children else text(node)
            )
            self.warn(file, at, f"dynamic mount path {shown!r}; routes below it are skipped")
            return
        names = [i for i in items if isinstance(i, str)]
        routers = [i for i in items if isinstance(i, Router)]
        if not routers and mount in {"", "/"}:
            active += names  # router-wide middleware: applies to the routes declared after it
        elif not routers:
            scoped.append((join_paths(prefix, mount), names))
        for child in routers:
            self.flatten(child, join_paths(prefix, mount), active + names, out, stack, scoped)

    def flatten_route(
        self,
        path: Any,
        event: tuple[Any, ...],
        prefix: str,
        active: list[str],
        out: list[LegacyRoute],
        scoped: list[tuple[str, list[str]]],
    ) -> None:
        _, method, _, middleware, handler, file, at, node, details = event
        if not isinstance(path, str):
            self.warn(file, at, f"dynamic route path {' '.join(text(node).split())!r}; route not resolved")
            return
        original = join_paths(prefix, path)
        normalised, params, variants = normalise_express(original)
        under = [
            n
            for base, names in scoped
            if normalised == base or normalised.startswith(base.rstrip("/") + "/")
            for n in names
        ]
        out.append(
            LegacyRoute(
                method=ANY_METHOD if method == "all" else method.upper(),
                path=normalised,
                original_path=original,
                handler=handler,
                file=file,
                line=at,
                params=params,
                middleware=active + under + middleware,
                variants=variants,
                status=details.get("status"),
                body=details.get("body", []),
                body_source=details.get("body_source", ""),
            )
        )


def chain_calls(node: Node) -> tuple[Node | None, list[str]]:
    """`body('email').isEmail().optional()` -> (the root call, ['isEmail', 'optional'])."""
    names: list[str] = []
    current: Node | None = node
    while current is not None and current.type == "call_expression":
        function = current.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return current, list(reversed(names))
        names.append(text(function.child_by_field_name("property")))
        current = function.child_by_field_name("object")
    return None, list(reversed(names))  # rooted at an object (`Joi.string().email()`), not a call


def validator_fields(nodes: list[Node]) -> tuple[str, list[BodyField]]:
    """Body fields from express-validator chains (`body('email').isEmail()`, also in arrays) and
    celebrate/Joi schemas (`celebrate({body: Joi.object({email: Joi.string().email().required()})})`)."""
    fields: list[BodyField] = []
    source = ""
    queue = list(nodes)
    while queue:
        node = queue.pop(0)
        if node.type == "array":
            queue = [c for c in node.named_children if c.type != "comment"] + queue
            continue
        root, methods = chain_calls(node)
        if root is None:
            continue
        callee = text(root.child_by_field_name("function"))
        args = root.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if callee in {"body", "check"} and first is not None and string_value(first):
            kind = next((CHAIN_TYPES[m] for m in methods if m in CHAIN_TYPES), "string")
            optional = "optional" in methods
            fields.append(BodyField(string_value(first) or "", kind, not optional))
            source = source or "express-validator"
        elif callee == "celebrate" and first is not None and first.type == "object":
            for pair in first.named_children:
                if pair.type == "pair" and text(pair.child_by_field_name("key")).strip("'\"") == "body":
                    fields += joi_fields(pair.child_by_field_name("value"))
                    source = source or "celebrate/Joi"
    return source, fields


def joi_fields(node: Node | None) -> list[BodyField]:
    """`Joi.object({name: Joi.string().required(), ...})` or a plain object of Joi chains."""
    if node is not None and node.type == "call_expression":
        args = node.child_by_field_name("arguments")
        node = next(
            (c for c in (args.named_children if args is not None else []) if c.type == "object"), None
        )
    fields = []
    for pair in node.named_children if node is not None and node.type == "object" else []:
        if pair.type != "pair":
            continue
        name = text(pair.child_by_field_name("key")).strip("'\"")
        value = pair.child_by_field_name("value")
        _, methods = chain_calls(value) if value is not None else (None, [])
        kind = next((CHAIN_TYPES[m] for m in methods if m in CHAIN_TYPES and m != "string"), "string")
        fields.append(BodyField(name, kind, "required" in methods))
    return fields


def scan_express(root: Path, progress: Progress | None = None) -> Inventory:
    return ExpressScanner(root, progress).scan()
