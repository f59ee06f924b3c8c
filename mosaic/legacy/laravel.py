"""Laravel routes, read in the order and with the context Laravel registers them.

Entry points: Laravel 11's `bootstrap/app.php` `->withRouting(web:, api:, apiPrefix:, health:,
then:, using:)` (api with its prefix and `api` middleware, the health route, web with `web`,
then the `then` closure), and route files loaded by service providers (`$this->routes(...)`,
`Route::...->group(base_path(...))`, `loadRoutesFrom`). Files under `routes/` that nothing loads
are read as Laravel's defaults: `api.php` with the `api` prefix and middleware, `web.php` with
`web`. Inside: verbs, `match`/`any`, `redirect`/`permanentRedirect` (any method), `view`,
`fallback`, `prefix()->middleware()->domain()->controller()->group(...)` chains and the array form
of `Route::group`, `require` inside a group, resources (`resource`, `apiResource`, `resources`,
`apiResources`, `singleton`, `apiSingleton`) with names containing `/` (a prefix) or `.` (nested),
hyphenated names, `only`/`except` with several arguments or an array, `->shallow()`,
`->creatable()`/`->destroyable()`, and `foreach` over a literal array.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mosaic.legacy.model import (
    ANY_METHOD,
    BodyField,
    Inventory,
    LegacyRoute,
    Param,
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
    walk,
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
SHALLOW = {"show", "edit", "update", "destroy"}  # the actions ->shallow() moves off the parent
API_ONLY = {"index", "store", "show", "update", "destroy"}
SINGLETON_ACTIONS = [
    ("create", "GET", "/create"),
    ("store", "POST", ""),
    ("show", "GET", ""),
    ("edit", "GET", "/edit"),
    ("update", "PUT", ""),
    ("update", "PATCH", ""),
    ("destroy", "DELETE", ""),
]
FILE_CONTEXT = {"api.php": ("api", ["api"]), "web.php": ("", ["web"])}
NOT_HTTP = {"console.php", "channels.php"}  # Artisan commands and broadcast channels, not routes
TARGETS = VERBS | {"any", "match", "view", "redirect", "permanentRedirect", "fallback"}
RESOURCES = {"resource", "apiResource", "resources", "apiResources", "singleton", "apiSingleton"}
REQUIRES = {"require_expression", "require_once_expression", "include_expression", "include_once_expression"}


class Dynamic:
    def __init__(self, source: str) -> None:
        self.source = source


@dataclass(frozen=True)
class Group:
    prefix: str = ""
    middleware: tuple[str, ...] = ()
    controller: str | None = None
    domain: str = ""


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


def wildcard(name: str) -> str:
    """`blog-posts` -> `blog_post` (Laravel's getResourceWildcard: singular, dashes to underscores)."""
    return singular(name).replace("-", "_")


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
        if self.root.is_dir():
            self.bootstrap_app(self.root / "bootstrap" / "app.php")
            providers = self.root / "app" / "Providers"
            for provider in source_files(providers, (".php",)) if providers.is_dir() else []:
                self.provider(provider)
        by_entry_points = bool(self.loaded)
        for path in files:
            if path.resolve() in required or path.resolve() in self.loaded or path.name in NOT_HTTP:
                continue  # loaded by the file that requires it, inside its group, or by an entry point
            if by_entry_points:
                self.warnings.append(
                    ScanWarning(
                        self.relative(path),
                        0,
                        "not loaded by bootstrap/app.php or a service provider; read with Laravel's defaults",
                    )
                )
            prefix, middleware = FILE_CONTEXT.get(path.name, ("", []))
            self.load(path, Group(prefix, tuple(middleware)))
        if self.root.is_dir():
            ControllerReader(self).annotate(self.routes)
        return Inventory("laravel", str(self.root), self.routes, self.warnings)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.base.resolve()).as_posix()

    def required_files(self, tree: Node, path: Path) -> list[Path]:
        found = []
        for node in walk(tree):
            if node.type in REQUIRES:
                target = self.file_of(node.named_children[0], path) if node.named_children else None
                if target is not None:
                    found.append(target)
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
        self.statements(iter_children(tree) if tree is not None else iter(()), group, path, {})
        if self.progress is not None:
            self.progress(len(self.loaded), len(self.routes))

    def statements(self, nodes: Any, group: Group, path: Path, variables: dict[str, Any]) -> None:
        """Top-level statements of a file or closure; one nested too deeply is skipped, warned."""
        file = self.relative(path)
        saved = self.nesting
        for statement in nodes:
            try:
                self.block_child(statement, group, file, path, variables)
            except (TooDeep, RecursionError) as exc:
                at = exc.line if isinstance(exc, TooDeep) else line(statement)
                message = f"expression nested too deeply (over {MAX_NESTING} levels); statement skipped"
                self.warnings.append(ScanWarning(file, at, message, True))
            finally:
                self.nesting = saved

    # -- entry points -------------------------------------------------------------------------

    def bootstrap_app(self, path: Path) -> None:
        """Laravel 11: `Application::configure()->withRouting(api:, web:, health:, then:, ...)`."""
        tree = self.tree(path) if path.is_file() else None
        call = next(
            (
                n
                for n in (walk(tree) if tree is not None else iter(()))
                if n.type == "member_call_expression" and text(n.child_by_field_name("name")) == "withRouting"
            ),
            None,
        )
        if call is None:
            return
        named = named_arguments(call)
        file = self.relative(path)
        if "using" in named:
            self.closure(named["using"], Group(), path, {})
            return
        prefix = self.value(named["apiPrefix"], {}) if "apiPrefix" in named else "api"
        if not isinstance(prefix, str):
            self.warnings.append(
                ScanWarning(file, line(named["apiPrefix"]), "dynamic apiPrefix; 'api' assumed")
            )
            prefix = "api"
        if "api" in named:
            self.route_files(named["api"], path, Group(prefix, ("api",)))
        if "health" in named:
            self.add("GET", self.value(named["health"], {}), "health", Group(), file, line(named["health"]))
        if "web" in named:
            self.route_files(named["web"], path, Group("", ("web",)))
        if "then" in named:
            self.closure(named["then"], Group(), path, {})

    def route_files(self, node: Node, current: Path, group: Group) -> None:
        items = (
            [e.named_children[-1] for e in node.named_children]
            if node.type == "array_creation_expression"
            else [node]
        )
        for item in items:
            target = self.file_of(item, current)
            if target is None:
                self.warnings.append(
                    ScanWarning(self.relative(current), line(item), f"cannot resolve {text(item)!r}")
                )
            else:
                self.load(target, group)

    def provider(self, path: Path) -> None:
        """Route files a service provider loads (`$this->routes(fn)`, `group(base_path(...))`)."""
        tree = self.tree(path)
        stack = [tree] if tree is not None else []
        while stack:
            node = stack.pop()
            inner = (
                node.named_children[0]
                if node.type == "expression_statement" and node.named_children
                else None
            )
            if inner is not None and unroll(inner) is not None:
                self.statements([node], Group(), path, {})
                continue
            if (
                inner is not None
                and inner.type == "member_call_expression"
                and text(inner.child_by_field_name("name")) == "loadRoutesFrom"
            ):
                args = arguments(inner)
                target = self.file_of(args[0], path) if args else None
                if target is not None:
                    self.load(target, Group())
                continue
            stack.extend(reversed(node.named_children))

    def closure(self, node: Node, group: Group, path: Path, variables: dict[str, Any]) -> None:
        if node.type in {"anonymous_function", "arrow_function", "anonymous_function_creation_expression"}:
            body = node.child_by_field_name("body")
            if body is not None:
                self.statements(body.named_children, group, path, dict(variables))

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
        elif child.type == "foreach_statement":
            self.foreach(child, group, file, path, variables)
        elif child.type in {"compound_statement", "if_statement", "else_clause", "else_if_clause"}:
            self.block(child, group, file, path, variables)

    def foreach(self, node: Node, group: Group, file: str, path: Path, variables: dict[str, Any]) -> None:
        """`foreach ([...] as $v)` / `as $k => $v` over a literal array: the body once per item."""
        parts = [c for c in node.named_children if c.type != "comment"]
        body = node.child_by_field_name("body")
        if len(parts) < 3 or body is None:
            return
        items = self.value(parts[0], variables)
        target = parts[1]
        if isinstance(items, list):
            pairs: list[tuple[Any, Any]] = list(enumerate(items))
        elif isinstance(items, dict):
            pairs = list(items.items())
        else:
            self.block(body, group, file, path, variables)  # routes inside still count (or warn)
            return
        for key, item in pairs:
            inner = dict(variables)
            if target.type == "pair":
                key_var, value_var = target.named_children[0], target.named_children[-1]
                inner[text(key_var)] = str(key) if isinstance(key, int) else key
                inner[text(value_var)] = item
            else:
                inner[text(target)] = item
            self.block(body, group, file, path, inner)

    def statement(self, node: Node, group: Group, file: str, path: Path, variables: dict[str, Any]) -> None:
        if node.type == "assignment_expression":
            name = text(node.child_by_field_name("left"))
            variables[name] = self.value(node.child_by_field_name("right"), variables)
            return
        if node.type in REQUIRES:
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
            return (
                left + right if isinstance(left, str) and isinstance(right, str) else Dynamic(snippet(node))
            )
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
        if node.type == "integer":
            return int(text(node))
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
            if target is None and name in {"prefix", "middleware", "controller", "domain"}:
                attrs = self.apply(attrs, name, args)
            elif target is None and name == "group":
                self.group(attrs, args, arg_nodes, file, path, variables)
                return
            elif target is None and name in TARGETS | RESOURCES:
                target = (name, args, call)
            elif target is not None:
                after.append((name, args))
        if target is None:
            return
        name, args, call = target
        for key, value in after:
            if key == "middleware":
                attrs = replace(attrs, middleware=attrs.middleware + tuple(as_strings(value)))
        if name in RESOURCES:
            self.resources(name, args, after, attrs, file, line(call))
            return
        if name == "fallback":
            self.fallback(self.handler(args[0] if args else None, attrs), attrs, file, line(call))
            return
        if name == "match":
            methods = [str(m).upper() for m in (args[0] if args and isinstance(args[0], list) else [])]
            uri, action = (args[1] if len(args) > 1 else ""), (args[2] if len(args) > 2 else None)
        else:
            any_method = name in {"any", "redirect", "permanentRedirect"}
            methods = [ANY_METHOD if any_method else "GET" if name == "view" else name.upper()]
            uri, action = (args[0] if args else ""), (args[1] if len(args) > 1 else None)
        if name in {"redirect", "permanentRedirect"}:
            status = (
                301
                if name == "permanentRedirect"
                else args[2]
                if len(args) > 2 and isinstance(args[2], int)
                else 302
            )
            handler = f"redirect {status} -> {action if isinstance(action, str) else '?'}"
        else:
            handler = "view" if name == "view" else self.handler(action, attrs)
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
        if name == "domain":
            return replace(attrs, domain=args[0] if args and isinstance(args[0], str) else attrs.domain)
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
                for key in ("prefix", "middleware", "controller", "domain"):
                    if key in value:
                        attrs = self.apply(attrs, key, [value[key]])
        body_node = arg_nodes[-1].named_children[-1] if arg_nodes else None
        if body_node is None:
            return
        if body_node.type in {"anonymous_function", "arrow_function"}:
            self.closure(body_node, attrs, path, variables)
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

    def resources(
        self, kind: str, args: list[Any], after: list[tuple[str, list[Any]]], attrs: Group, file: str, at: int
    ) -> None:
        if kind in {"resources", "apiResources"}:
            table = args[0] if args and isinstance(args[0], dict) else None
            if table is None:
                self.warnings.append(ScanWarning(file, at, "dynamic resource list; routes not resolved"))
                return
            single = "resource" if kind == "resources" else "apiResource"
            for name, controller in table.items():
                self.resources(single, [name, controller, *args[1:2]], after, attrs, file, at)
            return
        name = args[0] if args else None
        if not isinstance(name, str):
            self.warnings.append(ScanWarning(file, at, "dynamic resource name; routes not resolved"))
            return
        controller = str(args[1]) if len(args) > 1 else "?"
        options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
        modifiers = {key: values for key, values in after}
        if "/" in name:  # Laravel's prefixedResource: the part before the last slash is a prefix
            prefix, _, name = name.rpartition("/")
            attrs = replace(attrs, prefix=join_paths(attrs.prefix, prefix))
        if kind in {"singleton", "apiSingleton"}:
            self.singleton(kind, name, controller, options, modifiers, attrs, file, at)
            return
        actions = {a for a, _, _ in RESOURCE_ACTIONS} if kind == "resource" else set(API_ONLY)
        actions = self.filter_actions(actions, options, modifiers)
        segments = name.split(".")
        parent = ""
        for segment in segments[:-1]:
            parent = join_paths(parent, segment, "{" + wildcard(segment) + "}")
        shallow = "shallow" in modifiers or bool(options.get("shallow"))
        param = wildcard(segments[-1])
        for action, method, suffix in RESOURCE_ACTIONS:
            if action in actions:
                base = join_paths("" if shallow and action in SHALLOW else parent, segments[-1])
                uri = base + (suffix % param if "%s" in suffix else suffix)
                self.add(method, uri, f"{controller}@{action}", attrs, file, at)

    @staticmethod
    def filter_actions(
        actions: set[str], options: dict[str, Any], modifiers: dict[str, list[Any]]
    ) -> set[str]:
        """`only`/`except` as an option, or chained with several arguments or one array."""
        for key in ("only", "except"):
            values: list[Any] = []
            if key in options:
                values += as_strings(options[key])
            if key in modifiers:
                chained = modifiers[key]
                values += as_strings(chained[0]) if len(chained) == 1 else as_strings(chained)
            if key in options or key in modifiers:
                actions = actions & set(values) if key == "only" else actions - set(values)
        return actions

    def singleton(
        self,
        kind: str,
        name: str,
        controller: str,
        options: dict[str, Any],
        modifiers: dict[str, list[Any]],
        attrs: Group,
        file: str,
        at: int,
    ) -> None:
        actions = {"show", "update"} | ({"edit"} if kind == "singleton" else set())
        if "creatable" in modifiers or options.get("creatable"):
            actions |= {"store", "destroy"} | ({"create"} if kind == "singleton" else set())
        if "destroyable" in modifiers or options.get("destroyable"):
            actions.add("destroy")
        actions = self.filter_actions(actions, options, modifiers)
        segments = name.split(".")
        base = ""
        for segment in segments[:-1]:
            base = join_paths(base, segment, "{" + wildcard(segment) + "}")
        base = join_paths(base, segments[-1])
        for action, method, suffix in SINGLETON_ACTIONS:
            if action in actions:
                self.add(method, base + suffix, f"{controller}@{action}", attrs, file, at)

    def fallback(self, handler: str, attrs: Group, file: str, at: int) -> None:
        """Laravel's fallback: GET `{fallbackPlaceholder}` matching any path below the group."""
        original = join_paths(attrs.prefix, "{fallbackPlaceholder}")
        path = original.replace("{fallbackPlaceholder}", "{fallbackPlaceholder:path}")
        params = [Param("fallbackPlaceholder", wildcard=True)]
        self.routes.append(
            LegacyRoute(
                "GET", path, original, handler, file, at, params, list(attrs.middleware), [], attrs.domain
            )
        )

    def add(self, method: str, uri: Any, handler: str, attrs: Group, file: str, at: int) -> None:
        if not isinstance(uri, str):
            source = uri.source if isinstance(uri, Dynamic) else repr(uri)
            self.warnings.append(ScanWarning(file, at, f"dynamic route path {source!r}; route not resolved"))
            return
        original = join_paths(attrs.prefix, uri)
        path, params, variants = normalise_laravel(original)
        self.routes.append(
            LegacyRoute(
                method,
                path,
                original,
                handler,
                file,
                at,
                params,
                list(attrs.middleware),
                variants,
                attrs.domain,
            )
        )


