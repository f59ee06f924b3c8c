"""Results of one load run, their ratio to the bare endpoint, and the Markdown report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BARE = "bare"
BACKPRESSURE = "backpressure"


@dataclass
class LoadResult:
    """What one load generator run measured (wrk's summary, or the bundled generator's)."""

    requests: int = 0
    duration_s: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    timeouts: int = 0
    non_2xx: int = 0  # wrk's "Non-2xx or 3xx responses" (it counts statuses >= 400)
    statuses: dict[int, int] = field(default_factory=dict)  # only when statuses were counted
    retry_after: int = 0  # responses carrying Retry-After (only when statuses were counted)

    @property
    def socket_errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors + self.timeouts

    @property
    def completed_2xx(self) -> int:
        if self.statuses:
            return sum(n for status, n in self.statuses.items() if 200 <= status < 300)
        return max(self.requests - self.non_2xx, 0)


@dataclass
class Row:
    """One line of the table: a scenario at a worker and connection count."""

    scenario: str
    label: str
    workers: int
    connections: int
    result: LoadResult | None = None
    peak_rss_bytes: int = 0
    note: str = ""  # why it was skipped, or what to know about it
    ratio: float | None = None


def compute_ratios(rows: Iterable[Row]) -> list[Row]:
    """Each row's requests/s divided by the bare endpoint's at the same workers and connections."""
    rows = list(rows)
    bare = {
        (row.workers, row.connections): row.result.rps
        for row in rows
        if row.scenario == BARE and row.result is not None
    }
    for row in rows:
        base = bare.get((row.workers, row.connections))
        row.ratio = ratio(row.result.rps, base) if row.result is not None and base else None
    return rows


def ratio(rps: float, bare_rps: float) -> float | None:
    return rps / bare_rps if bare_rps > 0 else None


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 10:
        return f"{value:.0f} ms"
    return f"{value:.2f} ms"


def fmt_mb(value: int) -> str:
    return f"{value / (1024 * 1024):.0f}" if value else "-"


def fmt_ratio(value: float | None) -> str:
    return f"{value * 100:.0f}%" if value is not None else "-"


TABLE_HEADER = (
    "| Scenario | Workers | Conns | Req/s | p50 | p99 | Socket errors | Non-2xx | Peak RSS (MB) | vs bare |\n"
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
)


def markdown_table(rows: Iterable[Row]) -> str:
    lines = [TABLE_HEADER]
    for row in rows:
        res = row.result
        if res is None:
            lines.append(
                f"| {row.label} | {row.workers} | {row.connections} | skipped: {row.note} | | | | | | |\n"
            )
            continue
        lines.append(
            f"| {row.label} | {row.workers} | {row.connections} | {res.rps:,.0f} | {fmt_ms(res.p50_ms)} "
            f"| {fmt_ms(res.p99_ms)} | {res.socket_errors} | {res.non_2xx} | {fmt_mb(row.peak_rss_bytes)} "
            f"| {fmt_ratio(row.ratio)} |\n"
        )
    return "".join(lines)


def backpressure_table(rows: Iterable[Row]) -> str:
    lines = [
        "| Workers | Conns | Requests | Completed 2xx | 503 | with Retry-After | Other non-2xx "
        "| Socket errors (timeouts) | p99 | Max latency |\n",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    ]
    for row in rows:
        res = row.result
        if res is None:
            lines.append(f"| {row.workers} | {row.connections} | skipped: {row.note} | | | | | | | |\n")
            continue
        unavailable = res.statuses.get(503, 0)
        other = sum(n for status, n in res.statuses.items() if status >= 300 and status != 503)
        lines.append(
            f"| {row.workers} | {row.connections} | {res.requests} | {res.completed_2xx} | {unavailable} "
            f"| {res.retry_after} | {other} | {res.socket_errors} ({res.timeouts}) | {fmt_ms(res.p99_ms)} "
            f"| {fmt_ms(res.max_ms)} |\n"
        )
    return "".join(lines)


def goal_lines(rows: Iterable[Row], scenario: str, target: float) -> list[str]:
    """One line per measured (workers, connections) of `scenario`: its ratio against the target."""
    out = []
    for row in rows:
        if row.scenario != scenario or row.ratio is None:
            continue
        verdict = "met" if row.ratio >= target else "MISSED"
        out.append(
            f"- {row.label}, {row.workers} worker(s), {row.connections} connections: "
            f"{fmt_ratio(row.ratio)} of bare (goal {fmt_ratio(target)}): {verdict}"
        )
    return out


def latency_goal_lines(rows: Iterable[Row], scenario: str, p99_goal_ms: float) -> list[str]:
    """One line per measured (workers, connections) of `scenario`: its p99 against the goal."""
    out = []
    for row in rows:
        if row.scenario != scenario or row.result is None or row.result.p99_ms is None:
            continue
        verdict = "met" if row.result.p99_ms < p99_goal_ms else "MISSED"
        out.append(
            f"- {row.label}, {row.workers} worker(s), {row.connections} connections: "
            f"p99 {fmt_ms(row.result.p99_ms)} (goal < {fmt_ms(p99_goal_ms)}): {verdict}"
        )
    return out


def backpressure_verdict(row: Row, stall_after_s: float) -> str:
    """Whether every request completed or was refused with 503, or some waited past `stall_after_s`."""
    res = row.result
    if res is None:
        return f"Not measured: {row.note}"
    stalled = res.timeouts + res.read_errors + res.connect_errors + res.write_errors
    if stalled:
        return (
            f"STALLED: {stalled} request(s) got no answer within {stall_after_s:g} s "
            f"({res.timeouts} timeouts, {res.socket_errors - res.timeouts} other socket errors)."
        )
    refused = res.statuses.get(503, 0)
    return (
        f"No stall: {res.completed_2xx} completed and {refused} refused with 503 "
        f"({res.retry_after} with Retry-After); slowest answer {fmt_ms(res.max_ms)}."
    )
