"""gunicorn hooks for `mosaic serve --workers N` (loaded with `--config python:mosaic.gunicorn_conf`).

A worker that exits leaves its Prometheus sample files behind; marking it dead drops its live
gauges (counters and histograms keep counting, as Prometheus expects across a restart).
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess


def child_exit(server: Any, worker: Any) -> None:
    # The directory `mosaic serve` exported before starting gunicorn (the hook has no Settings).
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        multiprocess.mark_process_dead(worker.pid, path)  # type: ignore[no-untyped-call]
