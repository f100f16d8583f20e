"""Composes an answer from search hits: which passages to cite and which sentences to quote (no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.articles import Article
from index.lexical import LexicalIndex
from index.passages import Passage, Sentence
from index.relevance import DeclineRule
from index.search import Hit, SearchResult

MAX_QUOTES = 3
MORE_QUOTES = 3
# A further passage is cited only when it scores close to the best one; weaker ones are
# offered behind the "more sources" button instead of diluting the answer.
RELATIVE_CUTOFF = 0.75
# A neighbouring sentence joins the quote only when it matches nearly as well as the best one.
NEIGHBOUR_SHARE = 0.75
# Below this share of the question's words in the best passage (another language, a
# paraphrase), words cannot tell which sentence answers: the model compares the sentences.
# Questions in the article's language rarely get here, so they pay no extra encoding.
LEXICAL_CONFIDENCE = 0.5
# Embeds sentences the way passages are embedded, for comparison with the question.
SentenceEncoder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Citation:
    """One quote shown to the user: an exact slice of an article's text."""

    n: int
    article_id: str
    title: str
    url: str | None
    paragraph: int
    passage_id: str
    quote: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    """What the user is shown for one question, plus the hits behind it."""

    question: str
    answered: bool
    citations: tuple[Citation, ...]
    more: tuple[Citation, ...]
    hits: tuple[Hit, ...]


def compose_answer(
    result: SearchResult,
    articles: dict[str, Article],
    lexical: LexicalIndex,
    decline: DeclineRule,
    encode: SentenceEncoder | None = None,
    max_quotes: int = MAX_QUOTES,
) -> Answer:
    """Cite the best passages of `result`, or decline when they do not hold the answer."""
    if not decline.answers(result, lexical):
        return Answer(result.question, False, (), (), result.hits)
    best = result.hits[0].score
    closest = _closest_sentences(result, articles, lexical, encode)
    cited: list[Citation] = []
    more: list[Citation] = []
    for hit in result.hits:
        target = cited if hit.score >= RELATIVE_CUTOFF * best and len(cited) < max_quotes else more
        if target is more and len(more) >= MORE_QUOTES:
            break
        citation = _cite(hit, articles[hit.passage.article_id], result.terms, lexical, closest.get(hit.rank))
        if not any(_overlaps(citation, other) for other in cited + more):
            target.append(citation)
    numbered = [_renumber(c, n) for n, c in enumerate(cited + more, start=1)]
    return Answer(result.question, True, tuple(numbered[: len(cited)]), tuple(numbered[len(cited):]), result.hits)


def group_by_article(citations: tuple[Citation, ...]) -> list[tuple[Citation, list[Citation]]]:
    """Citations grouped per article, in order of first citation: (first, all of that article)."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.article_id, []).append(citation)
    return [(cited[0], cited) for cited in groups.values()]


def _closest_sentences(
    result: SearchResult, articles: dict[str, Article], lexical: LexicalIndex, encode: SentenceEncoder | None
) -> dict[int, int]:
    """For a question whose words the best passage barely holds (another language, a
    paraphrase): each hit's sentence closest to it, by the model, encoded in one batch."""
    top = result.hits[0].passage
    if encode is None or lexical.coverage(result.terms, [top.text])[0] >= LEXICAL_CONFIDENCE:
        return {}
    texts = [articles[h.passage.article_id].text[s.start : s.end] for h in result.hits for s in h.passage.sentences]
    cosines = result.similarity(encode(texts))
    closest: dict[int, int] = {}
    offset = 0
    for hit in result.hits:
        count = len(hit.passage.sentences)
        closest[hit.rank] = int(np.argmax(cosines[offset : offset + count]))
        offset += count
    return closest


def _cite(
    hit: Hit, article: Article, terms: tuple[str, ...], lexical: LexicalIndex, closest: int | None
) -> Citation:
    sentences = _quoted_sentences(hit.passage, article, terms, lexical, closest)
    start, end = sentences[0].start, sentences[-1].end
    return Citation(0, article.id, article.title, article.url, sentences[0].paragraph,
                    hit.passage.id, article.text[start:end], start, end, hit.score)


def _quoted_sentences(
    passage: Passage, article: Article, terms: tuple[str, ...], lexical: LexicalIndex, closest: int | None
) -> list[Sentence]:
    """The passage's best sentence and its matching neighbours, all in one paragraph.

    Sentences are scored by the IDF-weighted share of the question's terms they contain,
    unless the model already chose the sentence closest to the question (`closest`). Without
    either, the passage's first paragraph is quoted whole, since the passage matched as a whole.
    """
    if closest is not None:
        return [passage.sentences[closest]]
    scores = lexical.coverage(terms, [article.text[s.start : s.end] for s in passage.sentences])
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        first = passage.sentences[0].paragraph
        return [s for s in passage.sentences if s.paragraph == first]
    chosen = [best]
    for step in (-1, 1):
        i = best + step
        while 0 <= i < len(scores) and passage.sentences[i].paragraph == passage.sentences[best].paragraph \
                and scores[i] >= NEIGHBOUR_SHARE * scores[best]:
            chosen.append(i)
            i += step
    return [passage.sentences[i] for i in sorted(chosen)]


def _overlaps(a: Citation, b: Citation) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


def _renumber(citation: Citation, n: int) -> Citation:
    return replace(citation, n=n)
