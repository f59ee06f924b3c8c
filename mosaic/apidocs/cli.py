"""`mosaic docs build|check`: regenerate `docs/api` (and `mock/`) from the app, or fail when stale."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Per-endpoint API docs generated from the app's OpenAPI schema.", no_args_is_help=True)

OutOption = Annotated[Path, typer.Option("--out", help="Docs folder.")]
DescriptionsOption = Annotated[Path, typer.Option(help="Human descriptions, one file per operation.")]
MockOption = Annotated[Path, typer.Option("--mock-out", help="Mock JSON folder (`mosaic mock export`).")]


def _expected(out: Path, descriptions: Path, mock_out: Path) -> tuple[dict[str, str], dict[str, str]]:
    from mosaic.apidocs.build import build_files
    from mosaic.apidocs.parser import DocsError
    from mosaic.core.config import get_settings
    from mosaic.main import create_app
    from mosaic.mock.export import export_files

    # Every domain, whatever MOSAIC_DOMAINS says here: the docs describe the whole product.
    settings = get_settings().model_copy(update={"MOSAIC_DOMAINS": ["all"], "LOG_FILE_PATH": ""})
    try:
        result = build_files(create_app(settings), out, descriptions if descriptions.is_dir() else None)
    except DocsError as exc:
        typer.echo(f"docs do not parse:\n{exc}", err=True)
        raise typer.Exit(code=1) from exc
    return result.files, export_files(result.documents)


@app.command()
def build(
    out: OutOption = Path("docs/api"),
    descriptions: DescriptionsOption = Path("docs/descriptions"),
    mock_out: MockOption = Path("mock"),
) -> None:
    """Write one Markdown file per method + path, the index, and the mock JSON files."""
    from mosaic.apidocs.build import write_files

    docs, mocks = _expected(out, descriptions, mock_out)
    changes = write_files(out, docs, ".md") + write_files(mock_out, mocks, ".json")
    for change in changes:
        typer.echo(change)
    typer.echo(f"{len(docs) - 2} endpoint docs in {out}, {len(mocks)} mock files in {mock_out}")


@app.command()
def check(
    out: OutOption = Path("docs/api"),
    descriptions: DescriptionsOption = Path("docs/descriptions"),
    mock_out: MockOption = Path("mock"),
) -> None:
    """Fail when `docs/api` or `mock/` differ from what `mosaic docs build` would write."""
    from mosaic.apidocs.build import drift

    docs, mocks = _expected(out, descriptions, mock_out)
    differences = drift(out, docs, ".md") + drift(mock_out, mocks, ".json")
    if differences:
        for difference in differences:
            typer.echo(difference, err=True)
        typer.echo("API docs are stale: run `mosaic docs build` and commit the result.", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"API docs are current ({len(docs) - 2} endpoints)")
