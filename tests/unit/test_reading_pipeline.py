"""Search, read, judge, quote, compose with a deterministic reader over the real seed article."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers import compose_answer
from bot.service import QuoteService
from bot.settings import Settings
from index.answering.gate import READER_ONLY, RetrievalRule
from index.answering.judge import NO_STANDOUT, ReaderJudge, Standout
from index.answering.profile import E5_READER_JUDGE, LEXICAL_RETRIEVAL_RULE, ModelProfile
from index.models.reader import Reading
from index.text.passages import Passage
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_reader import FakeReader

# The fake embedder's cosines mean nothing against e5's background passages: rules on words.
WORD_GATE_JUDGE: ReaderJudge = replace(
    E5_READER_JUDGE,
    on_topic=LEXICAL_RETRIEVAL_RULE,
    retrieval_for_familiar=READER_ONLY,
    retrieval_for_unfamiliar=LEXICAL_RETRIEVAL_RULE,
)
# A familiar question the reader doubts may still pass when its best passage holds every word.
EVERY_WORD_RULE = RetrievalRule(contrast=math.inf, covered_contrast=-math.inf)


def open_service(settings: Settings, reader: FakeReader, judge: ReaderJudge = WORD_GATE_JUDGE) -> QuoteService:
    return QuoteService.open(settings, FakeEmbedder(), profile=ModelProfile(reader, judge, LEXICAL_RETRIEVAL_RULE))[0]


def without_paragraph_check(service: QuoteService) -> QuoteService:
    """The same index and profile, answering without checking an unsure span's paragraph."""
    options = replace(service.answerer.options, checks_paragraphs=False)
    return QuoteService(service.stored, service.embedder, options, service.answerer.profile)


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
    assert answer.citations[0].answer is not None
    assert answer.citations[0].answer.text == "pertemuan virtual"
    assert answer.citations[0].paragraph == 2


def test_a_near_miss_the_reader_finds_no_answer_in_is_declined(settings: Settings) -> None:
    reader = FakeReader({})
    service = open_service(settings, reader)
    answer = service.ask("Berapa umur Presiden Vladimir Putin di forum ekonomi St. Petersburg?")
    assert not answer.answered and answer.citations == ()
    assert reader.read_calls, "on topic: the gate let it through to the reader"
    assert len(reader.read_calls[0][1]) <= WORD_GATE_JUDGE.read_depth


def test_off_topic_questions_are_declined_before_reading(settings: Settings) -> None:
    reader = FakeReader({"Cho Sung-boo": (0.95, 0.9)})
    answer = open_service(settings, reader).ask("Bagaimana cara membuat rendang padang yang empuk?")
    assert not answer.answered
    assert reader.read_calls == []


def test_an_unsure_span_shows_the_quote_without_marking_it(settings: Settings) -> None:
    # The fake embedder's closeness would choose the paragraph.
    service = without_paragraph_check(open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.05)})))
    first = service.ask("Siapa CEO Kantor Berita Yonhap?").citations[0]
    assert "Cho Sung-boo" in first.quote and first.answer is None


def test_passages_without_an_answer_are_offered_as_more_not_cited(settings: Settings) -> None:
    service = open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.9)}))
    answer = service.ask("Siapa CEO Kantor Berita Yonhap yang bertanya kepada Putin tentang nuklir?")
    assert len(answer.citations) == 1 and answer.more
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


@pytest.mark.parametrize(
    "question",
    ["Apa kata Putin tentang sanksi terhadap Korea Utara?", "Is it Vladimir Putin who was on the Korea Utara sanksi?"],
)
def test_questions_unlike_the_readers_training_may_pass_on_retrieval(settings: Settings, question: str) -> None:
    reader = FakeReader({})  # the reader finds no answer anywhere
    answer = open_service(settings, reader).ask(question)
    assert reader.read_calls and answer.answered
    assert answer.citations[0].answer is None


def test_a_factoid_question_in_the_articles_language_is_left_to_the_reader(settings: Settings) -> None:
    answer = open_service(settings, FakeReader({})).ask("Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?")
    assert not answer.answered


def test_a_factoid_question_whose_every_word_the_best_passage_holds_may_pass_on_retrieval(
    settings: Settings,
) -> None:
    service = open_service(settings, FakeReader({}), replace(WORD_GATE_JUDGE, retrieval_for_familiar=EVERY_WORD_RULE))
    question = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
    answer = service.ask(question)
    assert answer.answered
    assert answer.citations[0].quote in service.answerer.searcher.search(question, settings.top_k).hits[0].passage.text
    assert all(c.answer is None for c in answer.citations + answer.more)  # the reader found no sure span
    near_miss = service.ask("Berapa umur Vladimir Putin saat menyalahkan Amerika Serikat?")
    assert not near_miss.answered  # "umur" is nowhere in the article


