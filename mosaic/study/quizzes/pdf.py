"""PDF to clean text, bounded: sniffed by content, parsed in a child process with a deadline.

pypdf is pure Python and a hostile PDF (deep object graphs, huge streams) can take unbounded
time and memory, which a thread cannot be stopped from spending. So the bytes go to a short-lived
child process (`pdf_worker.py`) that caps its own address space and
the page count, and is killed at `PDF_EXTRACT_TIMEOUT_SECONDS`. The parent only reads its JSON.

Cleaning removes what is not content before questions are drawn from it: lines repeated at the
top or bottom of most pages (running headers and footers), page numbers, hyphenation at line
ends, and line breaks inside paragraphs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections import Counter
from pathlib import Path

import orjson
from fastapi import UploadFile

from mosaic.core.errors import AppError, PayloadTooLarge
from mosaic.study.errors import field_details

logger = logging.getLogger("mosaic.study")

_READ_CHUNK = 64 * 1024
# Run by path, not `-m`: importing the package would load the whole app into every child.
WORKER_SCRIPT = Path(__file__).with_name("pdf_worker.py")
# Address-space cap of the extraction process (pypdf plus the decoded streams of one document).
WORKER_MEMORY_MB = 768


class PdfError(AppError):
    """A refused upload: 422 naming the `file` field, with this class's code (`NotAPdf`: 415)."""

    status_code = 422
    code = "PDF_INVALID"
    default_message = "The file is not a readable PDF"

    def __init__(self, message: str | None = None) -> None:
        text = message or self.default_message
        super().__init__(text, details=field_details("file", text, self.code))


NOT_A_PDF = "The file is not a PDF"


class NotAPdf(PdfError):
    """Bytes that are not a PDF at all (no `%PDF-` header; an empty file): 415, as an avatar that
    is not an image is. `format: binary` cannot say "a PDF", so this is no schema-level 422; a PDF
    that cannot be read keeps its 422 and its code."""

    status_code = 415
    default_message = NOT_A_PDF


class PdfEncrypted(PdfError):
    code = "PDF_ENCRYPTED"
    default_message = "The PDF is encrypted; upload an unprotected copy"


class PdfNoText(PdfError):
    code = "PDF_NO_TEXT"
    default_message = "The PDF has no extractable text (scanned pages need OCR first)"


class PdfTooManyPages(PdfError):
    code = "PDF_TOO_MANY_PAGES"
    default_message = "The PDF has more pages than allowed"


class PdfTooComplex(PdfError):
    code = "PDF_TOO_COMPLEX"
    default_message = "The PDF could not be read within the time and memory allowed"


_ERRORS: dict[str, type[PdfError]] = {
    cls.code: cls for cls in (PdfError, PdfEncrypted, PdfNoText, PdfTooManyPages, PdfTooComplex)
}


async def read_pdf_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes (413 as soon as they pass `max_bytes`), refused unless they are a PDF."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(_READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(
                f"The PDF is larger than {max_bytes // (1024 * 1024)} MB", code="PDF_TOO_LARGE"
            )
        chunks.append(chunk)
    data = b"".join(chunks)
    sniff(data)
    return data


def sniff(data: bytes) -> None:
    """A PDF starts with `%PDF-` (within the first KiB) and ends with `%%EOF`: a truncated file
    or one that only claims the type is refused before any parsing."""
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf()
    if b"%%EOF" not in data[-2048:]:
        raise PdfError("The PDF is truncated (no end-of-file marker)")


async def extract_pages(data: bytes, *, max_pages: int, timeout: float) -> list[str]:  # noqa: ASYNC109
    """Each page's text, from the bounded child process; typed 422s for every refusal."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",  # isolated: no environment, no user site; the script imports only pypdf and orjson
        str(WORKER_SCRIPT),
        str(max_pages),
        str(WORKER_MEMORY_MB),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await process.communicate(data)
    except TimeoutError:
        process.kill()
        await process.wait()
        logger.warning("pdf extraction killed after %.1fs", timeout)
        raise PdfTooComplex() from None
    if process.returncode != 0:
        logger.warning(
            "pdf extraction exited %s: %s", process.returncode, err[-500:].decode(errors="replace")
        )
        raise PdfTooComplex()
    result = orjson.loads(out)
    if "error" in result:
        error = _ERRORS.get(result["error"], PdfError)
        raise error(result.get("message") or None)
    pages: list[str] = result["pages"]
    return pages


_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?[-\u2013]?\s*\d{1,4}\s*[-\u2013]?\s*(?:(?:of|/)\s*\d{1,4})?\s*$", re.I
)
_DIGITS = re.compile(r"\d+")


# A running header or footer is a short line; longer edge lines are body text, kept.
MAX_EDGE_CHARS = 70


def _edge_key(line: str) -> str | None:
    """Headers and footers often carry the page number: compare them with digits masked."""
    line = line.strip()
    return _DIGITS.sub("#", line.lower()) if len(line) <= MAX_EDGE_CHARS else None


def clean_pages(pages: list[str]) -> list[str]:
    """Pages without running headers/footers and page numbers, de-hyphenated, paragraphs joined."""
    split = [[line.rstrip() for line in page.splitlines() if line.strip()] for page in pages]
    edges: Counter[str | None] = Counter()
    for lines in split:
        edges.update({_edge_key(line) for line in lines[:2] + lines[-2:]})
    edges.pop(None, None)
    threshold = max(2, (len(split) + 1) // 2)
    repeated = {key for key, count in edges.items() if count >= threshold} if len(split) >= 3 else set()
    cleaned: list[str] = []
    for lines in split:
        kept = []
        for index, line in enumerate(lines):
            at_edge = index < 2 or index >= len(lines) - 2
            key = _edge_key(line)
            if at_edge and ((key is not None and key in repeated) or _PAGE_NUMBER.match(line)):
                continue
            kept.append(line.strip())
        text = "\n".join(kept)
        text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # hyphenation at a line end
        text = re.sub(r"(?<![.!?:;\n])\n(?!\n)", " ", text)  # a line break inside a sentence
        cleaned.append(re.sub(r"[ \t]+", " ", text).strip())
    return cleaned


async def pdf_text(data: bytes, *, max_pages: int, timeout: float) -> str:  # noqa: ASYNC109
    """The cleaned text of a sniffed PDF; 422 `PDF_NO_TEXT` when no page has any."""
    pages = clean_pages(await extract_pages(data, max_pages=max_pages, timeout=timeout))
    text = "\n\n".join(page for page in pages if page)
    if len(re.findall(r"\w+", text)) < 5:
        raise PdfNoText()
    return text
