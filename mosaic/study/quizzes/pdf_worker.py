"""Child process of `pdf.extract_pages`: PDF bytes on stdin, `{"pages": [...]}` or `{"error": code}`
as JSON on stdout. It caps its own address space first, so a decompression bomb fails here (a
MemoryError, exit code 1) instead of in the API process.

Usage: `python -I pdf_worker.py MAX_PAGES MEMORY_MB`
"""

from __future__ import annotations

import io
import logging
import resource
import sys

import orjson


def _answer(value: dict[str, object]) -> None:
    sys.stdout.buffer.write(orjson.dumps(value))


def main(argv: list[str]) -> int:
    max_pages, memory_mb = int(argv[0]), int(argv[1])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    logging.disable(logging.WARNING)  # pypdf warns on every odd object; the parent logs outcomes

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    data = sys.stdin.buffer.read()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _answer({"error": "PDF_ENCRYPTED"})
            return 0
        count = len(reader.pages)
        if count > max_pages:
            _answer(
                {"error": "PDF_TOO_MANY_PAGES", "message": f"The PDF has {count} pages; at most {max_pages}"}
            )
            return 0
        if count == 0:
            _answer({"error": "PDF_INVALID", "message": "The PDF has no pages"})
            return 0
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        _answer({"error": "PDF_INVALID"})
        return 0
    _answer({"pages": pages})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
