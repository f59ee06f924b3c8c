"""wrk: finding or installing it, the command and Lua script of a run, and parsing its --latency output."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import LoadResult

# wrk prints times with these units (src/units.c: time_units_us).
TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}

_NUMBER_UNIT = r"([\d.]+)(us|ms|s|m|h)"
_LATENCY_LINE = re.compile(rf"^\s*Latency\s+{_NUMBER_UNIT}\s+{_NUMBER_UNIT}\s+{_NUMBER_UNIT}", re.M)
_PERCENTILE = re.compile(rf"^\s*(\d+(?:\.\d+)?)%\s+{_NUMBER_UNIT}\s*$", re.M)
_REQUESTS = re.compile(rf"^\s*(\d+) requests in {_NUMBER_UNIT}", re.M)
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_STATUS = re.compile(r"^bench-status (\d+) (\d+)$", re.M)
_RETRY_AFTER = re.compile(r"^bench-retry-after (\d+)$", re.M)


def to_ms(number: str, unit: str) -> float:
    return float(number) * TIME_UNITS_MS[unit]


def parse_output(text: str) -> LoadResult:
    """Parse the report of `wrk --latency` (plus the status lines of our Lua `done`, when present)."""
    result = LoadResult()
    if match := _LATENCY_LINE.search(text):
        result.max_ms = to_ms(match.group(5), match.group(6))
    percentiles = {float(p): to_ms(n, u) for p, n, u in _PERCENTILE.findall(text)}
    result.p50_ms = percentiles.get(50.0)
    result.p99_ms = percentiles.get(99.0)
    if match := _REQUESTS.search(text):
        result.requests = int(match.group(1))
        result.duration_s = to_ms(match.group(2), match.group(3)) / 1000
    else:
        raise ValueError("not a wrk report: no 'N requests in T' line")
    if match := _SOCKET_ERRORS.search(text):
        connect, read, write, timeout = (int(g) for g in match.groups())
        result.connect_errors, result.read_errors = connect, read
        result.write_errors, result.timeouts = write, timeout
    if match := _NON_2XX.search(text):
        result.non_2xx = int(match.group(1))
    if match := _RPS.search(text):
        result.rps = float(match.group(1))
    elif result.duration_s > 0:
        result.rps = result.requests / result.duration_s
    result.statuses = {int(status): int(count) for status, count in _STATUS.findall(text)}
    if match := _RETRY_AFTER.search(text):
        result.retry_after = int(match.group(1))
    if result.requests == 0:  # wrk prints 0us percentiles when nothing completed: not a latency
        result.p50_ms = result.p99_ms = result.max_ms = None
    return result


# Counting statuses costs wrk a Lua call per response, so only runs that need the split use it.
_COUNT_STATUSES_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {}; retry_after = 0 end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if headers["retry-after"] or headers["Retry-After"] then retry_after = retry_after + 1 end
end
function done(summary, latency, requests)
  local totals, ra = {}, 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do totals[status] = (totals[status] or 0) + n end
    ra = ra + t:get("retry_after")
  end
  for status, n in pairs(totals) do io.write(string.format("bench-status %d %d\\n", status, n)) end
  io.write(string.format("bench-retry-after %d\\n", ra))
end
"""


def lua_string(value: str) -> str:
    """A Lua literal of `value`'s UTF-8 bytes exactly (decimal escapes outside printable ASCII)."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_script(method: str, body: bytes | None, headers: dict[str, str], count_statuses: bool) -> str:
    lines = [f"wrk.method = {lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body.decode())}")
    for name, value in headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    script = "\n".join(lines) + "\n"
    return script + (_COUNT_STATUSES_LUA if count_statuses else "")


@dataclass
class WrkRun:
    url: str
    connections: int
    duration_s: float
    timeout_s: float
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    count_statuses: bool = False
    threads: int = 2

    def command(self, wrk: str, script_path: Path) -> list[str]:
        return [
            wrk,
            f"-t{min(self.threads, self.connections)}",
            f"-c{self.connections}",
            f"-d{max(1, round(self.duration_s))}s",
            f"--timeout={max(1, math.ceil(self.timeout_s))}s",  # wrk takes whole seconds
            "--latency",
            "-s",
            str(script_path),
            self.url,
        ]


def run(wrk: str, spec: WrkRun, workdir: Path) -> LoadResult:
    script = workdir / "bench.lua"
    script.write_text(lua_script(spec.method, spec.body, spec.headers, spec.count_statuses))
    completed = subprocess.run(
        spec.command(wrk, script),
        capture_output=True,
        text=True,
        timeout=spec.duration_s + spec.timeout_s + 30,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()[:500]}")
    return parse_output(completed.stdout)


def find_or_install(allow_install: bool) -> tuple[str | None, str]:
    """The wrk binary (installing Debian's package when allowed and possible) and how it was found."""
    found = shutil.which("wrk")
    if found:
        return found, "found on PATH"
    if not allow_install:
        return None, "not installed (--no-install)"
    if not shutil.which("apt-get"):
        return None, "not installed and apt-get is not available"
    sudo: list[str] = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else [])
    if os.geteuid() != 0 and not sudo:
        return None, "not installed and not root (install it with: apt-get install wrk)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        try:
            done = subprocess.run([*sudo, *step], capture_output=True, text=True, timeout=300, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"could not install ({exc})"
        if done.returncode != 0:
            return None, f"could not install: {done.stderr.strip()[-300:]}"
    found = shutil.which("wrk")
    return (found, "installed from the Debian package") if found else (None, "install did not provide wrk")


def version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"
