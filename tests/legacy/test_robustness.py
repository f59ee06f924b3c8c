"""Odd input never crashes a scan or a diff: each gives one clear line, and a non-zero exit."""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mosaic.cli import app as cli
from mosaic.legacy import scan

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def warnings_of(inventory) -> list[tuple[str, int, str, bool]]:
    return [(w.file, w.line, w.message, w.skipped) for w in inventory.warnings]


DEEP_JS = "const x = " + "(" * 3000 + "1" + ")" * 3000 + ";\n"
LONG_JS = "const y = " + " + ".join(["'a'"] * 20000) + ";\n"


@pytest.mark.parametrize(("label", "content"), [("nesting", DEEP_JS), ("concatenation", LONG_JS)])
def test_express_deep_expressions_are_skipped_with_the_file_named(tmp_path, label, content):
    write(tmp_path, "server.js", "const app = require('express')();\napp.get('/ok', h);\n")
    write(tmp_path, "lib/generated.js", "app.get('/before', h);\n" + content)
    inventory = scan("express", tmp_path)
    assert [r.path for r in inventory.routes] == ["/ok"]
    [(file, at, message, skipped)] = warnings_of(inventory)
    assert (file, at, skipped) == ("lib/generated.js", 2, True)
    assert "nested too deeply" in message


def test_nestjs_and_laravel_deep_expressions_are_skipped(tmp_path):
    nest = tmp_path / "nest"
    write(nest, "main.ts", "const PREFIX = " + "[" * 5000 + "]" * 5000 + ";\n")
    write(nest, "a.controller.ts", "@Controller('a')\nexport class A {\n  @Get()\n  list() {}\n}\n")
    inventory = scan("nestjs", nest)
    assert [r.path for r in inventory.routes] == ["/a"]
    assert [(w.file, w.skipped) for w in inventory.warnings] == [("main.ts", True)]
    laravel = tmp_path / "laravel"
    write(
        laravel,
        "routes/web.php",
        "<?php\nRoute::get('/a', 'A@a');\n$x = "
        + " . ".join(["'a'"] * 5000)
        + ";\nRoute::get('/b', 'B@b');\n",
    )
    inventory = scan("laravel", laravel)
    assert [r.path for r in inventory.routes] == ["/a", "/b"]
    assert [(w.file, w.line, w.skipped) for w in inventory.warnings] == [("routes/web.php", 3, True)]


