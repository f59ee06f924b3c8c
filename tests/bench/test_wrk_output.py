"""The harness reads wrk's --latency report correctly: units, errors, non-2xx and our status lines."""

from __future__ import annotations

import pytest

from bench.wrk import WrkRun, lua_script, lua_string, parse_output, to_ms

CLEAN_RUN = """\
Running 10s test @ http://127.0.0.1:8000/bare
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    15.29ms    3.21ms  52.10ms   88.12%
    Req/Sec     2.10k   150.23     2.40k    70.00%
  Latency Distribution
     50%   14.80ms
     75%   16.10ms
     90%   18.30ms
     99%   28.50ms
  41893 requests in 10.01s, 8.35MB read
Requests/sec:   4185.12
Transfer/sec:    854.21KB
"""

TROUBLED_RUN = """\
Running 10s test @ http://127.0.0.1:8000/api/v1/auth/login
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52s   412.30ms   1.00m    71.05%
    Req/Sec    10.21      6.70    40.00     66.67%
  Latency Distribution
     50%    1.48s
     75%    1.79s
     90%  850.00us
     99%    2.31s
  203 requests in 10.02s, 180.11KB read
  Socket errors: connect 1, read 2, write 3, timeout 12
  Non-2xx or 3xx responses: 17
Requests/sec:     20.26
Transfer/sec:     17.97KB
"""


def test_a_clean_run_gives_rate_percentiles_and_max_in_milliseconds() -> None:
    result = parse_output(CLEAN_RUN)

    assert result.requests == 41893
    assert result.duration_s == pytest.approx(10.01)
    assert result.rps == pytest.approx(4185.12)
    assert result.p50_ms == pytest.approx(14.80)
    assert result.p99_ms == pytest.approx(28.50)
    assert result.max_ms == pytest.approx(52.10)
    assert result.socket_errors == 0
    assert result.non_2xx == 0
    assert result.completed_2xx == 41893


def test_seconds_minutes_and_microseconds_are_converted() -> None:
    result = parse_output(TROUBLED_RUN)

    assert result.p50_ms == pytest.approx(1480.0)
    assert result.p99_ms == pytest.approx(2310.0)
    assert result.max_ms == pytest.approx(60_000.0)
    assert to_ms("850.00", "us") == pytest.approx(0.85)
    assert to_ms("2", "h") == pytest.approx(7_200_000.0)


def test_socket_errors_and_non_2xx_responses_are_counted() -> None:
    result = parse_output(TROUBLED_RUN)

    assert (result.connect_errors, result.read_errors, result.write_errors, result.timeouts) == (1, 2, 3, 12)
    assert result.socket_errors == 18
    assert result.non_2xx == 17
    assert result.completed_2xx == 203 - 17


def test_status_lines_of_the_counting_script_are_read() -> None:
    text = TROUBLED_RUN + "bench-status 200 150\nbench-status 503 53\nbench-retry-after 53\n"

    result = parse_output(text)

    assert result.statuses == {200: 150, 503: 53}
    assert result.retry_after == 53
    assert result.completed_2xx == 150


def test_a_run_where_nothing_completed_has_no_latency() -> None:
    text = CLEAN_RUN.replace("41893 requests in 10.01s", "0 requests in 10.01s").replace(
        "Requests/sec:   4185.12", "Requests/sec:      0.00"
    )

    result = parse_output(text)

    assert result.requests == 0
    assert result.rps == 0
    assert result.p50_ms is None
    assert result.p99_ms is None


def test_text_that_is_not_a_wrk_report_is_refused() -> None:
    with pytest.raises(ValueError, match="not a wrk report"):
        parse_output("unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_lua_strings_survive_quotes_backslashes_and_non_ascii() -> None:
    assert lua_string('{"a": "b\\\\c"}') == '"{\\"a\\": \\"b\\\\\\\\c\\"}"'
    assert lua_string("é\n") == '"\\195\\169\\010"'


def test_the_script_sets_method_body_and_headers_and_counts_statuses_only_when_asked() -> None:
    plain = lua_script("POST", b'{"x": 1}', {"Content-Type": "application/json"}, count_statuses=False)
    counting = lua_script("GET", None, {}, count_statuses=True)

    assert 'wrk.method = "POST"' in plain
    assert 'wrk.body = "{\\"x\\": 1}"' in plain
    assert 'wrk.headers["Content-Type"] = "application/json"' in plain
    assert "function response" not in plain
    assert "function response" in counting
    assert "wrk.body" not in counting


def test_the_command_uses_two_threads_latency_and_the_timeout() -> None:
    spec = WrkRun(url="http://127.0.0.1:9/x", connections=64, duration_s=3, timeout_s=10)

    command = spec.command("wrk", __import__("pathlib").Path("/tmp/s.lua"))

    assert command[1:6] == ["-t2", "-c64", "-d3s", "--timeout=10s", "--latency"]
    assert command[-1] == "http://127.0.0.1:9/x"
    assert (
        WrkRun(url="u", connections=1, duration_s=1, timeout_s=1).command(
            "wrk", __import__("pathlib").Path("s")
        )[1]
        == "-t1"
    )
