# ruff: noqa: E501 - the legacy app reads best as the JavaScript it is
"""Stubs an unchanged front end can use: legacy statuses, auth, body shapes, legacy paths served by
the mock, a bad stub skipped; the parity report's per-route differences."""

from __future__ import annotations

import logging
from pathlib import Path

from mosaic.legacy import scan
from mosaic.legacy.diff import compare, report, write_stubs
from mosaic.mock.app import create_mock_app
from tests.conftest import running

SERVER = """const express = require('express');
const { body } = require('express-validator');
const { celebrate, Joi } = require('celebrate');
const app = express();
app.post('/api/auth/login', [body('email').isEmail(), body('password').isLength({ min: 8 })], (req, res) => res.json({ token: 't' }));
app.post('/api/users', authenticate, celebrate({ body: Joi.object({ name: Joi.string().required(), age: Joi.number().integer() }) }), (req, res) => {
  res.status(201).json({});
});
app.get('/api/tags', (req, res) => res.json([]));
app.delete('/api/tags/:id', checkToken, (req, res) => res.status(202).json({}));
app.all('/api/ping', (req, res) => res.send('pong'));
app.get('/api/a/:id/b/:id', dup);
"""


def legacy_app(tmp_path: Path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "server.js").write_text(SERVER)
    return scan("express", tmp_path / "app")


def test_express_statuses_and_validator_bodies(tmp_path):
    inventory = legacy_app(tmp_path)
    found = {
        (r.method, r.path): (r.status, r.body_source, [(f.name, f.type, f.required) for f in r.body])
        for r in inventory.routes
    }
    assert found[("POST", "/api/auth/login")] == (
        200,  # a login answering 200 stays 200
        "express-validator",
        [("email", "string(email)", True), ("password", "string", True)],
    )
    assert found[("POST", "/api/users")] == (
        201,
        "celebrate/Joi",
        [("name", "string", True), ("age", "number", False)],
    )
    assert found[("DELETE", "/api/tags/{id}")][0] == 202


async def test_stubs_keep_legacy_status_auth_and_body_and_the_mock_serves_legacy_paths(tmp_path, caplog):
    inventory = legacy_app(tmp_path)
    parity = compare(inventory, set(), [("/api", "/api/v1")])
    stubs = tmp_path / "stubs"
    write_stubs(parity, "express", stubs)
    (stubs / "broken.md").write_text("---\nmethod: GET\n---\nno path, no title\n")
    login = next(d for d in _parse_each(stubs) if d.path == "/api/v1/auth/login")
    assert [r.status for r in login.responses] == [200, 404]
    assert [(p.name, p.type, p.required) for p in login.params_in("body")] == [
        ("email", "string(email)", True),
        ("password", "string", True),
    ]
    assert login.request_example is not None and login.request_example.body == {
        "email": "user@example.com",
        "password": "string",
    }
    users = next(d for d in _parse_each(stubs) if d.path == "/api/v1/users")
    assert ([r.status for r in users.responses], users.auth) == ([201, 401, 404], "bearer")
    assert "Authentication: required (legacy `authenticate`)." in users.description
    tag = next(d for d in _parse_each(stubs) if d.method == "DELETE")
    assert [r.status for r in tag.responses] == [202, 401, 404]
    assert "a guess from the legacy middleware name `checkToken`" in tag.description

    caplog.set_level(logging.WARNING, logger="mosaic.mock")
    token = {"Authorization": "Bearer header.payload.signature"}
    async with running(create_mock_app(stubs, serve_legacy_paths=True)) as client:
        for path in ("/api/tags", "/api/v1/tags"):  # the old front end's path and the new one
            response = await client.get(path)
            assert response.status_code == 200, path
        # The stub's detected auth is enforced at the legacy path too; with a token it answers.
        assert (await client.delete("/api/tags/7")).status_code == 401
        assert (await client.delete("/api/tags/7", headers=token)).status_code == 202
        credentials = {"email": "user@example.com", "password": "string"}
        assert (await client.post("/api/auth/login", json=credentials)).status_code == 200
        assert (await client.post("/api/v1/users", json={}, headers=token)).status_code == 422  # name
        user = {"name": "Ada", "age": 36}
        assert (await client.post("/api/v1/users", json=user, headers=token)).status_code == 201
        assert (await client.get("/api/v1/a/1/b/2")).status_code == 404  # the bad stub: skipped
    messages = [r.getMessage() for r in caplog.records]
    assert any("broken.md" in m and m.startswith("skipped") for m in messages)
    assert any(
        m.startswith("skipped GET /api/v1/a/{id}/b/{id}") and "Duplicated param name id" in m
        for m in messages
    )

    async with running(create_mock_app(stubs)) as client:  # without the option: new paths only
        assert (await client.get("/api/tags")).status_code == 404
        assert (await client.get("/api/v1/tags")).status_code == 200


def _parse_each(folder: Path):
    from mosaic.apidocs.parser import DocsError, doc_files, parse_file

    for path in doc_files(folder):
        try:
            yield parse_file(path, folder)
        except DocsError:
            continue


def test_parity_report_lists_method_parameter_and_auth_differences(tmp_path):
    inventory = legacy_app(tmp_path)
    app_routes = {
        ("GET", "/api/v1/ping"),
        ("DELETE", "/api/v1/tags/{tag_id}"),
        ("POST", "/api/v1/users"),
        ("GET", "/api/v1/tags"),
        ("POST", "/api/v1/auth/login"),
    }
    app_auth = {
        ("GET", "/api/v1/ping"): False,
        ("DELETE", "/api/v1/tags/{tag_id}"): True,
        ("POST", "/api/v1/users"): False,
        ("GET", "/api/v1/tags"): True,
        ("POST", "/api/v1/auth/login"): False,
    }
    parity = compare(inventory, app_routes, [("/api", "/api/v1")], app_auth)
    assert {(r.route.method, r.legacy_path): r.differences for r in parity.served} == {
        ("POST", "/api/auth/login"): (),
        ("POST", "/api/users"): ("auth: legacy requires it (authenticate), the app does not",),
        ("GET", "/api/tags"): ("auth: the app requires it, the legacy route did not",),
        ("DELETE", "/api/tags/{id}"): ("path parameters: id -> tag_id",),
        ("ALL", "/api/ping"): ("method: legacy answers any method, the app GET only",),
    }
    text = report(inventory, parity, [("/api", "/api/v1")])
    assert "4 of 5 served routes differ in method, path parameters or auth." in text
    assert (
        "| DELETE | `/api/tags/{id}` | DELETE `/api/v1/tags/{tag_id}` | path parameters: id -> tag_id |"
        in text
    )
