"""The parser fails loudly, with file and line, on every broken template rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic.apidocs.parser import DocsError, parse_folder, parse_text

GOOD = """---
method: GET
path: /api/v1/things/{thing_id}
auth: bearer
permission: things:read
tags: [things]
status: documented
---

# Get a thing

Prose.

## Path parameters

| name | type | required | description |
| --- | --- | --- | --- |
| `thing_id` | integer | yes | The id |

## Responses

### 200 OK

```json response 200
{"status_code": 200, "message": "OK", "data": {"b": 1, "a": 2}, "error": null}
```

```json response 200 empty
{"status_code": 200, "message": "OK", "data": null, "error": null}
```
"""


def problems_of(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(DocsError) as caught:
        parse_text(text, tmp_path / "things" / "get.md", tmp_path)
    return [str(p) for p in caught.value.problems]


def test_a_valid_document_parses_with_order_kept(tmp_path):
    doc = parse_text(GOOD, tmp_path / "things" / "get.md", tmp_path)
    assert (doc.domain, doc.operation, doc.method, doc.auth) == ("things", "get", "GET", "bearer")
    assert list(doc.default_example().body["data"]) == ["b", "a"]
    assert [e.name for e in doc.examples()] == ["default", "empty"]
    assert doc.description == "Prose."


def test_invalid_json_names_file_and_line(tmp_path):
    text = GOOD.replace('"data": {"b": 1, "a": 2}', '"data": {"b": 1,, "a": 2}')
    [problem] = problems_of(text, tmp_path)
    line = text.splitlines().index(
        '{"status_code": 200, "message": "OK", "data": {"b": 1,, "a": 2}, "error": null}'
    )
    assert problem.startswith(f"{tmp_path / 'things' / 'get.md'}:{line + 1}: invalid JSON")


def test_no_success_example_fails(tmp_path):
    text = GOOD.replace("json response 200 empty", "json response 404 gone").replace(
        "json response 200\n", "json response 400\n"
    )
    assert any("no 2xx example" in p for p in problems_of(text, tmp_path))


def test_path_parameter_missing_from_its_table_fails(tmp_path):
    text = GOOD.replace("| `thing_id` | integer | yes | The id |\n", "")
    [problem] = problems_of(text, tmp_path)
    assert "{thing_id} is missing from the 'Path parameters' table" in problem
    assert problem.split(":")[1] == "3"  # the `path:` line


def test_unknown_info_string_fails(tmp_path):
    text = GOOD + "\n```bash\ncurl http://localhost\n```\n"
    [problem] = problems_of(text, tmp_path)
    assert "unknown fenced block info string 'bash'" in problem
    text = GOOD + "\n```json\n{}\n```\n"
    assert "unknown fenced block info string 'json'" in problems_of(text, tmp_path)[0]


def test_duplicate_example_name_fails(tmp_path):
    text = GOOD.replace("json response 200 empty", "json response 200")
    assert "duplicate example name 'default' for status 200" in problems_of(text, tmp_path)[0]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("---\nmethod", "method", "missing YAML front matter"),
        ("method: GET", "method: FETCH", "method must be one of"),
        ("auth: bearer", "auth: cookie", "auth must be one of"),
        ("status: documented", "status: done", "status must be one of"),
        ("/api/v1/things/{thing_id}", "/api/v1/things/:thing_id", "not :param"),
        ("tags: [things]", "tags: [things", "invalid YAML front matter"),
        ("# Get a thing", "Get a thing", "missing '# Title' heading"),
    ],
)
def test_malformed_documents_fail(tmp_path, old, new, message):
    assert any(message in p for p in problems_of(GOOD.replace(old, new, 1), tmp_path))


def test_unclosed_fence_fails(tmp_path):
    text = GOOD[: GOOD.rstrip().rfind("```")]
    assert any("fenced block is not closed" in p for p in problems_of(text, tmp_path))


def test_duplicate_method_and_path_across_files_fails(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text(GOOD)
    (tmp_path / "a" / "two.md").write_text(GOOD)
    with pytest.raises(DocsError) as caught:
        parse_folder(tmp_path)
    [problem] = caught.value.problems
    assert problem.file.name == "two.md" and problem.line == 3
    assert "duplicate GET /api/v1/things/{thing_id}" in problem.message and "one.md" in problem.message


def test_underscore_files_and_readmes_are_skipped(tmp_path):
    (tmp_path / "_template.md").write_text("not a document")
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "x.md").write_text("not a document")
    (tmp_path / "README.md").write_text("# index")
    (tmp_path / "things").mkdir()
    (tmp_path / "things" / "get.md").write_text(GOOD)
    assert [d.relative_path for d in parse_folder(tmp_path)] == ["things/get.md"]


def test_every_problem_of_a_folder_is_reported_at_once(tmp_path):
    (tmp_path / "one.md").write_text(GOOD.replace("# Get a thing", "Get a thing"))
    (tmp_path / "two.md").write_text(GOOD.replace("/api/v1/things", "/api/v1/other").replace("```\n", "", 1))
    with pytest.raises(DocsError) as caught:
        parse_folder(tmp_path)
    assert {p.file.name for p in caught.value.problems} == {"one.md", "two.md"}
    assert "one.md:" in str(caught.value) and "two.md:" in str(caught.value)
