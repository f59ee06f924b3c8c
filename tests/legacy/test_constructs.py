# ruff: noqa: E501 - the expected inventories read best as one route per line
"""Issue 16's constructs, each on a fixture in the style of real apps, asserted route by route."""

from __future__ import annotations

from pathlib import Path

from mosaic.legacy import scan
from tests.legacy.test_scanners import rows

FIXTURES = Path(__file__).parent / "fixtures"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


# -- NestJS -------------------------------------------------------------------------------------


def test_nestjs_router_module_tree_config_prefix_versions_inheritance_guards_and_middleware():
    """RouterModule children (nested, bare module), prefix from `config.get` via registerAs,
    version prefix and default from constants in another file, `exclude` with and without a
    method, @Version on controller and handler, VERSION_NEUTRAL, inherited and overridden routes,
    @Sse, @All, guards from applyDecorators, consumer.apply().exclude().forRoutes()."""
    inventory = scan("nestjs", FIXTURES / "nest_modules")
    mw = ["RequestLogger", "rateLimit"]
    jwt = ["AuthGuard", "RolesGuard"]
    assert rows(inventory) == [
        ("GET", "/api/v1/admin/dashboard", "/api/v1/admin/dashboard", [], [*mw, "AdminGuard"], "AdminController.dashboard", "src/admin/admin.controller.ts:7"),
        ("GET", "/api/v1/admin/billing/plans", "/api/v1/admin/billing/plans", [], mw, "PlansController.list", "src/billing/plans.controller.ts:3"),
        ("GET", "/v1/health", "/v1/health", [], [], "HealthController.check", "src/health/health.controller.ts:5"),
        ("GET", "/metrics", "/metrics", [], [], "MetricsController.scrape", "src/health/health.controller.ts:11"),
        ("POST", "/api/metrics", "/api/metrics", [], [], "MetricsController.push", "src/health/health.controller.ts:14"),
        ("GET", "/api/v1/admin/billing/invoices/{id}", "/api/v1/admin/billing/invoices/:id", ["id"], mw, "InvoicesController.show", "src/invoices/invoices.controller.ts:3"),
        ("GET", "/api/v2/admin/reports/monthly/{month}", "/api/v2/admin/reports/monthly/:month", ["month"], mw, "ReportsController.month", "src/reports/reports.controller.ts:6"),
        ("GET", "/api/v1/admin/reports/monthly/{month}/export", "/api/v1/admin/reports/monthly/:month/export", ["month"], mw, "ReportsController.exportMonth", "src/reports/reports.controller.ts:10"),
        ("GET", "/api/v3/admin/reports/monthly/{month}/export", "/api/v3/admin/reports/monthly/:month/export", ["month"], mw, "ReportsController.exportMonth", "src/reports/reports.controller.ts:10"),
        ("GET", "/api/v1/users", "/api/v1/users", [], [*mw, *jwt], "UsersController.findAll", "src/users/users.controller.ts:8"),
        ("POST", "/api/v1/users/login", "/api/v1/users/login", [], [], "UsersController.login", "src/users/users.controller.ts:12"),
        ("GET", "/api/v1/users/events", "/api/v1/users/events", [], mw, "UsersController.events", "src/users/users.controller.ts:16"),
        ("DELETE", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], [*mw, *jwt], "UsersController.remove", "src/users/users.controller.ts:20"),
        ("GET", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], mw, "UsersController.findOne", "src/common/crud.controller.ts:9"),
        ("ALL", "/api/v1/users/search", "/api/v1/users/search", [], mw, "UsersController.search", "src/common/crud.controller.ts:12"),
    ]  # fmt: skip
    assert inventory.warnings == []
    login = next(r for r in inventory.routes if r.path == "/api/v1/users/login")
    assert (login.status, login.body_source) == (200, "LoginDto")  # @HttpCode(HttpStatus.OK)
    assert [(f.name, f.type, f.required) for f in login.body] == [
        ("email", "string(email)", True),  # from the base DTO
        ("password", "string", True),
        ("otp", "integer", False),  # @IsOptional()
        ("remember", "boolean", False),  # `remember?: boolean`, no validator
    ]
    assert {r.path: r.status for r in inventory.routes if r.method == "POST"} == {
        "/api/metrics": 201,
        "/api/v1/users/login": 200,
    }


