"""Which language a question is in, and whether it asks for a fact."""

from __future__ import annotations

import pytest

from index.text.language import ENGLISH, INDONESIAN, asks_for_a_fact, guess_language


@pytest.mark.parametrize(
    ("text", "language"),
    [("Siapa CEO Kantor Berita Yonhap?", INDONESIAN), ("Who is the CEO of Yonhap?", ENGLISH), ("nuklir", INDONESIAN)],
)
def test_the_language_of_a_question(text: str, language: str) -> None:
    assert guess_language(text) == language


@pytest.mark.parametrize(
    "question",
    [
        "Siapa CEO Kantor Berita Yonhap?",
        "Berapa negara yang hadir?",
        "Kapan KTT Hanoi runtuh?",
        "How many countries attended?",
        "How old is Vladimir Putin?",
        "Which missile did North Korea test?",
    ],
)
def test_factoid_questions(question: str) -> None:
    assert asks_for_a_fact(question)


@pytest.mark.parametrize(
    "question",
    [
        "Apa kata Putin tentang Korea Utara?",
        "Mengapa negosiasi gagal?",
        "Bagaimana sikap Rusia?",
        "Why did the talks fail?",
        "How does Moscow want to denuclearise?",
        "What did Putin say about sanctions?",
        "sanksi",
        "nuklir Korea Utara",
    ],
)
def test_open_questions_and_keyword_searches(question: str) -> None:
    assert not asks_for_a_fact(question)
