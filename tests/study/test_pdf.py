"""Quizzes from PDFs: a 30-page document built with fpdf2, and every kind of bad file."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from mosaic.study.quizzes.models import Quiz, QuizGeneration, QuizQuestion
from mosaic.study.quizzes.pdf import clean_pages
from tests.accounts.conftest import Account
from tests.study.conftest import API, image_only_pdf, make_pdf, page_text, upload_pdf


async def _stored(app, user: Account) -> tuple[int, int]:
    async with app.state.database.transaction() as session:
        owner = uuid.UUID(user.id)
        quizzes = await session.scalar(select(func.count()).select_from(Quiz).where(Quiz.user_id == owner))
        generations = await session.scalar(
            select(func.count()).select_from(QuizGeneration).where(QuizGeneration.user_id == owner)
        )
    return quizzes or 0, generations or 0


async def test_a_30_page_pdf_gives_questions_from_its_first_and_last_pages(client, app, user_a: Account):
    pages = [page_text(n) for n in range(1, 31)]
    response = await upload_pdf(client, user_a, make_pdf(pages), name="trade-cities.pdf", num_questions="30")
    assert response.status_code in (201, 202), response.text
    data = response.json()["data"]
    if response.status_code == 202:
        polled = await client.get(f"{API}/quiz/generations/{data['id']}", headers=user_a.headers)
        assert polled.json()["data"]["status"] == "completed"
        quiz_id = polled.json()["data"]["quiz_id"]
    else:
        quiz_id = data["id"]
    quiz = (await client.get(f"{API}/quiz/{quiz_id}", headers=user_a.headers)).json()["data"]
    assert quiz["source"] == "pdf" and quiz["title"] == "trade-cities" and quiz["question_count"] == 30
    async with app.state.database.transaction() as session:
        questions = (
            await session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == uuid.UUID(quiz_id)))
        ).all()
    full_text = " ".join(pages)
    for question in questions:
        assert question.passage in full_text
        assert "Page " not in question.passage and "Handbook" not in question.passage
        if question.type != "true_false":
            answer = question.options[question.answer_index]
            assert answer in question.passage or question.type == "multiple_choice"
            assert (answer in full_text) if question.type == "cloze" else (answer == question.passage)
    touched = {n for n in range(1, 31) for q in questions if q.passage in pages[n - 1]}
    assert 1 in touched and 30 in touched


async def test_bad_pdfs_give_their_codes_and_store_nothing(client, app, make_client, user_a: Account):
    good = make_pdf([page_text(1), page_text(2)])
    cases = [
        (make_pdf([page_text(1)], encrypt=True), "PDF_ENCRYPTED", 422),
        (image_only_pdf(), "PDF_NO_TEXT", 422),
        (good[: len(good) // 2], "PDF_INVALID", 422),
        # Bytes that are not a PDF at all (as an avatar that is not an image): 415.
        (b"Just some text pretending to be a PDF.\n" * 20, "PDF_INVALID", 415),
        (b"", "PDF_INVALID", 415),
        (b"%PDF-1.7\n" + b"garbage that is no object at all\n" * 50 + b"%%EOF\n", "PDF_INVALID", 422),
    ]
    for data, code, status in cases:
        response = await upload_pdf(client, user_a, data)
        assert response.status_code == status, (code, response.text)
        assert response.json()["error"]["code"] == code
    _, small = await make_client(MAX_PDF_MB=1, MAX_PDF_PAGES=3)
    oversized = good + b"%" + b"x" * (1024 * 1024) + b"\n%%EOF\n"
    response = await upload_pdf(small, user_a, oversized)
    assert response.status_code == 413 and response.json()["error"]["code"] == "PDF_TOO_LARGE"
    many = await upload_pdf(small, user_a, make_pdf([page_text(n) for n in range(1, 6)]))
    assert many.status_code == 422 and many.json()["error"]["code"] == "PDF_TOO_MANY_PAGES"
    assert await _stored(app, user_a) == (0, 0)


async def test_pdf_form_options_are_validated(client, user_a: Account):
    pdf = make_pdf([page_text(1), page_text(2)])
    # What the form's schema declares (types pattern, difficulty enum) is what it accepts.
    for options in (
        {"question_types": "essay"},
        {"question_types": "cloze,,true_false"},
        {"question_types": "cloze,cloze,cloze,cloze"},
        {"question_types": "mosaic.booking.rooms"},
        {"difficulty": "extreme"},
    ):
        bad = await upload_pdf(client, user_a, pdf, **options)
        assert bad.status_code == 422, options
        assert bad.json()["error"]["details"][0]["field"] in options, bad.text
    hyphens = await upload_pdf(client, user_a, pdf, question_types="multiple-choice,cloze", num_questions="2")
    assert hyphens.status_code == 201, hyphens.text
    assert set(hyphens.json()["data"]["question_types"]) == {"multiple_choice", "cloze"}
    zero = await upload_pdf(client, user_a, pdf, num_questions="0")
    assert zero.status_code == 422
    missing = await client.post(
        f"{API}/quiz/generate-from-pdf", data={"num_questions": "3"}, headers=user_a.headers
    )
    assert missing.status_code == 422
    anonymous = await client.post(
        f"{API}/quiz/generate-from-pdf", files={"file": ("a.pdf", pdf, "application/pdf")}
    )
    assert anonymous.status_code == 401


def test_cleaning_drops_headers_footers_page_numbers_and_hyphenation():
    rivers = ["Danube", "Rhine", "Elbe", "Oder"]
    pages = [
        f"Course Handbook 2026\nThe {river} carried salt to the har-\nbour every spring.\n"
        f"The {river} is long.\n{n}"
        for n, river in enumerate(rivers, start=1)
    ]
    pages[1] += "\nPage 2 of 4"
    cleaned = clean_pages(pages)
    for page in cleaned:
        assert "Handbook" not in page and "harbour" in page and "har-" not in page
        assert not page.rstrip().endswith(("1", "2", "3", "4"))
    assert "The Danube carried salt to the harbour every spring." in cleaned[0]
