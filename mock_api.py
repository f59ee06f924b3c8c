"""Seed 000's mock server: `python mock_api.py [--docs DIR] [--port 8001] [--lenient]`.

It serves `docs/api`: the Markdown examples that `mock/*.json` is exported from (the same bodies,
JSON-equal), validating requests with `docs/api/openapi.json` as the real app would unless
`--lenient`. The same app as `mosaic mock serve`; `uvicorn mock_api:app` works too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mosaic.mock.app import create_mock_app

DOCS = Path(__file__).resolve().parent / "docs" / "api"

app = create_mock_app(DOCS, reload=True)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the documented API examples.")
    parser.add_argument("--docs", type=Path, action="append", help="docs folder (repeatable)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--lenient", action="store_true", help="answer every request, unvalidated")
    args = parser.parse_args()
    if args.docs or args.lenient:
        served = create_mock_app(args.docs or [DOCS], reload=True, lenient=args.lenient)
    else:
        served = app
    uvicorn.run(served, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
