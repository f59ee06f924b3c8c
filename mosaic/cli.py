"""The `mosaic` command: serve, migrate, seed, version (later issues add their own sub-commands)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer

from mosaic import __version__
from mosaic.apidocs.cli import app as docs_app
from mosaic.core.config import Settings, get_settings
from mosaic.legacy.cli import app as legacy_app
from mosaic.mock.cli import app as mock_app

app = typer.Typer(help="Mosaic backend platform.", no_args_is_help=True, add_completion=False)
app.add_typer(docs_app, name="docs")
app.add_typer(mock_app, name="mock")
app.add_typer(legacy_app, name="legacy")


@app.command()
def version() -> None:
    """Print Mosaic's version."""
    typer.echo(__version__)


# glibc malloc, read when gunicorn starts and inherited by its workers. A fixed mmap threshold
# gives every 19 MiB argon2 buffer back to the system when the hash ends (the default threshold
# grows after the first such free, and the memory then stays in the thread's arena for good:
# about 19 MiB per hashing slot per worker); two arenas stop each thread from keeping its own.
# Either can be overridden from the environment.
MALLOC_TUNING = {"MALLOC_MMAP_THRESHOLD_": str(1024 * 1024), "MALLOC_ARENA_MAX": "2"}


def forwarded_allow_ips(settings: Settings) -> str:
    """The peers whose `X-Forwarded-For` the server believes: `TRUSTED_PROXIES`, and nobody when it
    is empty. Left to their defaults, uvicorn and gunicorn trust loopback, so any local client
    (or a proxy on the same host that passes the header on) could pick its own address and
    dodge the per-IP limits; the app resolves the client with the same list."""
    return ",".join(settings.TRUSTED_PROXIES)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT).")] = None,
    workers: Annotated[
        int, typer.Option(help="0: one uvicorn process (dev). N>0: gunicorn with N uvicorn workers.")
    ] = 0,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (dev only).")] = False,
) -> None:
    """Serve the API: uvicorn for development, gunicorn with uvicorn workers for production."""
    settings = get_settings()
    bind_host = host or settings.HOST
    bind_port = port or settings.PORT
    if workers > 0:
        argv = [
            sys.executable, "-m", "gunicorn", "mosaic.asgi:app",
            "--worker-class", "uvicorn_worker.UvicornWorker",
            "--workers", str(workers),
            "--bind", f"{bind_host}:{bind_port}",
            "--graceful-timeout", "30",
            "--timeout", "60",
            "--keep-alive", "5",
            "--forwarded-allow-ips", forwarded_allow_ips(settings),
        ]  # fmt: skip
        for name, value in MALLOC_TUNING.items():
            os.environ.setdefault(name, value)
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
    import uvicorn

    uvicorn.run(
        "mosaic.asgi:app",
        host=bind_host,
        port=bind_port,
        reload=reload,
        log_config=None,
        proxy_headers=bool(settings.TRUSTED_PROXIES),
        forwarded_allow_ips=forwarded_allow_ips(settings),
        timeout_graceful_shutdown=30,
    )


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    downgrade: Annotated[bool, typer.Option(help="Downgrade to REVISION instead.")] = False,
) -> None:
    """Apply (or revert) database migrations."""
    from mosaic.core.migrations import run_alembic

    settings = get_settings()
    asyncio.run(run_alembic(settings, "downgrade" if downgrade else "upgrade", revision))
    typer.echo(f"database at {'revision ' + revision if downgrade else 'head'}")


@app.command()
def seed() -> None:
    """Create default permissions, roles, plans and the superadmin (idempotent)."""
    from mosaic.core.database import Database
    from mosaic.core.logging import configure_logging
    from mosaic.main import load_domains, seed_domains

    settings = get_settings()
    configure_logging(settings)

    async def run() -> None:
        database = Database(settings)
        try:
            await seed_domains(database, settings, load_domains(settings))
        finally:
            await database.dispose()

    asyncio.run(run())
    typer.echo("seed complete")


@app.command("create-superadmin")
def create_superadmin() -> None:
    """Create the superadmin from SUPERADMIN_* settings (idempotent; an existing account is kept)."""
    from mosaic.accounts.seed import ensure_superadmin
    from mosaic.core.database import Database
    from mosaic.main import load_domains, seed_rbac

    settings = get_settings()

    async def run() -> bool:
        database = Database(settings)
        try:
            await seed_rbac(database, load_domains(settings))
            async with database.transaction() as session:
                return await ensure_superadmin(session, settings)
        finally:
            await database.dispose()

    created = asyncio.run(run())
    typer.echo("superadmin created" if created else "superadmin already exists")


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored wallet credential with the newest WALLET_ENCRYPTION_KEYS key.

    Idempotent. Keep the old keys configured (after the new one) until this reports 0 unreadable.
    """
    from mosaic.core.database import Database
    from mosaic.core.logging import configure_logging
    from mosaic.trading.user_wallets.service import RotationReport, rotate_credentials

    settings = get_settings()
    configure_logging(settings)

    async def run() -> RotationReport:
        database = Database(settings)
        try:
            async with database.transaction() as session:
                return await rotate_credentials(session, settings)
        finally:
            await database.dispose()

    report = asyncio.run(run())
    typer.echo(f"rotated {report.rotated} wallet credential(s) to the newest key")
    if report.unreadable:
        ids = ", ".join(str(row_id) for row_id in report.unreadable)
        typer.echo(f"{len(report.unreadable)} row(s) no configured key can decrypt: {ids}", err=True)
        raise typer.Exit(code=1)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes (prefork) or threads.")] = 2,
    pool: Annotated[str, typer.Option(help="prefork | solo | threads")] = "prefork",
    queue: Annotated[str | None, typer.Option(help="Queue to consume (default: CELERY_QUEUE).")] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """Run a Celery worker for the jobs (needs CELERY_BROKER_URL). SIGTERM lets running jobs finish."""
    settings = get_settings()
    if not settings.CELERY_BROKER_URL:
        typer.echo("CELERY_BROKER_URL is not set: jobs run inside the API process", err=True)
        raise typer.Exit(code=1)
    from mosaic.core.logging import configure_logging
    from mosaic.worker import celery_app

    configure_logging(settings)
    celery_app.worker_main(
        [
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--queues={queue or settings.CELERY_QUEUE}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@app.command()
def beat(
    schedule_file: Annotated[str, typer.Option(help="Where beat keeps its last-run times.")] = (
        "var/celerybeat-schedule"
    ),
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """Run Celery beat: sends the domains' scheduled jobs (run exactly one beat per deployment)."""
    settings = get_settings()
    if not settings.CELERY_BROKER_URL:
        typer.echo("CELERY_BROKER_URL is not set: schedules run inside the API process", err=True)
        raise typer.Exit(code=1)
    from pathlib import Path

    from mosaic.core.logging import configure_logging
    from mosaic.worker import celery_app

    configure_logging(settings)
    Path(schedule_file).parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule_file}"])


if __name__ == "__main__":
    app()
