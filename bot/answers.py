"""Composes what the user is shown from the judged, quoted passages (pure: no I/O, no model)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: the question path imports the reader and the store
    from index import AnsweredQuestion, Article, FollowUp, Hit, Quote

MAX_QUOTES = 3
CLOSEST_QUOTES = 2  # when no passage clearly answers: the closest one or two, not a wall of text
MORE_QUOTES = 3
# A further passage is cited only when its confidence is close to the best one's; weaker ones
# are offered behind the "more sources" button instead of diluting the answer.
RELATIVE_CUTOFF = 0.75


@dataclass(frozen=True)
class AnswerSpan:
    """Where the reader found the answer inside a quote: `quote[start:start + len(text)] == text`."""

    text: str
    start: int


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
    answer: AnswerSpan | None = None


@dataclass(frozen=True)
class Answer:
    """What the user is shown for one question, plus the hits behind it. `status` is
    "answered" (the first quote answers), "closest" (no passage clearly answers; the closest
    quotes, nothing marked) or "none" (nothing in the articles is about it; no quotes)."""

    question: str
    status: str
    citations: tuple[Citation, ...]
    more: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    follow_up: FollowUp | None = None  # how the question continued an earlier exchange, if it did

    @property
    def follow_up_of(self) -> str | None:
        """The question this one continued, as the user asked it; None for a question on its own."""
        return self.follow_up.of if self.follow_up else None

    @property
    def answered(self) -> bool:
        return self.status == "answered"


def compose_answer(answered: AnsweredQuestion, articles: Mapping[str, Article]) -> Answer:
    """Cite the best quotes (best first), the rest as further sources; nothing when refusing.

    The hits go along in the judged order, as `kutip eval` ranks them: the first quote's passage first.
    """
    question, quotes, hits, status = answered.question, answered.quotes, answered.hits, str(answered.outcome)
    if not quotes:
        return Answer(question, "none", (), (), hits, answered.follow_up)
    limit = MAX_QUOTES if answered.answered else CLOSEST_QUOTES
    best = quotes[0].judged.confidence
    cited: list[Citation] = []
    more: list[Citation] = []
    for quote in quotes:
        close = quote.judged.confidence >= RELATIVE_CUTOFF * best
        target = cited if close and len(cited) < limit else more
        if target is more and len(more) >= MORE_QUOTES:
            break
        citation = _cite(quote, articles[quote.judged.hit.passage.article_id])
        if not any(_overlaps(citation, other) for other in cited + more):
            target.append(citation)
    numbered = [_renumber(c, n) for n, c in enumerate(cited + more, start=1)]
    return Answer(
        question, status, tuple(numbered[: len(cited)]), tuple(numbered[len(cited) :]), hits, answered.follow_up
    )


def group_by_article(citations: tuple[Citation, ...]) -> list[tuple[Citation, list[Citation]]]:
    """Citations grouped per article, in order of first citation: (first, all of that article)."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.article_id, []).append(citation)
    return [(cited[0], cited) for cited in groups.values()]


def _cite(quote: Quote, article: Article) -> Citation:
    text = article.text[quote.start : quote.end]
    span = None
    if quote.answer is not None:
        start, end = quote.answer
        span = AnswerSpan(article.text[start:end], start - quote.start)
    return Citation(
        0,
        article.id,
        article.title,
        article.url,
        quote.paragraph,
        quote.judged.hit.passage.id,
        text,
        quote.start,
        quote.end,
        quote.judged.confidence,
        span,
    )


def _overlaps(a: Citation, b: Citation) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


def _renumber(citation: Citation, n: int) -> Citation:
    return replace(citation, n=n)