def test_nestjs_env_file_and_default_argument_resolve_prefixes(tmp_path):
    write(
        tmp_path,
        {
            ".env": "API_PREFIX=gateway\n# comment\nexport VERSION_PREFIX='ver'\n",
            "src/main.ts": "const app = await NestFactory.create(AppModule);\n"
            "app.setGlobalPrefix(configService.get('API_PREFIX', 'api'));\n"
            "app.enableVersioning({ type: VersioningType.URI, prefix: process.env.VERSION_PREFIX ?? 'v', defaultVersion: ['1', '2'] });\n",
            "src/a.controller.ts": "@Controller('a')\nexport class A {\n  @Get()\n  list() {}\n}\n",
        },
    )
    assert [r.path for r in scan("nestjs", tmp_path).routes] == ["/gateway/ver1/a", "/gateway/ver2/a"]


def test_nestjs_unknowable_prefixes_become_placeholders_with_a_warning(tmp_path):
    write(
        tmp_path,
        {
            "src/main.ts": "const app = await NestFactory.create(AppModule);\n"
            "app.setGlobalPrefix(computePrefix());\n"
            "app.enableVersioning({ type: VersioningType.URI, prefix: versionPrefix, defaultVersion: '1' });\n",
            "src/a.controller.ts": "@Controller('a')\nexport class A {\n  @Get(':id')\n  one() {}\n}\n",
        },
    )
    inventory = scan("nestjs", tmp_path)
    assert [(r.path, [p.name for p in r.params]) for r in inventory.routes] == [
        ("/{prefix}/{version_prefix}/a/{id}", ["prefix", "version_prefix", "id"])
    ]
    assert [(w.file, w.line, w.message) for w in inventory.warnings] == [
        (
            "src/main.ts",
            2,
            "global prefix 'computePrefix()' is not knowable statically; routes carry a {prefix} placeholder",
        ),
        (
            "src/main.ts",
            3,
            "versioning prefix 'versionPrefix' is not knowable statically; routes carry a {version_prefix} placeholder in place of the version segment",
        ),
    ]


# -- Laravel ------------------------------------------------------------------------------------


