"""`mosaic mock export`: one JSON file per documented endpoint, seed 000's `mock/` folder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from mosaic.apidocs.model import EndpointDoc


def mock_file(doc: EndpointDoc) -> dict[str, Any]:
    return {
        "method": doc.method,
        "path": doc.path,
        "status": doc.status,
        "request": doc.request_example.body if doc.request_example else None,
        "responses": [
            {"status": e.status, "name": e.name, "media_type": e.media_type, "body": e.body}
            for e in doc.examples()
        ],
    }


def export_files(docs: Iterable[EndpointDoc]) -> dict[str, str]:
    """{`<domain>/<operation>.json`: content} for every document."""
    return {
        doc.relative_path.removesuffix(".md") + ".json": json.dumps(
            mock_file(doc), indent=2, ensure_ascii=False
        )
        + "\n"
        for doc in docs
    }