def test_a_passage_read_far_above_the_others_answers_below_the_bar(settings: Settings) -> None:
    question = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
    doubted = FakeReader({"Amerika Serikat (AS)": (0.2, 0.9)})  # under the 0.3 bar, ten times the rest
    assert not open_service(settings, doubted, replace(WORD_GATE_JUDGE, standout=NO_STANDOUT)).ask(question).answered
    judge = replace(WORD_GATE_JUDGE, standout=Standout(answerable=0.15, ratio=5.0))
    answer = open_service(settings, doubted, judge).ask(question)
    assert answer.answered and answer.citations[0].answer is not None
    assert answer.citations[0].answer.text == "Amerika Serikat (AS)"
    alike = FakeReader({"Putin": (0.2, 0.9)})  # several passages read alike: none stands out
    assert not open_service(settings, alike, judge).ask(question).answered


def window(start: int, end: int, article_id: str = "a") -> Passage:
    return Passage(f"{article_id}:{start}", article_id, 1, 1, start, end, "x" * (end - start), ())


def test_a_passage_stands_out_only_from_passages_that_do_not_share_its_text() -> None:
    standout = Standout(answerable=0.1, ratio=3.0)
    sure, doubted = Reading(0.2, 0, 1, 0.9), Reading(0.05, 0, 1, 0.9)
    assert standout.holds([(window(0, 10), sure), (window(20, 30), doubted)])
    assert not standout.holds([(window(0, 10), sure), (window(20, 30), Reading(0.07, 0, 1, 0.9))])
    assert not standout.holds([(window(0, 10), sure)])  # nothing to stand out from
    # An overlapping window holds the same answer: it is not another passage to stand out from.
    assert not standout.holds([(window(0, 10), sure), (window(5, 15), sure)])
    assert standout.holds([(window(0, 10), sure), (window(5, 15), sure), (window(0, 10, "b"), doubted)])
    assert not NO_STANDOUT.holds([(window(0, 10), Reading(0.99, 0, 1, 0.9)), (window(20, 30), doubted)])


def test_a_further_quote_marks_an_answer_only_where_the_reader_found_one(settings: Settings) -> None:
    question = "Siapa CEO Kantor Berita Yonhap, dan kantor berita mana yang hadir?"
    spans = {"Cho Sung-boo": (0.95, 0.9), "Kyodo": (0.05, 0.9)}  # Kyodo's span is sure, its passage doubted
    answer = open_service(settings, FakeReader(spans)).ask(question)
    shown = {c.answer.text if c.answer else None: c for c in answer.citations + answer.more}
    assert answer.citations[0].answer is not None and answer.citations[0].answer.text == "Cho Sung-boo"
    assert "Kyodo" not in shown
    assert any("Kyodo" in c.quote for c in answer.citations + answer.more)  # quoted, not marked
    answer = open_service(settings, FakeReader({**spans, "Kyodo": (0.5, 0.9)})).ask(question)
    assert "Kyodo" in {c.answer.text for c in answer.citations + answer.more if c.answer}


def test_only_quotes_that_may_show_an_answer_ask_the_embedding_model_about_paragraphs(settings: Settings) -> None:
    sure = open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.9)}))
    encoded = sure.embedder.documents_encoded  # type: ignore[attr-defined]
    answer = sure.ask("Siapa CEO Kantor Berita Yonhap yang bertanya kepada Putin tentang nuklir?")
    assert answer.more and sure.embedder.documents_encoded == encoded  # type: ignore[attr-defined]

    unsure = open_service(settings, FakeReader({"Cho Sung-boo": (0.95, 0.05)}))
    built = len(unsure.embedder.document_batches)  # type: ignore[attr-defined]
    answered = unsure.answerer.answer("Siapa CEO Kantor Berita Yonhap yang bertanya kepada Putin tentang nuklir?")
    asked = unsure.embedder.document_batches[built:]  # type: ignore[attr-defined]
    answer, ranked = compose_answer(answered, unsure.stored.articles), answered.verdict.ranked
    may_answer = [
        judged
        for rank, judged in enumerate(ranked)
        if (rank == 0 or "Cho Sung-boo" in judged.hit.passage.text)
        and len({sentence.paragraph for sentence in judged.hit.passage.sentences}) > 1
    ]
    assert answer.more and len(ranked) > len(may_answer) > 0
    assert len(asked) == len(may_answer)  # not the further passages the reader found no answer in
