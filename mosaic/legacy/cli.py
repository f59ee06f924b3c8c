"""`mosaic legacy scan|diff`: inventory a legacy backend's routes and compare them with the app."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Import the routes of an Express, NestJS or Laravel backend.", no_args_is_help=True)


class Framework(StrEnum):
    express = "express"
    nestjs = "nestjs"
    laravel = "laravel"


PROGRESS_EVERY = 100  # files


@app.command()
def scan(
    framework: Annotated[Framework, typer.Argument(help="The legacy framework.")],
    path: Annotated[Path, typer.Argument(exists=True, help="Project folder (or one file).")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON inventory here.")
    ] = None,
) -> None:
    """Read route definitions statically into a JSON inventory.

    Exits 1 when the inventory is incomplete (a file or statement could not be read, or no route
    was found); the inventory is still written, and each reason is one `error:` line.
    """
    from mosaic.legacy import scan as run_scan

    def progress(files: int, routes: int) -> None:
        if files % PROGRESS_EVERY == 0:
            typer.echo(f"... {files} files read, {routes} routes found", err=True)

    inventory = run_scan(framework.value, path, progress)
    if output is None:
        typer.echo(inventory.to_json(), nl=False)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(inventory.to_json(), encoding="utf-8")
        except OSError as exc:
            typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
            raise typer.Exit(code=1) from exc
        typer.echo(f"{len(inventory.routes)} routes, {len(inventory.warnings)} warnings -> {output}")
    for warning in inventory.warnings:
        kind = "error" if warning.skipped else "warning"
        typer.echo(f"{kind}: {warning.file}:{warning.line}: {warning.message}", err=True)
    if inventory.incomplete or not inventory.routes:
        if not inventory.routes and not inventory.incomplete:
            typer.echo(f"error: no {framework.value} routes found under {path}", err=True)
        raise typer.Exit(code=1)


def _prefix_pairs(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.startswith("/") or not new.startswith("/"):
            raise typer.BadParameter(f"{value!r}: expected OLD=NEW, e.g. /api=/api/v1")
        pairs.append((old, new))
    return pairs


@app.command()
def diff(
    inventory_path: Annotated[
        Path, typer.Argument(exists=True, metavar="INVENTORY", help="From `legacy scan -o`.")
    ],
    prefix: Annotated[
        list[str] | None, typer.Option("--prefix", help="Prefix map OLD=NEW, e.g. /api=/api/v1 (repeatable).")
    ] = None,
    report_path: Annotated[Path, typer.Option("--report", help="Markdown parity report.")] = Path(
        "legacy-parity.md"
    ),
    write_stubs: Annotated[
        Path | None,
        typer.Option("--write-stubs", help="Write doc stubs for missing routes into this folder."),
    ] = None,
) -> None:
    """Which legacy routes the FastAPI app serves, which it does not, which routes are new."""
    from mosaic.apidocs.contract import app_routes
    from mosaic.core.config import get_settings
    from mosaic.legacy.diff import compare, report
    from mosaic.legacy.diff import write_stubs as stubs_for
    from mosaic.legacy.model import Inventory, NotAnInventory
    from mosaic.main import create_app

    prefixes = _prefix_pairs(prefix or [])
    try:
        inventory = Inventory.load(inventory_path)
    except (NotAnInventory, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        typer.echo(f"error: {inventory_path}: {reason} (write one with `mosaic legacy scan -o`)", err=True)
        raise typer.Exit(code=1) from exc
    settings = get_settings().model_copy(update={"MOSAIC_DOMAINS": ["all"], "LOG_FILE_PATH": ""})
    parity = compare(inventory, app_routes(create_app(settings)), prefixes)
    report_path.write_text(report(inventory, parity, prefixes), encoding="utf-8")
    typer.echo(
        f"served {len(parity.served)}, missing {len(parity.missing)}, new {len(parity.new)} -> {report_path}"
    )
    if write_stubs is not None:
        written = stubs_for(parity, inventory.framework, write_stubs)
        typer.echo(f"{len(written)} doc stubs in {write_stubs} (serve them with `mosaic mock serve --docs`)")
