"""Judges a search result the gate let through: answered, or only the closest passages, and in what order.

Three outcomes, not two. The gate (index/answering/gate.py) refuses what is off topic
(`NONE`). Of what it lets through, the reader decides what is *answered*: the passage read
first must hold the answer by the reader's answerability and, for a question asking for a
fact, by a span it is sure of, which is then marked; a question that a whole sentence answers
(yes/no, why, what someone said) is answered by its sentence. Everything else on topic is
shown as the *closest* passages, without a marked answer: a near-miss then quotes what the
articles do say instead of guessing, and an answerable question the reader doubts (worded
unlike its passage, asked in another language) still gets the sentence that answers it.
Passages are ordered by the reader's answerability mixed with their retrieval score. The
settings tuned for the bundled model are index/answering/profile.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from index.answering.gate import Evidence, RetrievalRule
from index.answering.search import Hit, SearchResult
from index.models.reader import Reading
from index.text.language import asks_for_a_sentence


class Outcome(StrEnum):
    """What Kutip says to a question (`kutip ask --json`'s "status")."""

    ANSWERED = "answered"  # the first quote answers it
    CLOSEST = "closest"  # on topic, but no passage clearly answers: the closest ones
    NONE = "none"  # nothing in the articles is about it


@dataclass(frozen=True)
class Judged:
    """A hit with what the reader found in it (None when unread) and its ordering score."""

    hit: Hit
    reading: Reading | None
    confidence: float


@dataclass(frozen=True)
class Verdict:
    """The outcome, the hits best first, and whether the first quote marks the reader's span
    (a sentence answer and the closest passages mark none)."""

    outcome: Outcome
    ranked: tuple[Judged, ...]
    marks_span: bool = False

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWERED

    def hits(self, retrieved: tuple[Hit, ...]) -> tuple[Hit, ...]:
        """The hits in the judged order; `retrieved` (retrieval order) when none were judged."""
        return tuple(judged.hit for judged in self.ranked) or retrieved


REFUSED = Verdict(Outcome.NONE, ())


@dataclass(frozen=True)
class ReaderJudge:
    """Answer what the reader is sure of, else show the closest passages; order by reader and
    retrieval together."""

    on_topic: RetrievalRule  # what a question's evidence must pass to be read at all
    read_depth: int  # how many of the best hits are read
    reader_weight: float  # share of the reader in the ordering score, the rest retrieval
    answerable: float  # a fact is answered when the first passage is read at least this answerable
    span_probability: float  # ... and its span is at least this probable (then marked in bold)
    sentence_answerable: float  # a question a sentence answers needs the first passage read this answerable
    closest_quotes: int  # how many passages the closest outcome quotes
    sentence_mass: float  # weight of the reader's attention against the embedding model's in choosing a sentence

    def judge(self, result: SearchResult, readings: Sequence[Reading]) -> Verdict:
        """The verdict on `result`, whose best hits were read as `readings` (the rest unread)."""
        judged = [
            Judged(hit, reading, self.reader_weight * reading.answerable + (1 - self.reader_weight) * hit.score)
            for hit, reading in zip(result.hits, readings)
        ]
        unread = [Judged(hit, None, (1 - self.reader_weight) * hit.score) for hit in result.hits[len(readings) :]]
        ranked = tuple(sorted(judged, key=lambda j: -j.confidence) + unread)
        first = ranked[0].reading
        if first is None:
            return Verdict(Outcome.CLOSEST, ranked)
        if asks_for_a_sentence(result.question):
            answered = first.answerable >= self.sentence_answerable
            return Verdict(Outcome.ANSWERED if answered else Outcome.CLOSEST, ranked)
        if self.marks(first):
            return Verdict(Outcome.ANSWERED, ranked, marks_span=True)
        return Verdict(Outcome.CLOSEST, ranked)

    def marks(self, reading: Reading | None) -> bool:
        """Whether the reader is sure enough of the answer in this passage to mark it."""
        return (
            reading is not None
            and reading.end > reading.start
            and reading.answerable >= self.answerable
            and reading.span_probability >= self.span_probability
        )


def judge_on_retrieval(result: SearchResult, evidence: Evidence, rule: RetrievalRule) -> Verdict:
    """Without a reader (a model it was not trained on): the retrieval rule alone, retrieval order."""
    ranked = tuple(Judged(hit, None, hit.score) for hit in result.hits)
    return Verdict(Outcome.ANSWERED if rule.accepts(evidence) else Outcome.NONE, ranked)
