"""Study fixtures: the account fixtures, study texts and PDFs built in the test with fpdf2."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fpdf import FPDF

from tests.accounts.conftest import Account, admin, superadmin, user_a, user_b  # noqa: F401

API = "/api/v1"

FACTS = [
    ("Marie Curie", "won the Nobel Prize in Physics in 1903 together with Pierre Curie"),
    ("Ada Lovelace", "wrote the first published algorithm for the Analytical Engine"),
    ("Alan Turing", "described an abstract computing machine in 1936"),
    ("Charles Darwin", "published On the Origin of Species in 1859"),
    ("Rosalind Franklin", "made the X-ray photographs that revealed the structure of DNA"),
    ("Isaac Newton", "formulated the three laws of motion in the Principia"),
    ("Galileo Galilei", "observed the four largest moons of Jupiter through a telescope"),
    ("Dmitri Mendeleev", "arranged the chemical elements into the first periodic table"),
    ("Gregor Mendel", "discovered the basic laws of inheritance by breeding pea plants"),
    ("Nikola Tesla", "developed the alternating current induction motor"),
]


def study_text(seed: str = "") -> str:
    """A few paragraphs of facts (distinct per `seed`, so the generation cache does not hit)."""
    tag = seed or uuid.uuid4().hex[:8]
    lines = [f"{name} {fact}." for name, fact in FACTS]
    lines.append(f"The archive reference for this lesson is Lesson {tag.upper()} of the course.")
    lines.append("Photosynthesis converts light energy into chemical energy inside the leaves of plants.")
    lines.append("The mitochondria produce most of the chemical energy that powers the cell.")
    return " ".join(lines)


def page_text(number: int) -> str:
    """A page's own facts: a named city and a number unique to the page."""
    city = f"Quillon{number:02d}"
    return (
        f"Chapter {number} describes the city of {city} and its river trade. "
        f"The harbour of {city} handled {1000 + number * 37} ships every year during the golden age. "
        f"Merchants of {city} traded amber, salt and copper with distant neighbours across the sea. "
        f"The council of {city} built a stone bridge across the river in the year {1400 + number}. "
        f"Scholars in {city} wrote chronicles about the famous harbour and its lighthouse."
    )


def make_pdf(pages: list[str], *, header: str = "Trade Cities Handbook", encrypt: bool = False) -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, header)
        pdf.ln(12)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 8, f"Page {number} of {len(pages)}")
    if encrypt:
        pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    return bytes(pdf.output())


def image_only_pdf(pages: int = 2) -> bytes:
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.set_fill_color(30, 30, 30)
        pdf.rect(20, 20, 120, 80, style="F")
    return bytes(pdf.output())


async def generate(client: httpx.AsyncClient, account: Account, **overrides: Any) -> httpx.Response:
    body = {"text": study_text(), "num_questions": 6, **overrides}
    return await client.post(f"{API}/quiz/generate", json=body, headers=account.headers)


async def new_quiz(client: httpx.AsyncClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = await generate(client, account, **overrides)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def upload_pdf(
    client: httpx.AsyncClient, account: Account, data: bytes, name: str = "notes.pdf", **form: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/quiz/generate-from-pdf",
        files={"file": (name, data, "application/pdf")},
        data={"num_questions": "8", **form},
        headers=account.headers,
    )