def test_laravel_11_with_routing_api_prefix_health_then_and_the_resource_forms():
    """bootstrap/app.php withRouting (api first with apiPrefix, health, web, then), resource names
    with `/`, hyphens and `a.b`, only/except with several arguments or an array, resources,
    apiResources, singleton, apiSingleton()->creatable(), ->shallow(), domain(), loops over
    literal lists and keyed arrays, fallback, redirect/permanentRedirect; console.php adds none."""
    inventory = scan("laravel", FIXTURES / "laravel11")
    api, web = ["api"], ["web"]
    assert [(r.method, r.path, r.middleware, r.handler, r.source) for r in inventory.routes] == [
        ("GET", "/api/v1/articles/{article}/comments", api, "CommentController@index", "routes/api.php:5"),
        ("POST", "/api/v1/articles/{article}/comments", api, "CommentController@store", "routes/api.php:5"),
        ("GET", "/api/v1/articles/{article}/comments/{comment}", api, "CommentController@show", "routes/api.php:5"),
        ("PUT", "/api/v1/articles/{article}/comments/{comment}", api, "CommentController@update", "routes/api.php:5"),
        ("PATCH", "/api/v1/articles/{article}/comments/{comment}", api, "CommentController@update", "routes/api.php:5"),
        ("DELETE", "/api/v1/articles/{article}/comments/{comment}", api, "CommentController@destroy", "routes/api.php:5"),
        ("GET", "/api/v1/blog-posts", api, "BlogPostController@index", "routes/api.php:6"),
        ("GET", "/api/v1/blog-posts/{blog_post}", api, "BlogPostController@show", "routes/api.php:6"),
        ("GET", "/api/v1/user-groups/{user_group}/members", api, "MemberController@index", "routes/api.php:7"),
        ("POST", "/api/v1/user-groups/{user_group}/members", api, "MemberController@store", "routes/api.php:7"),
        ("GET", "/api/v1/user-groups/{user_group}/members/{member}", api, "MemberController@show", "routes/api.php:7"),
        ("DELETE", "/api/v1/user-groups/{user_group}/members/{member}", api, "MemberController@destroy", "routes/api.php:7"),
        ("GET", "/api/v1/photos", api, "PhotoController@index", "routes/api.php:8"),
        ("GET", "/api/v1/videos", api, "VideoController@index", "routes/api.php:8"),
        ("GET", "/api/v1/tags", api, "TagController@index", "routes/api.php:12"),
        ("POST", "/api/v1/tags", api, "TagController@store", "routes/api.php:12"),
        ("GET", "/api/v1/tags/{tag}", api, "TagController@show", "routes/api.php:12"),
        ("PUT", "/api/v1/tags/{tag}", api, "TagController@update", "routes/api.php:12"),
        ("PATCH", "/api/v1/tags/{tag}", api, "TagController@update", "routes/api.php:12"),
        ("DELETE", "/api/v1/tags/{tag}", api, "TagController@destroy", "routes/api.php:12"),
        ("GET", "/api/v1/labels", api, "LabelController@index", "routes/api.php:12"),
        ("POST", "/api/v1/labels", api, "LabelController@store", "routes/api.php:12"),
        ("GET", "/api/v1/labels/{label}", api, "LabelController@show", "routes/api.php:12"),
        ("PUT", "/api/v1/labels/{label}", api, "LabelController@update", "routes/api.php:12"),
        ("PATCH", "/api/v1/labels/{label}", api, "LabelController@update", "routes/api.php:12"),
        ("DELETE", "/api/v1/labels/{label}", api, "LabelController@destroy", "routes/api.php:12"),
        ("GET", "/api/v1/profile", api, "ProfileController@show", "routes/api.php:13"),
        ("GET", "/api/v1/profile/edit", api, "ProfileController@edit", "routes/api.php:13"),
        ("PUT", "/api/v1/profile", api, "ProfileController@update", "routes/api.php:13"),
        ("PATCH", "/api/v1/profile", api, "ProfileController@update", "routes/api.php:13"),
        ("POST", "/api/v1/photos/{photo}/thumbnail", api, "ThumbnailController@store", "routes/api.php:14"),
        ("GET", "/api/v1/photos/{photo}/thumbnail", api, "ThumbnailController@show", "routes/api.php:14"),
        ("PUT", "/api/v1/photos/{photo}/thumbnail", api, "ThumbnailController@update", "routes/api.php:14"),
        ("PATCH", "/api/v1/photos/{photo}/thumbnail", api, "ThumbnailController@update", "routes/api.php:14"),
        ("DELETE", "/api/v1/photos/{photo}/thumbnail", api, "ThumbnailController@destroy", "routes/api.php:14"),
        ("GET", "/api/v1/albums/{album}/tracks", api, "TrackController@index", "routes/api.php:15"),
        ("POST", "/api/v1/albums/{album}/tracks", api, "TrackController@store", "routes/api.php:15"),
        ("GET", "/api/v1/tracks/{track}", api, "TrackController@show", "routes/api.php:15"),
        ("DELETE", "/api/v1/tracks/{track}", api, "TrackController@destroy", "routes/api.php:15"),
        ("GET", "/api/v1/dashboard", api, "AccountController@dashboard", "routes/api.php:18"),
        ("GET", "/api/v1/reports/daily", api, "ReportController@daily", "routes/api.php:22"),
        ("GET", "/api/v1/reports/weekly", api, "ReportController@weekly", "routes/api.php:22"),
        ("GET", "/api/v1/invoices", api, "InvoiceController@index", "routes/api.php:26"),
        ("GET", "/api/v1/receipts", api, "ReceiptController@index", "routes/api.php:26"),
        ("GET", "/api/v1/{fallbackPlaceholder:path}", api, "FallbackController@api", "routes/api.php:29"),
        ("GET", "/up", [], "health", "bootstrap/app.php:13"),
        ("GET", "/", web, "Closure", "routes/web.php:5"),
        ("ALL", "/home", web, "redirect 302 -> /dashboard", "routes/web.php:8"),
        ("ALL", "/old-blog", web, "redirect 301 -> /blog", "routes/web.php:9"),
        ("GET", "/about", web, "view", "routes/web.php:10"),
        ("POST", "/webhooks/stripe", api, "StripeWebhookController@handle", "routes/webhooks.php:5"),
    ]  # fmt: skip
    domains = {r.path: r.domain for r in inventory.routes if r.domain}
    assert domains == {"/api/v1/dashboard": "{account}.example.com"}
    fallback = next(r for r in inventory.routes if "fallback" in r.original_path.lower())
    assert (fallback.original_path, [(p.name, p.wildcard) for p in fallback.params]) == (
        "/api/v1/{fallbackPlaceholder}",
        [("fallbackPlaceholder", True)],
    )
    assert inventory.warnings == []
    tags = {(r.method, r.path): r for r in inventory.routes if r.handler.startswith("TagController")}
    assert {key: r.status for key, r in tags.items()} == {
        ("GET", "/api/v1/tags"): None,  # the default, 200
        ("POST", "/api/v1/tags"): 201,  # Response::HTTP_CREATED
        ("GET", "/api/v1/tags/{tag}"): None,
        ("PUT", "/api/v1/tags/{tag}"): None,
        ("PATCH", "/api/v1/tags/{tag}"): None,
        ("DELETE", "/api/v1/tags/{tag}"): 204,  # noContent()
    }
    store, update = tags[("POST", "/api/v1/tags")], tags[("PUT", "/api/v1/tags/{tag}")]
    assert (store.body_source, [(f.name, f.type, f.required) for f in store.body]) == (
        "StoreTagRequest",  # the FormRequest type-hinted on store(), its rules()
        [
            ("name", "string", True),
            ("email", "string(email)", True),
            ("aliases", "array", False),
            ("starts_at", "string(date-time)", False),
        ],
    )
    assert (update.body_source, [(f.name, f.type, f.required) for f in update.body]) == (
        "validate()",  # $request->validate([...]) in update()
        [("name", "string", False), ("color", "string", True), ("weight", "integer", False)],
    )