# Validation rules -> the documented field type (the first rule that names one wins).
RULE_TYPES = {
    "email": "string(email)",
    "uuid": "string(uuid)",
    "date": "string(date-time)",
    "integer": "integer",
    "int": "integer",
    "numeric": "number",
    "decimal": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "string": "string",
    "file": "string(binary)",
    "image": "string(binary)",
}
STATUS_NAMES = {"HTTP_OK": 200, "HTTP_CREATED": 201, "HTTP_ACCEPTED": 202, "HTTP_NO_CONTENT": 204}
JSON_STATUS = re.compile(r"->json\((?:[^;]*?),\s*(2\d\d|Response::HTTP_\w+)\s*\)")


class ControllerReader:
    """Success status and request body of `Controller@method` handlers, from the controller code:
    a FormRequest type-hinted on the method (its `rules()`), `$request->validate([...])` /
    `$this->validate($request, [...])` / `Validator::make(..., [...])` in the method, and
    `response()->json(..., 201)`, `Response::HTTP_CREATED`, `->setStatusCode(201)`, `noContent()`.
    """

    def __init__(self, scanner: LaravelScanner) -> None:
        self.scanner = scanner
        self.classes: dict[str, tuple[Node, Path]] | None = None

    def index(self) -> dict[str, tuple[Node, Path]]:
        if self.classes is None:
            self.classes = {}
            app = self.scanner.root / "app"
            for path in source_files(app, (".php",)) if app.is_dir() else []:
                tree = self.scanner.tree(path)
                for node in walk(tree) if tree is not None else iter(()):
                    if node.type == "class_declaration":
                        self.classes.setdefault(text(node.child_by_field_name("name")), (node, path))
        return self.classes

    def method(self, class_name: str, name: str) -> Node | None:
        found = self.index().get(class_name.lstrip("\\").split("\\")[-1])
        if found is None:
            return None
        body = found[0].child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type == "method_declaration" and text(member.child_by_field_name("name")) == name:
                return member
        return None

    def annotate(self, routes: list[LegacyRoute]) -> None:
        if not (self.scanner.root / "app").is_dir():
            return
        for route in routes:
            controller, sep, action = route.handler.partition("@")
            method = self.method(controller, action) if sep else None
            if method is None:
                continue
            try:
                route.status = self.status(method)
                route.body_source, route.body = self.body(method)
            except (TooDeep, RecursionError):
                file = self.scanner.relative(self.index()[controller.split("\\")[-1]][1])
                message = f"{route.handler}: validation rules nested too deeply; body not read"
                self.scanner.warnings.append(ScanWarning(file, line(method), message, True))

    @staticmethod
    def status(method: Node) -> int | None:
        source = text(method)
        if "noContent()" in source:
            return 204
        found = JSON_STATUS.search(source) or re.search(
            r"setStatusCode\(\s*(2\d\d|Response::HTTP_\w+)", source
        )
        if found is None:
            return None
        code = found.group(1)
        return int(code) if code.isdigit() else STATUS_NAMES.get(code.rsplit("::", 1)[-1])

    def body(self, method: Node) -> tuple[str, list[BodyField]]:
        parameters = method.child_by_field_name("parameters")
        for parameter in parameters.named_children if parameters is not None else []:
            hint = next((c for c in parameter.named_children if c.type == "named_type"), None)
            rules = self.method(text(hint), "rules") if hint is not None and text(hint) != "Request" else None
            if rules is not None:
                array = next((n for n in walk(rules) if n.type == "array_creation_expression"), None)
                if array is not None:
                    return text(hint), self.fields(array)
        for node in walk(method):
            if node.type in {"member_call_expression", "scoped_call_expression"} and text(
                node.child_by_field_name("name")
            ) in {"validate", "make", "validateWithBag"}:
                array = next(
                    (
                        a.named_children[-1]
                        for a in arguments(node)
                        if a.named_children and a.named_children[-1].type == "array_creation_expression"
                    ),
                    None,
                )
                if array is not None:
                    return "validate()", self.fields(array)
        return "", []

    def fields(self, array: Node) -> list[BodyField]:
        values = self.scanner.value(array, {})
        found = []
        for name, rules in values.items() if isinstance(values, dict) else []:
            if "." in name or "*" in name:
                continue  # nested items: their parent field is listed
            parts = (
                rules.split("|")
                if isinstance(rules, str)
                else [r for r in rules if isinstance(r, str)]
                if isinstance(rules, list)
                else []
            )
            names = [r.split(":", 1)[0] for r in parts]
            kind = next((RULE_TYPES[n] for n in names if n in RULE_TYPES), "string")
            found.append(BodyField(name, kind, "required" in names))
        return found


def as_strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def named_arguments(call: Node) -> dict[str, Node]:
    """`f(web: X, api: Y)` -> {'web': X, 'api': Y} (PHP 8 named arguments)."""
    found = {}
    for argument in arguments(call):
        children = argument.named_children
        if len(children) == 2 and children[0].type == "name":
            found[text(children[0])] = children[1]
    return found


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
