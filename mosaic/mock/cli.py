"""`mosaic mock serve|export`: the documented API as a running mock, or as JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Mock server serving the documented examples.", no_args_is_help=True)

DocsOption = Annotated[
    list[Path] | None, typer.Option("--docs", help="Docs folder(s) in the template (repeatable).")
]


@app.command()
def serve(
    docs: DocsOption = None,
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8001,
    reload: Annotated[bool, typer.Option(help="Re-read the docs when a file changes.")] = True,
    lenient: Annotated[
        bool, typer.Option(help="Answer every request with its example: no auth, body or query checks.")
    ] = False,
    serve_legacy_paths: Annotated[
        bool, typer.Option("--serve-legacy-paths", help="Also answer each document's legacy_path.")
    ] = False,
) -> None:
    """Serve every documented method + path with its documented example."""
    import uvicorn

    from mosaic.apidocs.parser import DocsError
    from mosaic.mock.app import create_mock_app

    folders = docs or [Path("docs/api")]
    try:
        mock = create_mock_app(folders, reload=reload, lenient=lenient, serve_legacy_paths=serve_legacy_paths)
    except DocsError as exc:
        typer.echo(f"docs do not parse:\n{exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"mock of {len(mock.state.documents)} endpoints on http://{host}:{port} (Swagger UI at /docs)")
    uvicorn.run(mock, host=host, port=port, log_level="info")


@app.command()
def export(
    docs: DocsOption = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("mock"),
) -> None:
    """Write `<out>/<domain>/<operation>.json` with method, path and every example."""
    from mosaic.apidocs.build import write_files
    from mosaic.apidocs.parser import DocsError, parse_folder
    from mosaic.mock.export import export_files

    try:
        documents = parse_folder(*(docs or [Path("docs/api")]))
    except DocsError as exc:
        typer.echo(f"docs do not parse:\n{exc}", err=True)
        raise typer.Exit(code=1) from exc
    for change in write_files(out, export_files(documents), ".json"):
        typer.echo(change)
    typer.echo(f"{len(documents)} mock files in {out}")