def test_laravel_route_files_loaded_from_service_providers(tmp_path):
    write(
        tmp_path,
        {
            "app/Providers/RouteServiceProvider.php": """<?php
namespace App\\Providers;

class RouteServiceProvider extends ServiceProvider
{
    public function boot(): void
    {
        $this->routes(function () {
            Route::middleware('api')->prefix('api/v2')->group(base_path('routes/api.php'));
            Route::middleware('web')->group(base_path('routes/web.php'));
            Route::prefix('admin')->middleware(['web', 'auth'])->group(base_path('routes/admin.php'));
        });
    }
}
""",
            "app/Providers/PartnerServiceProvider.php": "<?php\nclass PartnerServiceProvider {\n  public function boot() {\n"
            "    $this->loadRoutesFrom(__DIR__.'/../../routes/partner.php');\n  }\n}\n",
            "routes/api.php": "<?php\nRoute::get('/me', [MeController::class, 'show']);\n",
            "routes/web.php": "<?php\nRoute::view('/', 'home');\n",
            "routes/admin.php": "<?php\nRoute::get('/users', [AdminController::class, 'users']);\n",
            "routes/partner.php": "<?php\nRoute::post('/partner/hook', PartnerHook::class);\n",
        },
    )
    assert [
        (r.method, r.path, r.middleware, r.handler, r.source) for r in scan("laravel", tmp_path).routes
    ] == [
        ("POST", "/partner/hook", [], "PartnerHook", "routes/partner.php:2"),  # providers in file order
        ("GET", "/api/v2/me", ["api"], "MeController@show", "routes/api.php:2"),
        ("GET", "/", ["web"], "view", "routes/web.php:2"),
        ("GET", "/admin/users", ["web", "auth"], "AdminController@users", "routes/admin.php:2"),
    ]


def test_laravel_loop_over_a_non_literal_still_warns(tmp_path):
    write(
        tmp_path,
        {
            "routes/web.php": "<?php\nforeach (config('pages') as $page) {\n  Route::get($page, PageController::class);\n}\n"
        },
    )
    inventory = scan("laravel", tmp_path)
    assert inventory.routes == []
    assert [(w.file, w.line, w.message) for w in inventory.warnings] == [
        ("routes/web.php", 3, "dynamic route path '$page'; route not resolved")
    ]


# -- Express ------------------------------------------------------------------------------------


