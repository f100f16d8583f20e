"""Which language a question is in, and whether a whole sentence answers it."""

from __future__ import annotations

import pytest

from index.text.language import ENGLISH, INDONESIAN, asks_for_a_sentence, guess_language


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
        "sanksi",
        "nuklir Korea Utara",
        "Apa itu KTT Hanoi?",
    ],
)
def test_factoid_questions_and_keyword_searches(question: str) -> None:
    assert not asks_for_a_sentence(question)


@pytest.mark.parametrize(
    "question",
    [
        "Apa kata Putin tentang Korea Utara?",
        "Mengapa negosiasi gagal?",
        "Bagaimana sikap Rusia?",
        "Why did the talks fail?",
        "How does Moscow want to denuclearise?",
        "What did Putin say about sanctions?",
        "Apakah Putin bertemu para kepala kantor berita secara tatap muka?",
        "Benarkah Rusia menolak sanksi?",
        "Did Putin meet the agency heads in person?",
        "Kenapa negosiasi nuklir buntu sih?",
    ],
)
def test_questions_a_whole_sentence_answers(question: str) -> None:
    assert asks_for_a_sentence(question)
