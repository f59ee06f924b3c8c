"""Seed 000's mock server: `python mock_api.py [--docs DIR] [--port 8001]` serves `docs/api`.

The same app as `mosaic mock serve`; `uvicorn mock_api:app` works too.
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
    args = parser.parse_args()
    served = create_mock_app(args.docs, reload=True) if args.docs else app
    uvicorn.run(served, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
