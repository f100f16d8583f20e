"""Chooses what to quote from a judged passage: the sentences holding the reader's answer, or
the one sentence that answers the question best.

When the reader is sure of its span, the quote is the sentences holding it, the span marked.
Otherwise (a question a whole sentence answers, or the closest passages) it is the passage's
sentence where the reader looks for the answer (its start and end probabilities summed over
the sentence) and that the embedding model finds closest to the question, the two mixed.
Lines of a few words are labels (a photo's alt-text heading such as "korea utara"), never
chosen: the embedding model finds them close to any question naming the same thing. Without
a reading (a model the reader was not trained on), the sentence holding most of the
question's words (IDF-weighted) is quoted, with neighbours that match nearly as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.answering.judge import Judged
from index.models.reader import Reading
from index.text.articles import Article
from index.text.lexical import LexicalIndex
from index.text.passages import Passage, Sentence

# A neighbouring sentence joins a lexical quote only when it matches nearly as well as the best.
NEIGHBOUR_SHARE = 0.75
# A line this short is a label, not a quote.
LABEL_MAX_WORDS = 3


@dataclass(frozen=True)
class Quote:
    """An exact slice `article.text[start:end]` of whole sentences of one paragraph, and the
    answer inside it (article offsets) when the reader is sure enough to point at it."""

    judged: Judged
    paragraph: int
    start: int
    end: int
    answer: tuple[int, int] | None


def quote_span(judged: Judged, article: Article) -> Quote:
    """The sentences of one paragraph that hold the reader's span, the span marked."""
    reading, passage = judged.reading, judged.hit.passage
    assert reading is not None and reading.end > reading.start, "only a reading with a span is marked"
    start, end = passage.start + reading.start, passage.start + reading.end
    sentences = [s for s in passage.sentences if s.start < end and start < s.end]
    sentences = [s for s in sentences if s.paragraph == sentences[0].paragraph]
    answer = (start, end) if sentences[0].start <= start and end <= sentences[-1].end else None
    return Quote(judged, sentences[0].paragraph, sentences[0].start, sentences[-1].end, answer)


def quote_sentence(
    judged: Judged,
    article: Article,
    terms: tuple[str, ...],
    lexical: LexicalIndex,
    closeness: np.ndarray | None,
    reader_share: float,
) -> Quote:
    """The passage's one sentence best by the reader's attention (`reader_share` of the score)
    and by its cosine with the question (`closeness`, one per sentence of the passage, when
    given); by the question's words when the passage was not read."""
    passage = judged.hit.passage
    if judged.reading is None:
        sentences = _lexical_sentences(passage, article, terms, lexical)
        return Quote(judged, sentences[0].paragraph, sentences[0].start, sentences[-1].end, None)
    scores = reader_share * _attention(passage, judged.reading)
    if closeness is not None:
        scores = scores + (1 - reader_share) * closeness
    labels = [len(article.text[s.start : s.end].split()) <= LABEL_MAX_WORDS for s in passage.sentences]
    if not all(labels):
        scores = np.where(labels, -np.inf, scores)
    best = passage.sentences[int(np.argmax(scores))]
    return Quote(judged, best.paragraph, best.start, best.end, None)


def _attention(passage: Passage, reading: Reading) -> np.ndarray:
    """For each sentence of the passage, the reader's probability that the answer starts or
    ends inside it (the mean of the two, summed over its tokens)."""
    mass = np.zeros(len(passage.sentences))
    for start, end, probability in reading.token_mass:
        for i, sentence in enumerate(passage.sentences):
            if passage.start + start < sentence.end and sentence.start < passage.start + end:
                mass[i] += probability
                break
    return mass


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
