"""Server processes: start the way production does, wait until ready, sample memory, always stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
# The gunicorn flags of `mosaic serve --workers N` (mosaic/cli.py), for the bare app.
GUNICORN_FLAGS = ["--graceful-timeout", "30", "--timeout", "60", "--keep-alive", "5"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def mosaic_command(workers: int, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "mosaic.cli",
        "serve",
        "--workers",
        str(workers),
        "--host",
        HOST,
        "--port",
        str(port),
    ]


def bare_command(workers: int, port: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "bench.bare_app:app",
        "--worker-class", "uvicorn_worker.UvicornWorker",
        "--workers", str(workers),
        "--bind", f"{HOST}:{port}",
        *GUNICORN_FLAGS,
    ]  # fmt: skip


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        return [pid for pid in process_tree(self.pid) if pid != self.pid]


@contextmanager
def serve(
    name: str, command: list[str], port: int, env: dict[str, str], workdir: Path, ready_path: str
) -> Iterator[Server]:
    """Start `command`, wait for `ready_path` to answer 200, and stop the process tree on exit."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=Path.cwd()
        )
    server = Server(name, process, f"http://{HOST}:{port}", log_path)
    try:
        wait_ready(server, ready_path, READY_TIMEOUT_S)
        yield server
    finally:
        stop(server.process)


def wait_ready(server: Server, path: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}"
                )
            try:
                response = client.get(path)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready after {timeout_s:.0f} s ({last}):\n{server.log_tail()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server (gunicorn stops its workers gracefully), then SIGKILL its group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT_S)
    with suppress(ProcessLookupError, PermissionError):  # the session we started: stray workers go too
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(5)


def _ppid(stat: str) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        children.setdefault(_ppid(stat), []).append(int(entry))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def vm_rss_bytes(status_text: str) -> int:
    """VmRSS of a /proc/<pid>/status text, in bytes (0 when absent, e.g. a zombie)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            return int(value) * {"kB": 1024, "mB": 1024 * 1024}.get(unit, 1024)
    return 0


def tree_rss_bytes(root: int) -> int:
    total = 0
    for pid in process_tree(root):
        try:
            total += vm_rss_bytes(Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
    return total


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU time of a process tree so far (/proc/<pid>/stat fields 14 and 15)."""
    ticks = 0
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_idle(root: int, timeout_s: float = 20.0, busy_share: float = 0.15, interval_s: float = 0.3) -> bool:
    """Wait until the tree uses under `busy_share` of a core: requests queued by the last run drain.

    A server keeps working on requests whose client has gone (a login backlog takes seconds), which
    would otherwise be charged to the next scenario. False when still busy after `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    before = tree_cpu_seconds(root)
    while time.monotonic() < deadline:
        time.sleep(interval_s)
        after = tree_cpu_seconds(root)
        if after - before < busy_share * interval_s:
            return True
        before = after
    return False


class RssSampler:
    """Samples the RSS of a process tree every `interval_s` in a thread; `peak` is the largest sum."""

    def __init__(self, root: int, interval_s: float = 0.1) -> None:
        self.root = root
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)
