"""The `mosaic` command: serve, migrate, seed, version (later issues add their own sub-commands)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

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


def startup_banner(settings: Settings, host: str, port: int) -> str:
    """What a new developer needs once the server is up: where it is, how to log in, where to look."""
    shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only compared
    base = f"http://{shown_host}:{port}"
    password = settings.SUPERADMIN_PASSWORD.get_secret_value()
    lines = [
        f"Mosaic is running on {base}",
        f"  API docs     {base}/docs (Swagger UI), {base}/redoc, schema {base}/openapi.json",
        f"  superadmin   {settings.SUPERADMIN_EMAIL} / "
        + (password if not settings.is_production else "(SUPERADMIN_PASSWORD)"),
        f"  logs         {Path(settings.LOG_FILE_PATH).resolve() if settings.LOG_FILE_PATH else 'stdout'}",
    ]
    if settings.EMAIL_PROVIDER == "console":
        outbox = settings.EMAIL_OUTBOX_DIR.resolve()
        lines.append(f"  email outbox {outbox} (open {outbox / 'index.html'})")
    lines.append("  another port: PORT=8010 make run; stop with Ctrl+C; start over: make reset")
    return "\n".join(lines)


def scale_out_problem(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes would be wrong with these settings (one line), or None.

    Without Redis the cache, the rate-limit windows and the principal generations live in each
    process: N workers would allow N times the rate limit and keep serving a revoked token in the
    others. Jobs and schedules are fine in-process (the schedule lease is a database row), and
    so is SQLite (one file, shared).
    """
    if workers > 1 and not settings.REDIS_URL:
        return (
            f"--workers {workers} needs REDIS_URL: without it the cache and rate limits are per "
            "process (limits would multiply and a logout would not reach the other workers); "
            "set REDIS_URL or serve with one worker"
        )
    return None


def multiprocess_environment(settings: Settings, workers: int) -> dict[str, str]:
    """What gunicorn's workers inherit: a fresh shared Prometheus directory and, when several
    processes append to one log file, rotation left to the OS (see `LOG_FILE_ROTATION`)."""
    metrics_dir = Path(settings.PROMETHEUS_MULTIPROC_DIR or "var/prometheus-multiproc").resolve()
    if metrics_dir.exists():
        shutil.rmtree(metrics_dir)  # samples of a previous run would be summed in
    metrics_dir.mkdir(parents=True)
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    if workers > 1:
        environment["LOG_FILE_ROTATION"] = "external"
    return environment


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
    problem = scale_out_problem(settings, workers)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(code=2)
    if workers > 0:
        argv = [
            sys.executable, "-m", "gunicorn", "mosaic.asgi:app",
            "--config", "python:mosaic.gunicorn_conf",
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
        os.environ.update(multiprocess_environment(settings, workers))
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
    import uvicorn

    banner = startup_banner(settings, bind_host, bind_port)

    class Server(uvicorn.Server):
        """Prints the banner once the app has started, so it is the last thing on the screen."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                typer.echo(banner)

    options: dict[str, Any] = {
        "host": bind_host,
        "port": bind_port,
        "reload": reload,
        "log_config": None,
        "proxy_headers": bool(settings.TRUSTED_PROXIES),
        "forwarded_allow_ips": forwarded_allow_ips(settings),
        "timeout_graceful_shutdown": 30,
    }
    if reload:  # the reloader runs the server in a subprocess: the banner goes first instead
        typer.echo(banner)
        uvicorn.run("mosaic.asgi:app", **options)
        return
    Server(uvicorn.Config("mosaic.asgi:app", **options)).run()


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
def seed(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Also create the demo studio marketplace (booking; never in production)."
        ),
    ] = False,
) -> None:
    """Create default permissions, roles, plans and the superadmin (idempotent)."""
    from mosaic.core.database import Database
    from mosaic.core.logging import configure_logging
    from mosaic.main import load_domains, seed_domains

    settings = get_settings()
    configure_logging(settings)
    domains = load_domains(settings)
    if demo and (settings.is_production or "booking" not in {d.name for d in domains}):
        typer.echo("--demo needs the booking domain and a non-production ENVIRONMENT", err=True)
        raise typer.Exit(2)

    async def run() -> str:
        database = Database(settings)
        try:
            await seed_domains(database, settings, domains)
            if not demo:
                return ""
            from mosaic.booking.demo import DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, seed_demo
            from mosaic.providers.storage import build_storage

            async with database.transaction() as session:
                made = await seed_demo(session, build_storage(settings))
            if made is None:
                return "demo marketplace already present"
            return (
                f"demo marketplace: {made.companies} companies, {made.studios} studios, {made.rooms} rooms, "
                f"{made.photos} photos; studio owner {DEMO_OWNER_EMAIL} / {DEMO_OWNER_PASSWORD}"
            )
        finally:
            await database.dispose()

    note = asyncio.run(run())
    if note:
        typer.echo(note)
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
    """Re-encrypt every secret-box column of every domain with the newest SECRET_BOX_KEYS key.

    The columns are those the domains declare in `Domain(encrypted_columns=...)`, enabled or not
    (a disabled domain's rows are still encrypted). Idempotent. Keep the old keys configured
    (after the new one) until this reports 0 unreadable. WALLET_ENCRYPTION_KEYS is an alias.
    """
    from mosaic.core.database import Database
    from mosaic.core.domain import import_all_domains
    from mosaic.core.logging import configure_logging
    from mosaic.core.secretbox import RotationReport, rotate_columns

    settings = get_settings()
    configure_logging(settings)
    columns = [column for domain in import_all_domains() for column in domain.encrypted_columns]

    async def run() -> RotationReport:
        database = Database(settings)
        try:
            async with database.transaction() as session:
                return await rotate_columns(session, settings, columns)
        finally:
            await database.dispose()

    report = asyncio.run(run())
    for name, count in report.by_column.items():
        typer.echo(f"{name}: rotated {count} secret(s) to the newest key")
    typer.echo(f"rotated {report.rotated} secret(s) in {len(columns)} column(s) to the newest key")
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
    hostname: Annotated[
        str | None,
        typer.Option(help="Node name (default celery@HOST); unique per worker on one broker and host."),
    ] = None,
) -> None:
    """Run a Celery worker for the jobs (needs CELERY_BROKER_URL). SIGTERM lets running jobs finish."""
    if pool == "prefork" and concurrency > 1:  # forked children share the log file: see serve
        os.environ["LOG_FILE_ROTATION"] = "external"
        get_settings.cache_clear()
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
            *([f"--hostname={hostname}"] if hostname else []),
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
