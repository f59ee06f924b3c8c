# ruff: noqa: E501 - the expected inventories read best as one route per line
"""Each scanner on a small fixture project, asserted route by route; then the parity report and stubs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mosaic.apidocs.parser import parse_folder
from mosaic.cli import app as cli
from mosaic.legacy import scan
from mosaic.legacy.diff import compare, report, write_stubs
from mosaic.legacy.model import Inventory, normalise_express, normalise_laravel
from mosaic.mock.app import create_mock_app
from tests.conftest import running

FIXTURES = Path(__file__).parent / "fixtures"


def rows(inventory: Inventory) -> list[tuple]:
    return [
        (
            r.method,
            r.path,
            r.original_path,
            [p.name + ("?" if p.optional else "") + ("*" if p.wildcard else "") for p in r.params],
            r.middleware,
            r.handler,
            f"{r.file}:{r.line}",
        )
        for r in inventory.routes
    ]


def test_express_routes_across_files_mounts_loops_and_path_syntaxes():
    inventory = scan("express", FIXTURES / "express")
    json_mw = ["express.json"]
    auth = [*json_mw, "authenticate"]
    assert rows(inventory) == [
        ("GET", "/health", "/health", [], json_mw, "<anonymous>", "server.js:9"),
        ("ALL", "/ping", "/ping", [], json_mw, "pingHandler", "server.js:10"),
        ("GET", "/api/users", "/api/users", [], auth, "controller.list", "routes/users.js:5"),
        ("GET", "/api/users/{id}", "/api/users/:id", ["id"], auth, "controller.show", "routes/users.js:6"),
        ("GET", "/api/users/{id}/avatar", "/api/users/:id/avatar", ["id"], auth, "controller.avatar", "routes/users.js:7"),
        ("POST", "/api/users/{id}/avatar", "/api/users/:id/avatar", ["id"], [*auth, "requireRole"], "controller.upload", "routes/users.js:7"),
        ("DELETE", "/api/users/{id}", "/api/users/:id?", ["id?"], [*auth, "requireRole"], "controller.remove", "routes/users.js:8"),
        ("GET", "/api/posts/{postId}/comments/{commentId}", "/api/posts/:postId/comments/:commentId", ["postId", "commentId"], json_mw, "getComment", "routes/posts.js:6"),
        ("PATCH", "/api/posts/{postId}", "/api/posts/:postId", ["postId"], [*json_mw, "validate", "audit"], "updatePost", "routes/posts.js:7"),
        ("GET", "/api/files/{wildcard:path}", "/api/files/*", ["wildcard*"], json_mw, "serveFile", "routes/files.js:3"),
        ("GET", "/api/files/raw/{splat:path}", "/api/files/raw/*splat", ["splat*"], json_mw, "serveRaw", "routes/files.js:4"),
        ("GET", "/api/files/thumbs/{size}", "/api/files/thumbs{/:size}", ["size?"], json_mw, "thumbs", "routes/files.js:5"),
        ("GET", "/api/v2/status", "/api/v2/status", [], json_mw, "status", "routes/status.js:3"),
        ("GET", "/api/v3/status", "/api/v3/status", [], json_mw, "status", "routes/status.js:3"),
    ]  # fmt: skip
    assert inventory.routes[6].variants == ["/api/users/{id}", "/api/users"]
    assert [(w.file, w.line, w.message.split(";")[0]) for w in inventory.warnings] == [
        ("routes/users.js", 3, "cannot resolve module '../controllers/users'"),
        ("server.js", 22, "dynamic route path 'process.env.DYNAMIC_PATH'"),
    ]


def test_express_in_typescript_with_function_mounts(tmp_path):
    (tmp_path / "app.ts").write_text(
        'import express from "express";\nimport registerRoutes from "./routes";\n'
        "const app = express();\nregisterRoutes(app, '/v1');\n"
    )
    (tmp_path / "routes.ts").write_text(
        "import { Router, Express } from 'express';\n"
        "export default function registerRoutes(app: Express, base: string): void {\n"
        "  const router: Router = Router();\n  router.put('/items/:itemId', save);\n"
        "  app.use(`${base}/shop`, router);\n}\n"
    )
    assert rows(scan("express", tmp_path)) == [
        ("PUT", "/v1/shop/items/{itemId}", "/v1/shop/items/:itemId", ["itemId"], [], "save", "routes.ts:4")
    ]


def test_nestjs_controllers_guards_prefix_and_versions():
    inventory = scan("nestjs", FIXTURES / "nestjs")
    guards = ["AuthGuard", "RolesGuard"]
    quiz, users = "src/quiz/quiz.controller.ts", "src/users/users.controller.ts"
    assert rows(inventory) == [
        ("POST", "/api/v2/quiz/generate", "/api/v2/quiz/generate", [], [], "QuizController.generate", f"{quiz}:5"),
        ("POST", "/api/v2/quiz/generate-from-text", "/api/v2/quiz/generate-from-text", [], [], "QuizController.generate", f"{quiz}:5"),
        ("GET", "/api/v2/quiz/attempts/{attemptId}", "/api/v2/quiz/attempts/:attemptId", ["attemptId"], [], "QuizController.attempt", f"{quiz}:8"),
        ("ALL", "/api/v2/quiz/{wildcard:path}", "/api/v2/quiz/*", ["wildcard*"], [], "QuizController.fallback", f"{quiz}:11"),
        ("GET", "/api/health", "/api/health", [], [], "HealthController.check", f"{quiz}:17"),
        ("GET", "/api/v1/users", "/api/v1/users", [], guards, "UsersController.findAll", f"{users}:10"),
        ("GET", "/api/v1/users/{id}", "/api/v1/users/:id", ["id"], guards, "UsersController.findOne", f"{users}:15"),
        ("PATCH", "/api/v1/users/{id}/avatar/{size}", "/api/v1/users/:id/avatar/:size?", ["id", "size?"], [*guards, "OwnerGuard"], "UsersController.updateAvatar", f"{users}:20"),
        ("DELETE", "/api/v2/users/{id}", "/api/v2/users/:id", ["id"], guards, "UsersController.remove", f"{users}:25"),
    ]  # fmt: skip
    assert [(w.file, w.line) for w in inventory.warnings] == [(quiz, 20)]
    assert "dynamicPath()" in inventory.warnings[0].message


def test_laravel_groups_resources_and_the_api_prefix():
    inventory = scan("laravel", FIXTURES / "laravel")
    api, sanctum = ["api"], ["api", "auth:sanctum"]
    studio_mw = [*sanctum, "verified"]
    admin = ["api", "admin"]
    f = "routes/api.php"
    assert rows(inventory) == [
        ("POST", "/api/auth/login", "/api/auth/login", [], api, "AuthController@login", f"{f}:9"),
        ("GET", "/api/auth/me", "/api/auth/me", [], sanctum, "AuthController@me", f"{f}:10"),
        ("GET", "/api/studios", "/api/studios", [], studio_mw, "StudioController@index", f"{f}:13"),
        ("GET", "/api/studios/{studio}/rooms/{room}", "/api/studios/{studio}/rooms/{room?}", ["studio", "room?"], studio_mw, "StudioController@rooms", f"{f}:14"),
        ("PUT", "/api/studios/{studio}/admin/settings", "/api/studios/{studio}/admin/settings", ["studio"], [*studio_mw, "can:manage,studio"], "StudioController@settings", f"{f}:16"),
        ("GET", "/api/admin/companies", "/api/admin/companies", [], admin, "CompanyController@index", f"{f}:21"),
        ("POST", "/api/admin/companies", "/api/admin/companies", [], admin, "CompanyController@store", f"{f}:21"),
        ("GET", "/api/admin/companies/{company}", "/api/admin/companies/{company}", ["company"], admin, "CompanyController@show", f"{f}:21"),
        ("PUT", "/api/admin/companies/{company}", "/api/admin/companies/{company}", ["company"], admin, "CompanyController@update", f"{f}:21"),
        ("PATCH", "/api/admin/companies/{company}", "/api/admin/companies/{company}", ["company"], admin, "CompanyController@update", f"{f}:21"),
        ("DELETE", "/api/admin/cache", "/api/admin/cache", [], [*admin, "throttle:5,1"], "AdminController@clearCache", "routes/admin.php:5"),
        ("GET", "/api/photos", "/api/photos", [], api, "PhotoController@index", f"{f}:25"),
        ("GET", "/api/photos/{photo}", "/api/photos/{photo}", ["photo"], api, "PhotoController@show", f"{f}:25"),
        ("PUT", "/api/photos/{photo}", "/api/photos/{photo}", ["photo"], api, "PhotoController@update", f"{f}:25"),
        ("PATCH", "/api/photos/{photo}", "/api/photos/{photo}", ["photo"], api, "PhotoController@update", f"{f}:25"),
        ("GET", "/api/posts/{post}/comments", "/api/posts/{post}/comments", ["post"], api, "CommentController@index", f"{f}:26"),
        ("POST", "/api/posts/{post}/comments", "/api/posts/{post}/comments", ["post"], api, "CommentController@store", f"{f}:26"),
        ("GET", "/api/v1/search", "/api/v1/search", [], api, "SearchController@search", f"{f}:27"),
        ("POST", "/api/v1/search", "/api/v1/search", [], api, "SearchController@search", f"{f}:27"),
        ("ALL", "/api/webhooks/stripe", "/api/webhooks/stripe", [], api, "Closure", f"{f}:28"),
        ("GET", "/api/bookings/{booking}", "/api/bookings/{booking}", ["booking"], api, "BookingController@show", f"{f}:30"),
        ("GET", "/", "/", [], ["web"], "view", "routes/web.php:3"),
    ]  # fmt: skip
    assert [(w.file, w.line) for w in inventory.warnings] == [(f, 32)]


def test_resource_expands_to_the_seven_laravel_routes(tmp_path):
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "web.php").write_text("<?php\nRoute::resource('categories', C::class);\n")
    assert [(r.method, r.path, r.handler) for r in scan("laravel", tmp_path).routes] == [
        ("GET", "/categories", "C@index"),
        ("GET", "/categories/create", "C@create"),
        ("POST", "/categories", "C@store"),
        ("GET", "/categories/{category}", "C@show"),
        ("GET", "/categories/{category}/edit", "C@edit"),
        ("PUT", "/categories/{category}", "C@update"),
        ("PATCH", "/categories/{category}", "C@update"),
        ("DELETE", "/categories/{category}", "C@destroy"),
    ]


@pytest.mark.parametrize(
    ("raw", "path", "variants"),
    [
        ("/a/:id(\\d+)", "/a/{id}", []),
        ("/a/:x?/:y?", "/a/{x}/{y}", ["/a/{x}/{y}", "/a/{x}", "/a/{y}", "/a"]),
        ("/a{/:id}/b", "/a/{id}/b", ["/a/{id}/b", "/a/b"]),
        ("/", "/", []),
    ],
)
def test_express_path_normalisation(raw, path, variants):
    assert normalise_express(raw)[0::2] == (path, variants)


def test_laravel_path_normalisation():
    assert normalise_laravel("/u/{user:slug}/{tab?}")[0::2] == (
        "/u/{user}/{tab}",
        ["/u/{user}/{tab}", "/u/{user}"],
    )


def test_inventory_json_round_trips():
    inventory = scan("laravel", FIXTURES / "laravel")
    assert Inventory.from_json(inventory.to_json()) == inventory


APP_ROUTES = {
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/studios/{studio_id}/rooms/{room_id}"),
    ("POST", "/api/v1/webhooks/stripe"),
    ("GET", "/health/live"),
}


def test_diff_matches_by_shape_through_the_prefix_map():
    inventory = scan("laravel", FIXTURES / "laravel")
    parity = compare(inventory, APP_ROUTES, [("/api", "/api/v1")])
    served = [(r.route.method, r.legacy_path, r.served_by) for r in parity.served]
    assert served == [
        ("POST", "/api/auth/login", ("POST", "/api/v1/auth/login")),
        ("GET", "/api/auth/me", ("GET", "/api/v1/auth/me")),
        ("GET", "/api/studios/{studio}/rooms/{room}", ("GET", "/api/v1/studios/{studio_id}/rooms/{room_id}")),
        ("ALL", "/api/webhooks/stripe", ("POST", "/api/v1/webhooks/stripe")),
    ]
    missing = {(r.route.method, r.new_path) for r in parity.missing}
    assert ("GET", "/api/v1/studios/{studio}/rooms") in missing  # the variant without the optional room
    assert ("GET", "/") in missing
    assert parity.new == [("GET", "/health/live")]
    text = report(inventory, parity, [("/api", "/api/v1")])
    assert "- served by the FastAPI app: 4 of 23 (17%)" in text
    assert (
        "| GET | `/api/studios/{studio}/rooms` | `/api/v1/studios/{studio}/rooms` | StudioController@rooms"
        in text
    )
    assert "| GET | `/health/live` |" in text
    assert "- routes/api.php:32: dynamic route path '$dynamicPath'" in text


async def test_stubs_are_valid_docs_the_mock_serves(tmp_path):
    inventory = scan("express", FIXTURES / "express")
    parity = compare(inventory, set(), [("/api", "/api/v1")])
    written = write_stubs(parity, "express", tmp_path)
    docs = {d.key: d for d in parse_folder(tmp_path)}
    assert len(written) == len(docs) == 16
    stub = docs[("DELETE", "/api/v1/users/{id}")]
    assert (stub.status, stub.auth, stub.legacy_source, stub.legacy_path) == (
        "mocked",
        "bearer",
        "express:routes/users.js:8",
        "/api/users/:id?",
    )
    assert stub.relative_path == "users/delete_users_by_id.md"
    async with running(create_mock_app(tmp_path)) as client:
        # The stub says `auth: bearer`: the mock asks for a token, as the real route would.
        assert (await client.delete("/api/v1/users/42")).status_code == 401
        client.headers["Authorization"] = "Bearer a.b.c"
        response = await client.delete("/api/v1/users/42")
        assert response.json() == {"status_code": 200, "message": "OK", "data": None, "error": None}
        assert (await client.get("/api/v1/files/raw/a/b/c.png")).status_code == 200
        assert (
            await client.post("/api/v1/users/1/avatar", headers={"Prefer": "code=404"})
        ).status_code == 404


def test_cli_scan_and_diff(tmp_path):
    runner = CliRunner()
    inventory_path = tmp_path / "inventory.json"
    result = runner.invoke(
        cli, ["legacy", "scan", "nestjs", str(FIXTURES / "nestjs"), "-o", str(inventory_path)]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(inventory_path.read_text())["routes"]) == 9
    report_path = tmp_path / "parity.md"
    result = runner.invoke(
        cli,
        ["legacy", "diff", str(inventory_path), "--prefix", "/api/v1=/api/v1", "--report", str(report_path),
         "--write-stubs", str(tmp_path / "stubs")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "GET `/api/v1/users`" in report_path.read_text()  # the app's users list serves the legacy one
    assert (tmp_path / "stubs" / "quiz" / "post_quiz_generate.md").is_file()
    bad = runner.invoke(cli, ["legacy", "diff", str(inventory_path), "--prefix", "api"])
    assert bad.exit_code != 0
