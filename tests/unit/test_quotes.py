"""Which sentences are quoted from a judged passage, and when the embedding model has a say."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.answering.judge import Judged
from index.answering.quotes import choose_quote
from index.answering.search import Hit
from index.models.reader import Reading
from index.text.articles import Article
from index.text.lexical import Bm25Index
from index.text.passages import split_passages

# A caption and the paragraph after it, as a news window holds them.
TEXT = (
    "Uji coba rudal KN-23 tahun 2013. (Sumber: Rodong Sinmun)\n"
    "Moskow memilih pendekatan bertahap. Langkah timbal balik termasuk pencabutan sebagian sanksi PBB."
)
ARTICLE = Article(id="a", title="Rudal", text=TEXT)
PASSAGE = split_passages(ARTICLE, lambda text: len(text.split()))[0]
LEXICAL = Bm25Index.build([TEXT])
CAPTION = "Uji coba rudal KN-23 tahun 2013. (Sumber: Rodong Sinmun)"
SANCTIONS = "Langkah timbal balik termasuk pencabutan sebagian sanksi PBB."


def judged_at(phrase: str, span_probability: float) -> Judged:
    start = TEXT.index(phrase)
    reading = Reading(0.8, start, start + len(phrase), span_probability)
    return Judged(Hit(1, PASSAGE, 1.0, 1.0, 1.0), reading, 1.0)


class Closeness:
    """Closer the more of `words` a text holds; records what it was asked."""

    def __init__(self, *words: str) -> None:
        self.words = words
        self.asked: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([sum(word in text for word in self.words) / (1 + len(text) / 1000) for text in texts])


def quoted(judged: Judged, closeness: Closeness | None, cut: float = 0.1, sure: float = 0.5) -> tuple[str, object]:
    quote = choose_quote(judged, ARTICLE, ("sanksi",), LEXICAL, cut, sure, closeness)
    return TEXT[quote.start : quote.end], quote.answer


def span_of(phrase: str) -> tuple[int, int]:
    return TEXT.index(phrase), TEXT.index(phrase) + len(phrase)


def test_the_passage_runs_over_the_caption_and_the_next_paragraph() -> None:
    assert {sentence.paragraph for sentence in PASSAGE.sentences} == {1, 2}


def test_an_unsure_span_in_a_paragraph_far_from_the_question_quotes_the_closest_paragraph() -> None:
    closeness = Closeness("timbal balik", "sanksi")
    quote, answer = quoted(judged_at("Rodong Sinmun", 0.04), closeness)
    assert quote == SANCTIONS and answer is None
    assert len(closeness.asked) == 1  # paragraphs and sentences in one call


def test_an_unsure_span_in_the_closest_paragraph_keeps_the_readers_sentence() -> None:
    quote, answer = quoted(judged_at("pendekatan bertahap", 0.04), Closeness("Moskow"))
    assert quote == "Moskow memilih pendekatan bertahap." and answer is None


def test_a_sure_span_is_quoted_and_marked_without_asking() -> None:
    closeness = Closeness("timbal balik")
    quote, answer = quoted(judged_at("tahun 2013", 0.9), closeness)
    assert quote == CAPTION and answer == span_of("tahun 2013")
    assert closeness.asked == []


def test_a_marked_span_below_the_sure_bar_is_checked_and_unmarked_where_it_moves() -> None:
    judged = judged_at("Rodong Sinmun", 0.3)  # probable enough to mark, not sure enough to trust
    assert quoted(judged, Closeness("timbal balik", "sanksi")) == (SANCTIONS, None)
    assert quoted(judged, Closeness("Rodong", "Sumber")) == (CAPTION, span_of("Rodong Sinmun"))
    assert quoted(judged, Closeness("timbal balik", "sanksi"), sure=0.3) == (CAPTION, span_of("Rodong Sinmun"))


def test_without_closeness_an_unsure_span_keeps_the_readers_sentence() -> None:
    quote, answer = quoted(judged_at("Rodong Sinmun", 0.04), None)
    assert quote == CAPTION and answer is None


def test_a_passage_of_one_paragraph_never_asks() -> None:
    article = Article(id="b", title="Banjir", text="Banjir merendam Bekasi. Warga mengungsi ke masjid.")
    passage = split_passages(article, lambda text: len(text.split()))[0]
    judged = Judged(Hit(1, passage, 1.0, 1.0, 1.0), Reading(0.8, 0, 6, 0.01), 1.0)
    closeness = Closeness("masjid")
    quote = choose_quote(judged, article, (), Bm25Index.build([article.text]), 0.1, 0.5, closeness)
    assert article.text[quote.start : quote.end] == "Banjir merendam Bekasi." and closeness.asked == []


def test_a_label_line_is_never_the_closest_paragraph() -> None:
    text = "korea utara\nUji coba rudal KN-23 tahun 2013.\nMoskow memilih pendekatan bertahap."
    article = Article(id="c", title="Rudal", text=text)
    passage = split_passages(article, lambda text: len(text.split()))[0]
    start = text.index("Moskow")
    judged = Judged(Hit(1, passage, 1.0, 1.0, 1.0), Reading(0.8, start, start + 6, 0.01), 1.0)
    closeness = Closeness("korea", "utara", "Uji coba")
    quote = choose_quote(judged, article, (), Bm25Index.build([text]), 0.1, 0.5, closeness)
    assert article.text[quote.start : quote.end] == "Uji coba rudal KN-23 tahun 2013."
    assert "korea utara" not in closeness.asked[0]
