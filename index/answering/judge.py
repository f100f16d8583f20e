"""Judges a search result the gate let through: does any passage answer, and which answers best.

The reader's answerability decides: near-misses, on topic but without the answer, are
declined here. The reader learnt from Indonesian factoid questions (FacQA, IDK-MRC): for a
question in another language than the passage, or one that asks for an explanation or for
what someone said (`resembles_training` is False), its answerability runs low, so there a
retrieval rule (index/answering/gate.py) may also let it through. It also keys on the
question copying the passage's wording (FacQA's questions do) and doubts a question worded
otherwise; but the passage holding the answer still stands out from the others read, while a
near-miss leaves them all alike. So a passage read above a lower bar and several times above
every other passage (`Standout`) answers too. Passages are ordered by reader confidence mixed
with their retrieval score. The settings tuned for the bundled model are index/answering/profile.py's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from index.answering.gate import Evidence, RetrievalRule
from index.answering.search import Hit, SearchResult
from index.models.reader import Reading
from index.text.language import asks_for_a_fact, guess_language
from index.text.passages import Passage


@dataclass(frozen=True)
class Judged:
    """A hit with what the reader found in it (None when unread) and its ordering score."""

    hit: Hit
    reading: Reading | None
    confidence: float


@dataclass(frozen=True)
class Verdict:
    """Whether the question is answered, and the hits best first."""

    answered: bool
    ranked: tuple[Judged, ...]

    def hits(self, retrieved: tuple[Hit, ...]) -> tuple[Hit, ...]:
        """The hits in the judged order; `retrieved` (retrieval order) when none were judged."""
        return tuple(judged.hit for judged in self.ranked) or retrieved


@dataclass(frozen=True)
class Standout:
    """The best read passage answers when it reaches `answerable` and `ratio` times every other
    passage read that does not share its text (overlapping windows hold the same answer)."""

    answerable: float
    ratio: float

    def holds(self, read: Sequence[tuple[Passage, Reading]]) -> bool:
        lead = reading_lead(read)
        return lead is not None and lead[0] >= self.answerable and lead[0] >= self.ratio * lead[1]


def reading_lead(read: Sequence[tuple[Passage, Reading]]) -> tuple[float, float] | None:
    """The best answerability read, and the best of the passages not sharing its text; None
    when there is no such passage to compare with."""
    if not read:
        return None
    best, reading = max(read, key=lambda pair: pair[1].answerable)
    others = [r.answerable for passage, r in read if not _overlap(passage, best)]
    return (reading.answerable, max(others)) if others else None


def _overlap(a: Passage, b: Passage) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


NO_STANDOUT = Standout(math.inf, math.inf)


@dataclass(frozen=True)
class ReaderJudge:
    """Decline unless the reader finds an answer; order by reader and retrieval together."""

    on_topic: RetrievalRule  # what a question's evidence must pass to be read at all
    answerable: float  # reader probability that some passage must reach
    reader_weight: float  # share of the reader in the ordering score, the rest retrieval
    read_depth: int  # how many of the best hits are read
    span_probability: float  # a span at least this probable is shown as the answer
    sure_span: float  # a less probable span has its paragraph checked against the question
    retrieval_for_familiar: RetrievalRule  # also answers a question like those the reader learnt from
    retrieval_for_unfamiliar: RetrievalRule  # also answers a question unlike those
    standout: Standout = NO_STANDOUT  # a passage read far above the others answers too

    def may_show_answer(self, rank: int, judged: Judged) -> bool:
        """Whether a quote may mark an answer: the first, or a further one whose passage the
        reader found answering too (a bold span in a passage it read as not answering would
        point at a wrong answer)."""
        return rank == 0 or (judged.reading is not None and judged.reading.answerable >= self.answerable)

    def span_cut(self, rank: int, judged: Judged) -> float:
        """The span probability a quote's answer needs to be marked."""
        return self.span_probability if self.may_show_answer(rank, judged) else math.inf

    def judge(
        self, result: SearchResult, readings: Sequence[Reading], evidence: Evidence, like_training: bool
    ) -> Verdict:
        """The verdict on `result`, whose best hits were read as `readings` (the rest unread)."""
        judged = [
            Judged(hit, reading, self.reader_weight * reading.answerable + (1 - self.reader_weight) * hit.score)
            for hit, reading in zip(result.hits, readings)
        ]
        unread = [Judged(hit, None, (1 - self.reader_weight) * hit.score) for hit in result.hits[len(readings) :]]
        ranked = sorted(judged, key=lambda j: -j.confidence) + unread
        retrieval_rule = self.retrieval_for_familiar if like_training else self.retrieval_for_unfamiliar
        answered = (
            any(r.answerable >= self.answerable for r in readings)
            or self.standout.holds([(hit.passage, reading) for hit, reading in zip(result.hits, readings)])
            or retrieval_rule.accepts(evidence)
        )
        return Verdict(answered, tuple(ranked))


def judge_on_retrieval(result: SearchResult, evidence: Evidence, rule: RetrievalRule) -> Verdict:
    """Without a reader (a model it was not trained on): the retrieval rule alone, retrieval order."""
    ranked = tuple(Judged(hit, None, hit.score) for hit in result.hits)
    return Verdict(rule.accepts(evidence), ranked)


def resembles_training(question: str, article_language: str) -> bool:
    """Whether the question is like those the reader learnt from: a factoid question in the
    language of the article it is asked about."""
    same_language = guess_language(question, default=article_language) == article_language
    return same_language and asks_for_a_fact(question)
