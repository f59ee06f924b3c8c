"""`mosaic legacy scan|diff`: inventory a legacy backend's routes and compare them with the app."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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
    from mosaic.legacy.diff import app_auth_requirements, compare, report
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
    fastapi_app = create_app(settings)
    parity = compare(
        inventory, app_routes(fastapi_app), prefixes, app_auth_requirements(fastapi_app.openapi())
    )
    report_path.write_text(report(inventory, parity, prefixes), encoding="utf-8")
    typer.echo(
        f"served {len(parity.served)}, missing {len(parity.missing)}, new {len(parity.new)} -> {report_path}"
    )
    if write_stubs is not None:
        written = stubs_for(parity, inventory.framework, write_stubs)
        typer.echo(f"{len(written)} doc stubs in {write_stubs} (serve them with `mosaic mock serve --docs`)")


@app.command("import-mongo")
def import_mongo(
    dump: Annotated[
        Path,
        typer.Argument(
            exists=True, file_okay=False, metavar="DUMP_DIR", help="mongoexport/mongodump folder."
        ),
    ],
    mapping: Annotated[
        list[Path] | None,
        typer.Option("--mapping", help="YAML mapping file (repeatable); replaces built-in entries."),
    ] = None,
    builtin: Annotated[
        bool, typer.Option("--builtin/--no-builtin", help="Use the built-in seed 003 mappings.")
    ] = True,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing; list the invalid documents.")
    ] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per INSERT.")] = 500,
) -> None:
    """Import a MongoDB export into Mosaic's tables, once (re-running imports nothing twice).

    One transaction: any invalid document (each is listed, with the reason) or database error
    leaves the database unchanged; fix the export or the mapping and run again.
    """
    import asyncio

    from mosaic.core.config import get_settings
    from mosaic.core.database import Database
    from mosaic.legacy.mongo.importer import MAX_LISTED_FAILURES, import_dump
    from mosaic.legacy.mongo.mapping import MappingError, MappingSet, builtin_mappings, load_mappings
    from mosaic.main import import_all_models

    import_all_models()
    try:
        mappings = builtin_mappings() if builtin else MappingSet()
        for path in mapping or []:
            mappings.update(load_mappings(path))
    except MappingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    settings = get_settings()

    async def run() -> Any:
        database = Database(settings)
        try:
            return await import_dump(
                database, settings, mappings, dump, batch_size=batch_size, dry_run=dry_run
            )
        finally:
            await database.dispose()

    try:
        report = asyncio.run(run())
    except MappingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    from mosaic.legacy.mongo.source import collection_files

    files = collection_files(dump)
    for count in report.counts:
        typer.echo(
            f"{count.collection} -> {count.table}: {count.read} read, {count.imported} "
            f"{'to import' if dry_run else 'imported'}, {count.already} already imported, "
            f"{count.linked} linked to existing rows, {count.invalid} invalid"
        )
    for name in report.unmapped:
        typer.echo(f"warning: {files[name].name}: no mapping for collection {name!r}; not imported", err=True)
    for failure in report.failures[:MAX_LISTED_FAILURES]:
        typer.echo(f"invalid: {failure.line(files)}", err=True)
    if len(report.failures) > MAX_LISTED_FAILURES:
        typer.echo(f"... and {len(report.failures) - MAX_LISTED_FAILURES} more invalid documents", err=True)
    if report.database_error:
        typer.echo(
            f"error: the database refused the import, nothing written: {report.database_error}", err=True
        )
    if not report.ok:
        if not dry_run and not report.database_error:
            typer.echo(f"error: {len(report.failures)} invalid documents; nothing written", err=True)
        raise typer.Exit(code=1)
    typer.echo("dry run: nothing written" if dry_run else "committed")