def test_binary_and_non_utf8_sources(tmp_path):
    write(
        tmp_path,
        "server.js",
        "const app = require('express')();\napp.get('/caf\xe9', h);\n".encode("latin-1"),
    )
    write(tmp_path, "logo.js", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    inventory = scan("express", tmp_path)
    assert [r.path for r in inventory.routes] == ["/caf\ufffd"]
    assert warnings_of(inventory) == [
        ("logo.js", 0, "binary file (NUL bytes), not source; skipped", True),
        ("server.js", 2, "not valid UTF-8; read with replacement characters", False),
    ]
    result = runner.invoke(cli, ["legacy", "scan", "express", str(tmp_path / "logo.js")])
    assert result.exit_code == 1
    assert "error: logo.js:0: binary file (NUL bytes), not source; skipped" in result.stderr


def test_a_syntax_error_is_a_warning_with_its_line(tmp_path):
    write(
        tmp_path,
        "server.js",
        "const app = require('express')();\napp.get('/a', h);\nfunction (( {\napp.get('/b', h);\n",
    )
    inventory = scan("express", tmp_path)
    assert "/a" in [r.path for r in inventory.routes]
    [(file, at, message, skipped)] = warnings_of(inventory)
    assert (file, at, skipped) == ("server.js", 3, False)
    assert message.startswith("syntax error")


def test_wrong_framework_says_so(tmp_path):
    write(tmp_path, "package.json", json.dumps({"dependencies": {"@nestjs/core": "^10", "express": "^4"}}))
    write(tmp_path, "src/a.controller.ts", "@Controller('a')\nexport class A {\n  @Get()\n  list() {}\n}\n")
    result = runner.invoke(cli, ["legacy", "scan", "laravel", str(tmp_path)])
    assert result.exit_code == 1
    assert "no laravel routes found, but this looks like a nestjs project" in result.stderr
    assert scan("nestjs", tmp_path).routes  # and the right one finds them


def test_no_routes_in_an_unknown_folder_exits_non_zero(tmp_path):
    write(tmp_path, "readme.js", "// nothing here\n")
    result = runner.invoke(cli, ["legacy", "scan", "express", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: no express routes found under {tmp_path}"


def test_output_into_a_missing_folder_is_created_or_refused(tmp_path):
    target = tmp_path / "new" / "deeper" / "inventory.json"
    result = runner.invoke(cli, ["legacy", "scan", "nestjs", str(FIXTURES / "nestjs"), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["framework"] == "nestjs"
    blocker = write(tmp_path, "file", "x")
    result = runner.invoke(
        cli, ["legacy", "scan", "nestjs", str(FIXTURES / "nestjs"), "-o", str(blocker / "inv.json")]
    )
    assert result.exit_code == 1
    [line] = [s for s in result.stderr.splitlines() if s.startswith("error")]
    assert line.startswith(f"error: cannot write {blocker / 'inv.json'}")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a binary file, not a scan inventory"),
        ("caf\xe9".encode("latin-1"), "not UTF-8 text (byte 3), not a scan inventory"),
        (b"{not json", "not JSON (line 1: Expecting property name enclosed in double quotes)"),
        (b'{"routes": []}', "JSON but not a scan inventory (missing 'framework')"),
        (b"[1, 2]", "JSON but not a scan inventory (list indices must be integers or slices, not str)"),
        (
            b'{"framework": "express", "root": ".", "routes": [{"method": "GET"}]}',
            "JSON but not a scan inventory",
        ),
    ],
)
def test_diff_on_something_else_answers_one_line(tmp_path, content, reason):
    path = write(tmp_path, "input.json", content)
    result = runner.invoke(cli, ["legacy", "diff", str(path), "--report", str(tmp_path / "r.md")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {path}: {reason}")
    assert "Traceback" not in result.output


def test_a_10_mb_file_scans_in_bounded_memory(tmp_path):
    data = "[" + ",".join(str(i % 1000) for i in range(2_600_000)) + "]"
    write(tmp_path, "server.js", "const app = require('express')();\napp.get('/ok', h);\n")
    write(tmp_path, "data.js", f"module.exports = {data};\n")
    assert (tmp_path / "data.js").stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        inventory = scan("express", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.path for r in inventory.routes] == ["/ok"]
    [(file, at, message, skipped)] = warnings_of(inventory)
    assert (file, at, skipped) == ("data.js", 1, False)
    assert re.fullmatch(r"statement of 10\.\d MB \(data or minified code\) not read", message)
    assert peak < 40 * 1024 * 1024, f"peak Python allocation {peak / 2**20:.0f} MiB"


def test_progress_is_shown_on_long_scans(tmp_path):
    write(
        tmp_path,
        "server.js",
        "const app = require('express')();\n" + "".join(f"require('./r{i}')(app);\n" for i in range(250)),
    )
    for i in range(250):
        write(tmp_path, f"r{i}.js", f"module.exports = (app) => app.get('/r{i}', h);\n")
    result = runner.invoke(
        cli, ["legacy", "scan", "express", str(tmp_path), "-o", str(tmp_path / "out" / "i.json")]
    )
    assert result.exit_code == 0, result.output
    progress = [s for s in result.stderr.splitlines() if s.startswith("...")]
    assert [s.split(",")[0] for s in progress] == ["... 100 files read", "... 200 files read"]
    assert all(s.endswith(" routes found") for s in progress)
    assert "250 routes, 0 warnings" in result.stdout