def test_express_class_based_typescript_app():
    """Routers built in controller classes (fields, constructor, methods, a base class, super()),
    an App class mounting each controller's router in forEach, middleware mounted on a path
    (`app.use('/api/v1/auth', limiter)`) attached to the routes under it only, a Map, a literal
    list and Object.entries expanded."""
    inventory = scan("express", FIXTURES / "express_ts")
    json_mw = ["express.json"]
    auth, users = "src/controllers/auth.controller.ts", "src/controllers/users.controller.ts"
    assert rows(inventory) == [
        ("POST", "/api/v1/auth/login", "/api/v1/auth/login", [], [*json_mw, "limiter", "validate"], "AuthController.login", f"{auth}:13"),
        ("POST", "/api/v1/auth/refresh", "/api/v1/auth/refresh", [], [*json_mw, "limiter"], "AuthController.refresh", f"{auth}:14"),
        ("GET", "/api/v1/users", "/api/v1/users", [], [*json_mw, "authMiddleware"], "UsersController.getAll", f"{users}:9"),
        ("GET", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], [*json_mw, "authMiddleware"], "UsersController.getOne", f"{users}:10"),
        ("DELETE", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], [*json_mw, "authMiddleware", "requireAdmin"], "UsersController.remove", f"{users}:10"),
        ("GET", "/legacy/users/{id}", "/legacy/users/:id", ["id"], json_mw, "legacyShow", "src/routes/legacy.ts:4"),
        ("GET", "/legacy/members/{id}", "/legacy/members/:id", ["id"], json_mw, "legacyShow", "src/routes/legacy.ts:4"),
        ("GET", "/api/v2/ping", "/api/v2/ping", [], json_mw, "ping", "src/app.ts:42"),
        ("GET", "/api/v3/ping", "/api/v3/ping", [], json_mw, "ping", "src/app.ts:42"),
        ("GET", "/meta/status", "/meta/status", [], json_mw, "statusHandler", "src/app.ts:44"),
        ("GET", "/meta/info", "/meta/info", [], json_mw, "infoHandler", "src/app.ts:44"),
    ]  # fmt: skip
    assert inventory.warnings == []


def test_express_map_foreach_and_object_keys_loops(tmp_path):
    write(
        tmp_path,
        {
            "server.js": "const express = require('express');\nconst app = express();\n"
            "const routers = new Map([['/a', require('./a')], ['/b', require('./a')]]);\n"
            "routers.forEach((router, prefix) => app.use(prefix, router));\n"
            "const pages = { home: renderHome, about: renderAbout };\n"
            "for (const page in pages) { app.get('/' + page, pages[page]); }\n"
            "Object.keys(pages).forEach((page) => app.post(`/${page}/like`, like));\n",
            "a.js": "const router = require('express').Router();\nrouter.get('/x', x);\nmodule.exports = router;\n",
        },
    )
    assert [(r.method, r.path) for r in scan("express", tmp_path).routes] == [
        ("GET", "/a/x"),
        ("GET", "/b/x"),
        ("GET", "/home"),
        ("GET", "/about"),
        ("POST", "/home/like"),
        ("POST", "/about/like"),
    ]


def test_nestjs_versioning_without_a_prefix_and_laravel_using(tmp_path):
    nest = write(
        tmp_path / "nest",
        {
            "src/main.ts": "app.enableVersioning({ type: VersioningType.URI, prefix: false, defaultVersion: '3' });\n",
            "src/a.controller.ts": "@Controller('a')\nexport class A {\n  @Get()\n  list() {}\n}\n",
        },
    )
    assert [r.path for r in scan("nestjs", nest).routes] == ["/3/a"]
    laravel = write(
        tmp_path / "laravel",
        {
            "bootstrap/app.php": "<?php\nreturn Application::configure(basePath: dirname(__DIR__))\n"
            "    ->withRouting(using: function () {\n"
            "        Route::prefix('v9')->group(base_path('routes/custom.php'));\n"
            "    }, api: __DIR__.'/../routes/api.php')->create();\n",
            "routes/custom.php": "<?php\nRoute::get('/only', Only::class);\n",
            "routes/api.php": "<?php\nRoute::get('/skipped-by-using', S::class);\n",
        },
    )
    # `using` replaces Laravel's own loading; api.php, loaded by nothing, is read with a warning
    inventory = scan("laravel", laravel)
    assert [r.path for r in inventory.routes] == ["/v9/only", "/api/skipped-by-using"]
    assert [(w.file, w.message) for w in inventory.warnings] == [
        (
            "routes/api.php",
            "not loaded by bootstrap/app.php or a service provider; read with Laravel's defaults",
        )
    ]
