"""Chooses what to quote from a judged passage: the sentences holding the reader's answer.

Without a reading (a model the reader was not trained on), the sentence holding most of the
question's words (IDF-weighted) is quoted, with neighbours that match nearly as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.articles import Article
from index.judge import Judged
from index.lexical import LexicalIndex
from index.passages import Passage, Sentence

# A neighbouring sentence joins a lexical quote only when it matches nearly as well as the best.
NEIGHBOUR_SHARE = 0.75


@dataclass(frozen=True)
class Quote:
    """An exact slice `article.text[start:end]` of whole sentences of one paragraph, and the
    answer inside it (article offsets) when the reader is confident enough to point at it."""

    judged: Judged
    paragraph: int
    start: int
    end: int
    answer: tuple[int, int] | None


def choose_quote(
    judged: Judged, article: Article, terms: tuple[str, ...], lexical: LexicalIndex, span_probability: float
) -> Quote:
    """The quote for `judged`; the answer is marked when its span probability reaches `span_probability`."""
    passage = judged.hit.passage
    reading = judged.reading
    if reading is None or reading.end <= reading.start:
        sentences = _lexical_sentences(passage, article, terms, lexical)
        return Quote(judged, sentences[0].paragraph, sentences[0].start, sentences[-1].end, None)
    start, end = passage.start + reading.start, passage.start + reading.end
    sentences = [s for s in passage.sentences if s.start < end and start < s.end] or list(passage.sentences[:1])
    sentences = [s for s in sentences if s.paragraph == sentences[0].paragraph]
    quote_start, quote_end = sentences[0].start, sentences[-1].end
    confident = reading.span_probability >= span_probability and quote_start <= start and end <= quote_end
    return Quote(judged, sentences[0].paragraph, quote_start, quote_end, (start, end) if confident else None)


def _lexical_sentences(
    passage: Passage, article: Article, terms: tuple[str, ...], lexical: LexicalIndex
) -> list[Sentence]:
    """The passage's best sentence by question words and its matching neighbours, in one
    paragraph; the first paragraph whole when no sentence holds a question word."""
    scores = lexical.coverage(terms, [article.text[s.start : s.end] for s in passage.sentences])
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        first = passage.sentences[0].paragraph
        return [s for s in passage.sentences if s.paragraph == first]
    chosen = [best]
    for step in (-1, 1):
        i = best + step
        while (
            0 <= i < len(scores)
            and passage.sentences[i].paragraph == passage.sentences[best].paragraph
            and scores[i] >= NEIGHBOUR_SHARE * scores[best]
        ):
            chosen.append(i)
            i += step
    return [passage.sentences[i] for i in sorted(chosen)]
