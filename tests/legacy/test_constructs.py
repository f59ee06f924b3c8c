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
        ("GET", "/api/v1/users", "/api/v1/users", [], [*mw, *jwt], "UsersController.findAll", "src/users/users.controller.ts:7"),
        ("POST", "/api/v1/users/login", "/api/v1/users/login", [], [], "UsersController.login", "src/users/users.controller.ts:11"),
        ("GET", "/api/v1/users/events", "/api/v1/users/events", [], mw, "UsersController.events", "src/users/users.controller.ts:14"),
        ("DELETE", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], [*mw, *jwt], "UsersController.remove", "src/users/users.controller.ts:18"),
        ("GET", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], mw, "UsersController.findOne", "src/common/crud.controller.ts:9"),
        ("ALL", "/api/v1/users/search", "/api/v1/users/search", [], mw, "UsersController.search", "src/common/crud.controller.ts:12"),
    ]  # fmt: skip
    assert inventory.warnings == []


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
