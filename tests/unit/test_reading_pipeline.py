"""Search, read, judge, quote, compose with a deterministic reader over the real seed article."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.service import QuoteService
from bot.settings import Settings
from index.answering.judge import ReaderJudge
from index.answering.profile import E5_READER_JUDGE, LEXICAL_RETRIEVAL_RULE, ModelProfile
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_reader import FakeReader

# The fake embedder's cosines mean nothing against e5's background passages: the gate on words;
# and nothing about sentences: the reader's attention has its say in choosing one.
WORD_GATE_JUDGE: ReaderJudge = replace(E5_READER_JUDGE, on_topic=LEXICAL_RETRIEVAL_RULE, sentence_mass=0.5)


def open_service(settings: Settings, reader: FakeReader, judge: ReaderJudge = WORD_GATE_JUDGE) -> QuoteService:
    return QuoteService.open(settings, FakeEmbedder(), profile=ModelProfile(reader, judge, LEXICAL_RETRIEVAL_RULE))[0]


def test_the_answer_is_marked_inside_an_exact_quote(settings: Settings) -> None:
    service = open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.9)}))
    answer = service.ask("Siapa CEO Kantor Berita Yonhap?")
    first = answer.citations[0]
    assert answer.answered and first.answer is not None
    assert first.answer.text == "Cho Sung-boo"
    assert first.quote[first.answer.start :].startswith("Cho Sung-boo")
    assert service.stored.articles[first.article_id].text[first.start : first.end] == first.quote
    assert first.paragraph == 3


def test_the_passage_the_reader_answers_from_is_quoted_first(settings: Settings) -> None:
    reader = FakeReader({"pertemuan virtual": (0.9, 0.8)})
    service = open_service(settings, reader)
    question = "Apa kata Putin tentang Korea Utara?"
    retrieved_first = service.answerer.searcher.search(question, settings.top_k).hits[0].passage.text
    assert "pertemuan virtual" not in retrieved_first  # retrieval alone would quote another passage first
    answer = service.ask(question)
    assert answer.answered  # what Putin said: his sentence is the answer, nothing marked
    assert "pertemuan virtual" in answer.citations[0].quote and answer.citations[0].answer is None
    assert answer.citations[0].paragraph == 2


def test_a_near_miss_the_reader_finds_no_answer_in_gets_the_closest_passages_unmarked(settings: Settings) -> None:
    reader = FakeReader({})
    service = open_service(settings, reader)
    answer = service.ask("Berapa umur Presiden Vladimir Putin di forum ekonomi St. Petersburg?")
    assert answer.status == "closest" and not answer.answered
    assert 1 <= len(answer.citations) <= 2 and all(c.answer is None for c in answer.citations + answer.more)
    assert reader.read_calls, "on topic: the gate let it through to the reader"
    assert len(reader.read_calls[0][1]) <= WORD_GATE_JUDGE.read_depth


def test_off_topic_questions_are_declined_before_reading(settings: Settings) -> None:
    reader = FakeReader({"Cho Sung-boo": (0.95, 0.9)})
    answer = open_service(settings, reader).ask("Bagaimana cara membuat rendang padang yang empuk?")
    assert answer.status == "none" and answer.citations == () and answer.more == ()
    assert reader.read_calls == []


def test_an_unsure_span_shows_its_sentence_as_the_closest_passage(settings: Settings) -> None:
    answer = open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.05)})).ask("Siapa CEO Kantor Berita Yonhap?")
    assert answer.status == "closest"
    assert "Cho Sung-boo" in answer.citations[0].quote and answer.citations[0].answer is None


def test_a_question_a_sentence_answers_is_answered_by_that_sentence(settings: Settings) -> None:
    question = "Apakah Putin membuat pernyataan dalam pertemuan dengan kepala kantor berita global?"
    answer = open_service(settings, FakeReader({"pertemuan virtual": (0.9, 0.2)})).ask(question)
    assert answer.status == "answered"
    assert "pertemuan virtual" in answer.citations[0].quote and answer.citations[0].answer is None
    doubted = open_service(settings, FakeReader({"pertemuan virtual": (0.2, 0.2)})).ask(question)
    assert doubted.status == "closest" and "pertemuan virtual" in doubted.citations[0].quote


def test_passages_without_an_answer_are_offered_as_more_not_cited(settings: Settings) -> None:
    service = open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.9)}))
    answer = service.ask("Siapa CEO Kantor Berita Yonhap yang bertanya kepada Putin tentang nuklir?")
    assert answer.answered and len(answer.citations) == 1 and answer.more
    assert [c.n for c in answer.citations + answer.more] == list(range(1, len(answer.more) + 2))


def test_an_answer_across_two_sentences_quotes_both(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.md").write_text(
        "---\ntitle: Banjir\n---\nBanjir merendam Bekasi. Warga mengungsi ke masjid. Bantuan datang sore hari.\n",
        encoding="utf-8",
    )
    settings = Settings(seeds_dir=seeds, data_dir=tmp_path / "data")
    service = open_service(settings, FakeReader({"Bekasi. Warga": (0.9, 0.9)}))
    first = service.ask("Banjir merendam mana, warga mengungsi ke mana?").citations[0]
    assert first.quote == "Banjir merendam Bekasi. Warga mengungsi ke masjid."
    assert first.answer is not None and first.answer.text == "Bekasi. Warga"


@pytest.mark.parametrize("question", ["", "   "])
def test_a_service_without_reader_still_answers_with_words(settings: Settings, question: str) -> None:
    service = QuoteService.open(settings, FakeEmbedder())[0]
    assert service.answerer.profile.reader is None
    answer = service.ask("Putin menyalahkan Amerika Serikat atas kebuntuan negosiasi nuklir" + question)
    assert answer.citations[0].quote.startswith("Vladimir Putin menyalahkan Amerika Serikat (AS)")
    assert answer.citations[0].answer is None


def test_a_further_quote_marks_an_answer_only_where_the_reader_found_one(settings: Settings) -> None:
    question = "Siapa CEO Kantor Berita Yonhap, dan kantor berita mana yang hadir?"
    spans = {"Cho Sung-boo": (0.95, 0.9), "Kyodo": (0.05, 0.9)}  # Kyodo's span is sure, its passage doubted
    answer = open_service(settings, FakeReader(spans)).ask(question)
    shown = {c.answer.text if c.answer else None: c for c in answer.citations + answer.more}
    assert answer.citations[0].answer is not None and answer.citations[0].answer.text == "Cho Sung-boo"
    assert "Kyodo" not in shown
    assert any("Kyodo" in c.quote for c in answer.citations + answer.more)  # quoted, not marked
    answer = open_service(settings, FakeReader({**spans, "Kyodo": (0.6, 0.9)})).ask(question)
    assert "Kyodo" in {c.answer.text for c in answer.citations + answer.more if c.answer}


def test_the_embedding_model_is_asked_once_about_the_first_passages_sentences(settings: Settings) -> None:
    service = open_service(settings, FakeReader({}))
    built = len(service.embedder.document_batches)  # type: ignore[attr-defined]
    answered = service.answerer.answer("Siapa CEO Kantor Berita Yonhap yang bertanya kepada Putin tentang nuklir?")
    asked = service.embedder.document_batches[built:]  # type: ignore[attr-defined]
    first = answered.verdict.ranked[:3]
    assert answered.outcome == "closest" and len(asked) == 1
    assert len(asked[0]) == sum(len(j.hit.passage.sentences) for j in first)
