"""Ratios against the bare endpoint and the Markdown report."""

from __future__ import annotations

import pytest

from bench.report import (
    BACKPRESSURE,
    BARE,
    LoadResult,
    Row,
    backpressure_table,
    backpressure_verdict,
    compute_ratios,
    goal_lines,
    markdown_table,
    ratio,
)


def row(scenario: str, workers: int, connections: int, rps: float | None) -> Row:
    result = (
        None
        if rps is None
        else LoadResult(requests=int(rps), duration_s=1.0, rps=rps, p50_ms=2.0, p99_ms=9.0)
    )
    return Row(
        scenario, scenario, workers, connections, result, note="" if result else "endpoint not available"
    )


def test_each_scenario_is_divided_by_the_bare_rate_at_the_same_workers_and_connections() -> None:
    rows = compute_ratios(
        [
            row(BARE, 1, 16, 4000),
            row(BARE, 2, 16, 8000),
            row("me", 1, 16, 2000),
            row("me", 2, 16, 2000),
        ]
    )

    assert [r.ratio for r in rows] == [
        pytest.approx(1.0),
        pytest.approx(1.0),
        pytest.approx(0.5),
        pytest.approx(0.25),
    ]


def test_no_ratio_without_a_bare_measurement_or_without_a_result() -> None:
    rows = compute_ratios([row(BARE, 1, 16, 4000), row("me", 1, 64, 2000), row("trades", 1, 16, None)])

    assert rows[1].ratio is None
    assert rows[2].ratio is None
    assert ratio(100, 0) is None


def test_the_goal_line_says_met_or_missed() -> None:
    rows = compute_ratios(
        [row(BARE, 1, 16, 4000), row("me", 1, 16, 2200), row(BARE, 2, 16, 8000), row("me", 2, 16, 1000)]
    )

    lines = goal_lines(rows, "me", 0.5)

    assert lines[0].endswith("55% of bare (goal 50%): met")
    assert lines[1].endswith("12% of bare (goal 50%): MISSED")


def test_the_table_shows_measured_and_skipped_rows() -> None:
    rows = compute_ratios([row(BARE, 1, 16, 4000), row("me", 1, 16, 2000), row("trades", 1, 16, None)])
    rows[1].peak_rss_bytes = 150 * 1024 * 1024

    table = markdown_table(rows)

    assert "| me | 1 | 16 | 2,000 | 2.00 ms | 9.00 ms | 0 | 0 | 150 | 50% |" in table
    assert "| trades | 1 | 16 | skipped: endpoint not available |" in table


def test_the_backpressure_table_splits_completed_refused_and_stalled() -> None:
    result = LoadResult(
        requests=1000, rps=100, p99_ms=5100, max_ms=5200, timeouts=3, non_2xx=400,
        statuses={200: 600, 503: 380, 429: 20}, retry_after=380,
    )  # fmt: skip
    table = backpressure_table([Row(BACKPRESSURE, "bp", 1, 256, result)])

    assert "| 1 | 256 | 1000 | 600 | 380 | 380 | 20 | 3 (3) | 5.10 s | 5.20 s |" in table


def test_the_backpressure_verdict_names_stalls_and_refusals() -> None:
    stalled = LoadResult(requests=500, timeouts=7, statuses={200: 500})
    refused = LoadResult(requests=900, max_ms=5100, statuses={200: 600, 503: 300}, retry_after=300)

    assert backpressure_verdict(Row(BACKPRESSURE, "bp", 1, 256, stalled), 7).startswith(
        "STALLED: 7 request(s) got no answer within 7 s"
    )
    assert backpressure_verdict(Row(BACKPRESSURE, "bp", 1, 256, refused), 7) == (
        "No stall: 600 completed and 300 refused with 503 (300 with Retry-After); slowest answer 5.10 s."
    )
    assert backpressure_verdict(Row(BACKPRESSURE, "bp", 1, 256, note="endpoint not available"), 7) == (
        "Not measured: endpoint not available"
    )
