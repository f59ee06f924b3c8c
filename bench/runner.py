"""`python -m bench`: seed a fresh database, serve Mosaic and the bare app, drive every scenario, report."""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import loadgen, wrk
from bench.environment import Backend, Stores, prepare_database, server_env, stores
from bench.procs import RssSampler, Server, bare_command, free_port, mosaic_command, serve, wait_idle
from bench.report import (
    BACKPRESSURE,
    LoadResult,
    Row,
    backpressure_table,
    backpressure_verdict,
    compute_ratios,
    goal_lines,
    markdown_table,
)
from bench.scenarios import (
    BACKPRESSURE_CONNECTIONS,
    BACKPRESSURE_WORKERS,
    BOOKING_SCENARIOS,
    EXPECTED_CONFLICTS,
    GOAL_RATIO,
    GOAL_SCENARIO,
    MARKETPLACE_SCENARIOS,
    Scenario,
    select,
)
from bench.seed import Seeded, seed_booking_room, seed_marketplace, seed_through_api, seed_users
from mosaic.core.config import Settings

DEFAULT_POOL_TIMEOUT_S = float(Settings.model_fields["DB_POOL_TIMEOUT_SECONDS"].default)

RESULTS_DIR = Path(__file__).with_name("results")
REQUEST_TIMEOUT_S = 10.0  # a request slower than this counts as a timeout (a stall)
WARMUP_S = 1.0
BUSY_LOAD = 0.5  # a 1-minute load average above this before the run means something else is busy

LoadRunner = Callable[[wrk.WrkRun], LoadResult]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 s per run (under 2 minutes in all)")
    parser.add_argument("--duration", type=float, help="seconds per run (default 10, or 2 with --quick)")
    parser.add_argument("--scenarios", help="comma-separated subset of the scenarios (default: all)")
    parser.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    parser.add_argument("--connections", default="16,64", help="connection counts (default 16,64)")
    parser.add_argument(
        "--backend",
        choices=["auto", "sqlite", "postgres"],
        default="auto",
        help="auto: PostgreSQL and Redis when reachable on loopback, else SQLite",
    )
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk (Debian's package is installed if missing), else the bundled one",
    )
    parser.add_argument("--output", type=Path, help="report path (default bench/results/<date>-<host>.md)")
    return parser.parse_args(argv)


def int_list(value: str) -> list[int]:
    numbers = [int(part) for part in value.split(",") if part.strip()]
    if not numbers or min(numbers) < 1:
        raise ValueError(f"expected positive integers separated by commas, got {value!r}")
    return numbers


