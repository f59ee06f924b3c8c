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


@app.command()
def scan(
    framework: Annotated[Framework, typer.Argument(help="The legacy framework.")],
    path: Annotated[Path, typer.Argument(exists=True, help="Project folder (or one file).")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON inventory here.")
    ] = None,
) -> None:
    """Read route definitions statically into a JSON inventory."""
    from mosaic.legacy import scan as run_scan

    inventory = run_scan(framework.value, path)
    if output is None:
        typer.echo(inventory.to_json(), nl=False)
    else:
        output.write_text(inventory.to_json(), encoding="utf-8")
        typer.echo(f"{len(inventory.routes)} routes, {len(inventory.warnings)} warnings -> {output}")
    for warning in inventory.warnings:
        typer.echo(f"warning: {warning.file}:{warning.line}: {warning.message}", err=True)


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
    from mosaic.legacy.model import Inventory
    from mosaic.main import create_app

    prefixes = _prefix_pairs(prefix or [])
    inventory = Inventory.load(inventory_path)
    settings = get_settings().model_copy(update={"MOSAIC_DOMAINS": ["all"], "LOG_FILE_PATH": ""})
    parity = compare(inventory, app_routes(create_app(settings)), prefixes)
    report_path.write_text(report(inventory, parity, prefixes), encoding="utf-8")
    typer.echo(
        f"served {len(parity.served)}, missing {len(parity.missing)}, new {len(parity.new)} -> {report_path}"
    )
    if write_stubs is not None:
        written = stubs_for(parity, inventory.framework, write_stubs)
        typer.echo(f"{len(written)} doc stubs in {write_stubs} (serve them with `mosaic mock serve --docs`)")
