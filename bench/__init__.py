"""Load benchmarks of Mosaic against a bare FastAPI endpoint, run the way production serves (issue 7).

`python -m bench --help` (or `make bench BENCH_ARGS=...`); docs/performance.md explains the scenarios.
"""
