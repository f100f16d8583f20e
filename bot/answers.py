"""Composes an answer from search hits: which passages to cite and which sentences to quote (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from index.articles import Article
from index.lexical import LexicalIndex, tokenize
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
    max_quotes: int = MAX_QUOTES,
) -> Answer:
    """Cite the best passages of `result`, or decline when they do not hold the answer."""
    if not decline.answers(result, lexical):
        return Answer(result.question, False, (), (), result.hits)
    best = result.hits[0].score
    cited: list[Citation] = []
    more: list[Citation] = []
    for hit in result.hits:
        target = cited if hit.score >= RELATIVE_CUTOFF * best and len(cited) < max_quotes else more
        if target is more and len(more) >= MORE_QUOTES:
            break
        citation = _cite(hit, articles[hit.passage.article_id], result.terms, lexical, 0)
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


def _cite(hit: Hit, article: Article, terms: tuple[str, ...], lexical: LexicalIndex, n: int) -> Citation:
    sentences = _quoted_sentences(hit.passage, article, terms, lexical)
    start, end = sentences[0].start, sentences[-1].end
    return Citation(n, article.id, article.title, article.url, sentences[0].paragraph,
                    hit.passage.id, article.text[start:end], start, end, hit.score)


def _quoted_sentences(
    passage: Passage, article: Article, terms: tuple[str, ...], lexical: LexicalIndex
) -> list[Sentence]:
    """The passage's best sentence and its matching neighbours, all in one paragraph.

    Sentences are scored by the IDF-weighted share of the question's terms they contain;
    without any shared term (a question in another language) the passage's first
    paragraph is quoted whole, since the passage matched as a whole.
    """
    weights = {term: lexical.idf(term) for term in set(terms)}
    total = sum(weights.values()) or 1.0
    scores = [
        sum(weights[t] for t in set(tokenize(article.text[s.start : s.end])) if t in weights) / total
        for s in passage.sentences
    ]
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