def choose_loadgen(choice: str, workdir: Path) -> tuple[LoadRunner, str]:
    if choice != "python":
        binary, how = wrk.find_or_install(allow_install=True)
        if binary:
            return (
                lambda spec: wrk.run(binary, spec, workdir)
            ), f"{wrk.version(binary)} ({how}), -t2 --latency"
        if choice == "wrk":
            raise RuntimeError(f"wrk: {how}")
        reason = f"wrk {how}; "
    else:
        reason = ""
    return loadgen.run, (
        f"bundled Python load generator ({reason}its requests/s are a floor, not comparable with wrk's)"
    )


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path, run_load: LoadRunner) -> None:
        self.scenarios = select(args.scenarios)
        self.workers = int_list(args.workers)
        self.connections = int_list(args.connections)
        self.duration = args.duration or (2.0 if args.quick else 10.0)
        self.workdir = workdir
        self.run_load = run_load
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.load_before = os.getloadavg()[0]
        self.pool_timeout_s = DEFAULT_POOL_TIMEOUT_S

    def progress(self, message: str) -> None:
        sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
        sys.stderr.flush()

    def spec(
        self, server: Server, scenario: Scenario, connections: int, token: str, **kw: object
    ) -> wrk.WrkRun:
        headers = dict(scenario.headers)
        if scenario.auth:
            headers["Authorization"] = f"Bearer {token}"
        return wrk.WrkRun(
            url=server.base_url + scenario.path,
            connections=connections,
            duration_s=float(kw.get("duration", self.duration)),  # type: ignore[arg-type]
            timeout_s=REQUEST_TIMEOUT_S,
            method=scenario.method,
            body=scenario.body,
            headers=headers,
            count_statuses=bool(kw.get("count_statuses", False)),
        )

    def measure(
        self, server: Server, scenario: Scenario, workers: int, connections: int, spec: wrk.WrkRun
    ) -> Row:
        self.progress(f"{scenario.label}: {workers} worker(s), {connections} connections")
        row = Row(scenario.name, scenario.label, workers, connections)
        with RssSampler(server.pid) as sampler:
            row.result = self.run_load(spec)
        row.peak_rss_bytes = sampler.peak
        if not wait_idle(server.pid):
            self.notes.append(f"{scenario.label} ({workers}w, {connections}c): server still busy 20 s after")
        return row

    def probe(self, server: Server, scenario: Scenario, token: str) -> str | None:
        """Why the scenario cannot run (its route answers 404 or an error), or None."""
        spec = self.spec(server, scenario, 1, token)
        response = httpx.request(
            scenario.method, spec.url, headers=spec.headers, content=scenario.body, timeout=REQUEST_TIMEOUT_S
        )
        if response.status_code == 404:
            return "endpoint not available"
        if response.status_code >= 300 and not (
            scenario.name in EXPECTED_CONFLICTS and response.status_code == 409
        ):
            return f"probe answered {response.status_code} {response.text[:120]}"
        return None

    def warm_up(self, server: Server, scenario: Scenario, token: str) -> None:
        self.run_load(self.spec(server, scenario, 16, token, duration=WARMUP_S))

    def run_bare(self, workers: int, scenario: Scenario) -> None:
        port = free_port()
        with serve(
            f"bare-{workers}w",
            bare_command(workers, port),
            port,
            dict(os.environ),
            self.workdir,
            scenario.path,
        ) as server:
            self.warm_up(server, scenario, "")
            for connections in self.connections:
                self.rows.append(
                    self.measure(
                        server, scenario, workers, connections, self.spec(server, scenario, connections, "")
                    )
                )

    def run_mosaic(self, workers: int, env: dict[str, str], seeded: Seeded) -> None:
        port = free_port()
        with serve(
            f"mosaic-{workers}w", mosaic_command(workers, port), port, env, self.workdir, "/health/ready"
        ) as server:
            if not seeded.token:
                self.progress("seeding through the API (plan, trades, flows)")
                seed_through_api(server.base_url, seeded)
                self.notes.extend(seeded.notes)
            warmed = False
            for scenario in self.scenarios:
                if scenario.bare:
                    continue
                token = seeded.writer_token if scenario.method == "POST" and scenario.auth else seeded.token
                if scenario.name == BACKPRESSURE:
                    if workers == BACKPRESSURE_WORKERS:
                        self.rows.append(self.backpressure(server, scenario, token))
                    continue
                reason = self.probe(server, scenario, token)
                if reason:
                    self.rows.extend(
                        Row(scenario.name, scenario.label, workers, c, note=reason) for c in self.connections
                    )
                    continue
                if not warmed:  # once per server: opens the pool's connections, fills the caches
                    self.warm_up(server, scenario, token)
                    warmed = True
                for connections in self.connections:
                    spec = self.spec(server, scenario, connections, token)
                    self.rows.append(self.measure(server, scenario, workers, connections, spec))

    @property
    def stall_after_s(self) -> float:
        """A request still unanswered 2 s after the pool timeout has stalled (wrk takes whole seconds)."""
        return float(math.ceil(self.pool_timeout_s + 2))

    def backpressure(self, server: Server, scenario: Scenario, token: str) -> Row:
        spec = self.spec(server, scenario, BACKPRESSURE_CONNECTIONS, token, count_statuses=True)
        spec.timeout_s = self.stall_after_s
        spec.duration_s = max(self.duration, spec.timeout_s + 1)
        return self.measure(server, scenario, BACKPRESSURE_WORKERS, BACKPRESSURE_CONNECTIONS, spec)

    def run(self, found: Stores) -> None:
        env = server_env(found, self.workdir)
        self.pool_timeout_s = float(env.get("DB_POOL_TIMEOUT_SECONDS") or DEFAULT_POOL_TIMEOUT_S)
        self.progress(f"preparing the database: {found.description}")
        prepare_database(env)
        seeded = seed_users(found.database_url)
        if any(s.name in MARKETPLACE_SCENARIOS for s in self.scenarios):
            self.progress("seeding the studio marketplace (10,000 studios)")
            self.notes.append(seed_marketplace(found.database_url))
        if any(s.name in BOOKING_SCENARIOS for s in self.scenarios):
            self.progress("seeding the booking room (a month of bookings)")
            self.notes.append(seed_booking_room(found.database_url))
        for workers in self.workers:
            for scenario in self.scenarios:
                if scenario.bare:
                    self.run_bare(workers, scenario)
            if any(not s.bare for s in self.scenarios):
                self.run_mosaic(workers, env, seeded)
        if any(s.name == BACKPRESSURE for s in self.scenarios) and BACKPRESSURE_WORKERS not in self.workers:
            self.notes.append(f"back-pressure skipped: it runs on {BACKPRESSURE_WORKERS} worker(s)")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "mosaic"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + (" with uncommitted changes under mosaic/" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def render(bench: Bench, found: Stores, loadgen_description: str, started: datetime, elapsed_s: float) -> str:
    rows = compute_ratios(bench.rows)
    main_rows = [row for row in rows if row.scenario != BACKPRESSURE]
    pressure_rows = [row for row in rows if row.scenario == BACKPRESSURE]
    env = server_env(found, bench.workdir)
    pool = ", ".join(
        f"{key}={env.get(key, 'default')}"
        for key in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_POOL_TIMEOUT_SECONDS")
    )
    parts = [
        f"# Mosaic benchmark, {started:%Y-%m-%d %H:%M} UTC on {socket.gethostname()}\n\n",
        f"- Mosaic: {_git_revision()}; Python {platform.python_version()}\n",
        f"- Machine: {os.cpu_count()} CPUs ({_cpu_model()}); the load generator shares them, loopback only\n",
        f"- Server: `mosaic serve --workers N` = gunicorn {_version('gunicorn')} with "
        f"uvicorn_worker.UvicornWorker (uvicorn {_version('uvicorn')}, uvloop {_version('uvloop')}, "
        f"httptools {_version('httptools')}); the bare app is served by the same command\n",
        f"- Stores: {found.description}; pool: {pool}"
        + (" (SQLite: SQLAlchemy's default pool)" if found.pg_database is None else "")
        + "\n",
        f"- Load: {loadgen_description}; {bench.duration:g} s per run, "
        f"request timeout {REQUEST_TIMEOUT_S:g} s\n",
        f"- Whole run: {elapsed_s:.0f} s; 1-minute load average before/after: "
        f"{bench.load_before:.2f}/{os.getloadavg()[0]:.2f}"
        + (" (other work was running: figures are noisy)" if bench.load_before > BUSY_LOAD else "")
        + "\n",
        "- Rate limits raised for the run (one client IP drives all the load); the limiter still runs\n\n",
        "## Results\n\n",
        markdown_table(main_rows),
        "\n`vs bare`: requests/s as a share of the bare FastAPI endpoint's at the same workers and "
        "connections, in this run. Peak RSS: the server's whole process tree (master and workers).\n",
    ]
    goals = goal_lines(main_rows, GOAL_SCENARIO, GOAL_RATIO)
    if goals:
        parts += ["\n## Goal: GET /users/me at 50% or more of the bare endpoint\n\n", "\n".join(goals), "\n"]
    if pressure_rows:
        parts += [
            f"\n## Back-pressure: {BACKPRESSURE_CONNECTIONS} connections on {BACKPRESSURE_WORKERS} worker, "
            "GET /users/me\n\n",
            backpressure_table(pressure_rows),
            "\n",
            *(backpressure_verdict(row, bench.stall_after_s) + "\n" for row in pressure_rows),
        ]
    if bench.notes:
        parts += ["\n## Notes\n\n", "".join(f"- {note}\n" for note in bench.notes)]
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-") as tmp:
        workdir = Path(tmp)
        try:
            bench = Bench(args, workdir, lambda spec: LoadResult())
        except ValueError as exc:
            sys.stderr.write(f"python -m bench: {exc}\n")
            return 2
        bench.run_load, described = choose_loadgen(args.loadgen, workdir)
        backend: Backend = args.backend
        with stores(backend, workdir) as found:
            bench.run(found)
            report = render(bench, found, described, started, time.monotonic() - t0)
    output = args.output or RESULTS_DIR / f"{started:%Y-%m-%d}-{socket.gethostname()}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    sys.stdout.write(report)
    sys.stdout.write(f"\nwritten to {output}\n")
    return 0
