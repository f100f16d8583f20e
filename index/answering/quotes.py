"""Chooses what to quote from a judged passage: the sentences holding the reader's answer.

When the reader is not sure of its span in a passage that runs over several paragraphs (a
caption and the paragraph after it, two short paragraphs of a news story), the paragraph
to quote is the one closest to the question by the embedding model, and the reader's
sentence (its answer marked if probable enough) is kept only if it lies there. Without a
reading (a model the reader was not trained on), the sentence holding most of the
question's words (IDF-weighted) is quoted, with neighbours that match nearly as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np

from index.answering.judge import Judged
from index.text.articles import Article
from index.text.lexical import LexicalIndex
from index.text.passages import Passage, Sentence

# A neighbouring sentence joins a lexical quote only when it matches nearly as well as the best.
NEIGHBOUR_SHARE = 0.75

# The question's cosine with each of the given texts, by the embedding model.
Closeness = Callable[[Sequence[str]], np.ndarray]
# A line this short is a label (a photo's alt-text heading such as "korea utara"), not a
# quote: the model finds it close to any question naming the same thing.
LABEL_MAX_WORDS = 3


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
    judged: Judged,
    article: Article,
    terms: tuple[str, ...],
    lexical: LexicalIndex,
    span_probability: float,
    sure_span: float,
    closeness: Closeness | None = None,
) -> Quote:
    """The quote for `judged`; the answer is marked when its span probability reaches
    `span_probability`. With `closeness`, a span less probable than `sure_span` has its
    paragraph checked against the question; the answer stays marked only where it stays quoted."""
    passage = judged.hit.passage
    reading = judged.reading
    if reading is None or reading.end <= reading.start:
        sentences = _lexical_sentences(passage, article, terms, lexical)
        return Quote(judged, sentences[0].paragraph, sentences[0].start, sentences[-1].end, None)
    start, end = passage.start + reading.start, passage.start + reading.end
    sentences = [s for s in passage.sentences if s.start < end and start < s.end] or list(passage.sentences[:1])
    sentences = [s for s in sentences if s.paragraph == sentences[0].paragraph]
    inside = sentences[0].start <= start and end <= sentences[-1].end
    confident = inside and reading.span_probability >= span_probability
    if closeness is not None and not (inside and reading.span_probability >= sure_span):
        checked = _closest_paragraph(passage, article, sentences, closeness)
        confident = confident and checked == sentences
        sentences = checked
    quote_start, quote_end = sentences[0].start, sentences[-1].end
    return Quote(judged, sentences[0].paragraph, quote_start, quote_end, (start, end) if confident else None)


def _closest_paragraph(
    passage: Passage, article: Article, chosen: list[Sentence], closeness: Closeness
) -> list[Sentence]:
    """`chosen` if it lies in the passage's paragraph closest to the question (labels aside);
    otherwise that paragraph's sentence closest to the question."""
    groups = [list(group) for _, group in groupby(passage.sentences, key=lambda s: s.paragraph)]
    paragraphs = [p for p in groups if len(article.text[p[0].start : p[-1].end].split()) > LABEL_MAX_WORDS]
    if len(paragraphs) < 2:
        return chosen
    sentences = [s for p in paragraphs for s in p]
    texts = [article.text[p[0].start : p[-1].end] for p in paragraphs]
    scores = closeness(texts + [article.text[s.start : s.end] for s in sentences])
    best = paragraphs[int(np.argmax(scores[: len(paragraphs)]))]
    if best[0].paragraph == chosen[0].paragraph:
        return chosen
    sentence_scores = scores[len(paragraphs) :]
    return [max(best, key=lambda s: sentence_scores[sentences.index(s)])]


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
