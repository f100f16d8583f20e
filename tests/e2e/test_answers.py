"""End to end with the real model on the seed article: Indonesian, English and off-topic questions."""

from __future__ import annotations

import pytest

from bot.service import QuoteService
from index.answering.profile import E5_READER_JUDGE
from index.models.reader import TrainedReader

pytestmark = pytest.mark.e2e
SEED_ID = "000_fa119bf131a3472f"

ANSWERABLE = [
    # (question, a phrase the first quote must contain)
    ("Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?", "menyalahkan Amerika Serikat"),
    ("Di mana forum ekonomi tahunan itu diadakan?", "St. Petersburg"),
    ("Berapa negara yang kepala kantor beritanya hadir dalam sesi virtual?", "16 negara"),
    ("Pendekatan apa yang dipilih Moskow untuk denuklirisasi Korea Utara?", "pendekatan bertahap"),
    ("Who did Putin blame for the deadlock in the nuclear negotiations?", "Amerika Serikat"),
    ("How many countries' news agency heads attended the virtual session?", "16 negara"),
    ("Why did the nuclear talks between Pyongyang and Washington fail?", "tidak ada titik temu"),
    ("sanksi", "sanksi"),  # a one-word search that the article holds
    # English words barely match the article's: the model picks the sentence to quote.
    ("What missile did North Korea test?", "KN-23"),
    ("What does Moscow want in return for partial lifting of UN sanctions?", "pencabutan sebagian sanksi PBB"),
]
OFF_TOPIC = [
    "Bagaimana cara membuat rendang padang yang empuk?",
    "Siapa pemenang Piala Dunia sepak bola 2018?",
    "What is the capital of Australia?",
    "How do I reset my iPhone password?",
    "rendang & padang?",
    "Berapa harga tiket kereta cepat Jakarta Bandung?",
]


@pytest.mark.parametrize(("question", "phrase"), ANSWERABLE)
def test_answers_quote_the_passage_that_answers(real_service: QuoteService, question: str, phrase: str) -> None:
    answer = real_service.ask(question)
    assert answer.status != "none", question
    text = real_service.stored.articles[SEED_ID].text
    assert all(c.quote == text[c.start : c.end] for c in answer.citations)
    assert any(phrase in c.quote for c in answer.citations[:2]), [c.quote for c in answer.citations]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_refused(real_service: QuoteService, question: str) -> None:
    answer = real_service.ask(question)
    assert answer.status == "none", [h.passage.text[:60] for h in answer.hits[:1]]
    assert answer.citations == ()


def test_the_suggested_example_questions_are_not_refused(real_service: QuoteService) -> None:
    for language in ("id", "en"):
        for question in real_service.example_questions(language):
            assert real_service.ask(question).status != "none", question


def test_the_reader_marks_the_answer_in_bold(real_service: QuoteService) -> None:
    first = real_service.ask("Siapa CEO Kantor Berita Yonhap?").citations[0]
    assert first.answer is not None and first.answer.text == "Cho Sung-boo"
    assert first.quote[first.answer.start : first.answer.start + len(first.answer.text)] == "Cho Sung-boo"


@pytest.mark.parametrize("question", ["Berapa umur Vladimir Putin?", "Berapa umur Presiden Vladimir Putin?"])
def test_a_near_miss_on_topic_is_not_answered_confidently(real_service: QuoteService, question: str) -> None:
    answer = real_service.ask(question)
    assert not answer.answered and all(c.answer is None for c in answer.citations + answer.more)


def test_reader_pairs_point_at_exact_passage_text(real_service: QuoteService) -> None:
    from index.models.reader.pairs import make_pairs

    passage = real_service.stored.passages([2])[2].text
    tokenizer = real_service.answerer.profile.reader.encoder.tokenizer  # type: ignore[union-attr]
    [pair] = make_pairs(tokenizer, "Siapa CEO Yonhap?", passage)
    pieces = [passage[s:e] for s, e in (span for span in pair.spans if span is not None) if e > s]
    assert "".join(pieces).replace(" ", "") == passage.replace(" ", "")
    assert all(piece == piece.strip() and piece for piece in pieces)
    windows = make_pairs(tokenizer, "Siapa?", passage * 8, max_tokens=64)
    assert len(windows) > 1 and all(len(w.input_ids) <= 64 for w in windows)


def test_the_wording_step_lets_the_reader_read_another_inflection(real_service: QuoteService) -> None:
    reader = real_service.answerer.profile.reader
    assert isinstance(reader, TrainedReader)
    caption = "Uji coba penembakan rudal KN-23 milik Korea Utara tahun 2013."
    question = "Tahun berapa rudal KN-23 diuji coba?"
    aligned = reader.read(question, [caption])[0]
    as_asked = TrainedReader(reader.encoder, reader.head, aligns_wording=False).read(question, [caption])[0]
    assert as_asked.answerable < E5_READER_JUDGE.answerable <= aligned.answerable
    assert caption[aligned.start : aligned.end] == "tahun 2013"


def test_a_question_about_the_paragraph_after_a_caption_quotes_that_paragraph(real_service: QuoteService) -> None:
    # The best passage holds the photo caption, its "korea utara" label and the paragraph after it.
    answer = real_service.ask("Apa yang termasuk dalam langkah timbal balik yang diusulkan Moskow?")
    assert "pencabutan sebagian sanksi PBB" in answer.citations[0].quote
