"""Which sentences are quoted from a judged passage: the reader's marked span, or the best sentence."""

from __future__ import annotations

import numpy as np

from index.answering.judge import Judged
from index.answering.quotes import quote_sentence, quote_span
from index.answering.search import Hit
from index.models.reader import Reading
from index.text.articles import Article
from index.text.lexical import Bm25Index
from index.text.passages import Passage, split_passages

# A caption and the paragraph after it, as a news window holds them.
TEXT = (
    "Uji coba rudal KN-23 tahun 2013. (Sumber: Rodong Sinmun)\n"
    "Moskow memilih pendekatan bertahap. Langkah timbal balik termasuk pencabutan sebagian sanksi PBB."
)
ARTICLE = Article(id="a", title="Rudal", text=TEXT)
PASSAGE = split_passages(ARTICLE, lambda text: len(text.split()))[0]
LEXICAL = Bm25Index.build([TEXT])
CAPTION = "Uji coba rudal KN-23 tahun 2013. (Sumber: Rodong Sinmun)"
MOSCOW = "Moskow memilih pendekatan bertahap."
SANCTIONS = "Langkah timbal balik termasuk pencabutan sebagian sanksi PBB."


def judged_at(phrase: str, span_probability: float, passage: Passage = PASSAGE) -> Judged:
    """A reading of `passage` whose span, and attention, is `phrase`."""
    start = passage.text.index(phrase)
    end = start + len(phrase)
    reading = Reading(0.8, start, end, span_probability, ((start, end, 1.0),))
    return Judged(Hit(1, passage, 1.0, 1.0, 1.0), reading, 1.0)


def sentence_of(judged: Judged, cosines: list[float] | None, reader_share: float) -> str:
    closeness = np.array(cosines) if cosines is not None else None
    quote = quote_sentence(judged, ARTICLE, ("sanksi",), LEXICAL, closeness, reader_share)
    assert quote.answer is None
    return TEXT[quote.start : quote.end]


def test_the_passage_runs_over_the_caption_and_the_next_paragraph() -> None:
    assert [TEXT[s.start : s.end] for s in PASSAGE.sentences] == [CAPTION, MOSCOW, SANCTIONS]
    assert {sentence.paragraph for sentence in PASSAGE.sentences} == {1, 2}


def test_a_sure_span_is_quoted_with_its_sentence_and_marked() -> None:
    quote = quote_span(judged_at("tahun 2013", 0.9), ARTICLE)
    assert TEXT[quote.start : quote.end] == CAPTION
    assert quote.answer == (TEXT.index("tahun 2013"), TEXT.index("tahun 2013") + len("tahun 2013"))


def test_a_span_across_two_sentences_of_a_paragraph_quotes_both() -> None:
    quote = quote_span(judged_at("bertahap. Langkah", 0.9), ARTICLE)
    assert TEXT[quote.start : quote.end] == f"{MOSCOW} {SANCTIONS}"


def test_the_sentence_the_reader_looks_at_is_quoted_when_it_alone_decides() -> None:
    assert sentence_of(judged_at("pendekatan bertahap", 0.04), [0.9, 0.1, 0.5], reader_share=1.0) == MOSCOW


def test_the_sentence_closest_to_the_question_is_quoted_when_the_embedding_model_decides() -> None:
    assert sentence_of(judged_at("pendekatan bertahap", 0.04), [0.1, 0.2, 0.9], reader_share=0.0) == SANCTIONS


def test_the_reader_and_the_embedding_model_are_mixed() -> None:
    judged = judged_at("pendekatan bertahap", 0.04)
    assert sentence_of(judged, [0.80, 0.80, 0.85], reader_share=0.1) == MOSCOW  # 0.1 + 0.72 > 0.765
    assert sentence_of(judged, [0.80, 0.80, 0.95], reader_share=0.1) == SANCTIONS


def test_a_label_line_is_never_quoted() -> None:
    text = "korea utara\nUji coba rudal KN-23 tahun 2013.\nMoskow memilih pendekatan bertahap."
    article = Article(id="c", title="Rudal", text=text)
    passage = split_passages(article, lambda text: len(text.split()))[0]
    judged = judged_at("korea utara", 0.01, passage)
    quote = quote_sentence(judged, article, (), Bm25Index.build([text]), np.array([0.99, 0.5, 0.4]), 0.5)
    assert text[quote.start : quote.end] == "Uji coba rudal KN-23 tahun 2013."


def test_an_unread_passage_is_quoted_by_the_questions_words() -> None:
    unread = Judged(Hit(1, PASSAGE, 1.0, 1.0, 1.0), None, 1.0)
    assert sentence_of(unread, None, reader_share=0.5) == SANCTIONS
