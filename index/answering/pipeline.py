"""The question path, top to bottom: search, gate, read, judge, quote; one record per question.

1. Search (search.py): dense and BM25 candidates fused; the best `top_k` hits go on.
2. Gate (gate.py): a question whose best passage does not stand above the everyday background
   passages is refused unread (`Outcome.NONE`).
3. Read (index/models/reader/): the reader reads the best `read_depth` hits in one batch.
4. Judge (judge.py): answered (the reader is sure) or only the closest passages, and the hits
   in the order of reader and retrieval together.
5. Quote (quotes.py): the sentences to quote from each judged hit: the reader's marked span,
   or the sentence the reader and the embedding model find best for the question.
A follow-up (follow_up.py) goes down the same path as the question with its context, in one search.
Which reader, judge and rules a model gets is its `ModelProfile` (index/answering/profile.py);
what the user is shown is composed by the application (bot/answers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.answering.follow_up import WIDER, Context, FollowUp, favour, in_context, reads_as_follow_up
from index.answering.gate import Background, gather_evidence
from index.answering.judge import REFUSED, Judged, Outcome, Verdict, judge_on_retrieval
from index.answering.profile import ModelProfile
from index.answering.quotes import Quote, quote_sentence, quote_span
from index.answering.search import Hit, Searcher, SearchResult
from index.store.base import PassageStore

# Quotes beyond these are offered behind "More sources": their sentence is chosen without
# the embedding model's extra pass.
CLOSENESS_CHECKED = 3


@dataclass(frozen=True)
class AnswerOptions:
    """What a caller chooses about answering; what the model decides is in its `ModelProfile`."""

    top_k: int  # hits retrieved per question


@dataclass(frozen=True)
class AnsweredQuestion:
    """One question's way down the path: what search found, the verdict, and the quotes (none
    when refused), best first."""

    result: SearchResult
    verdict: Verdict
    quotes: tuple[Quote, ...]
    follow_up: FollowUp | None = None  # set when answered as the continuation of an earlier exchange

    @property
    def question(self) -> str:
        """The question as asked (a follow-up's `result` holds it with its context)."""
        return self.follow_up.question if self.follow_up else self.result.question

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome

    @property
    def answered(self) -> bool:
        return self.verdict.answered

    @property
    def hits(self) -> tuple[Hit, ...]:
        """The hits in the judged order, the first quote's passage first, as `kutip eval` ranks them."""
        return self.verdict.hits(self.result.hits)


@dataclass(frozen=True)
class Answerer:
    """Answers questions over one index, with one model's profile and one caller's options."""

    searcher: Searcher
    profile: ModelProfile
    options: AnswerOptions
    background: Background = field(repr=False)

    @classmethod
    def over(cls, searcher: Searcher, profile: ModelProfile, options: AnswerOptions) -> Answerer:
        return cls(searcher, profile, options, Background.of(searcher.store, searcher.embedder))

    @property
    def store(self) -> PassageStore:
        return self.searcher.store

    def for_index(self, store: PassageStore) -> Answerer:
        """The same answerer over another index: the background vectors depend on the model only."""
        return replace(self, searcher=self.searcher.for_index(store))

    def answer(self, question: str) -> AnsweredQuestion:
        return self.answer_many([question])[0]

    def answer_in_context(self, question: str, context: Context | None) -> AnsweredQuestion:
        """`question` as a follow-up of `context` when it reads as one, else as if asked alone."""
        if context is None or not reads_as_follow_up(question, context.replying):
            return self.answer(question)
        return self.answer_follow_up(question, context)

    def answer_follow_up(self, question: str, context: Context) -> AnsweredQuestion:
        """`question` continuing `context`: one search for it with its context, the earlier
        answer's passages favoured, then read and judged as that text."""
        understood = in_context(question, context)
        result = self.searcher.search(understood, WIDER * self.options.top_k)
        result = replace(result, hits=favour(result.hits, question, context, self.options.top_k))
        return replace(self.answer_searched(result), follow_up=FollowUp(question, context, understood))

    def answer_many(self, questions: Sequence[str]) -> list[AnsweredQuestion]:
        """Each question down the path, the questions encoded in one batch."""
        return [self.answer_searched(result) for result in self.searcher.search_many(questions, self.options.top_k)]

    def answer_searched(self, result: SearchResult) -> AnsweredQuestion:
        """Gate, read, judge and quote one searched question (the benches replay searches here)."""
        verdict = self._judge(result)
        if verdict.outcome is Outcome.NONE:
            return AnsweredQuestion(result, verdict, ())
        return AnsweredQuestion(result, verdict, self._quotes(result, verdict))

    def _judge(self, result: SearchResult) -> Verdict:
        """The gate, then the reader's readings of the best hits judged; without a reader, the
        model's retrieval rule alone."""
        if not result.hits:
            return REFUSED
        evidence = gather_evidence(result, self.store.lexical, self.background)
        reader, judge = self.profile.reader, self.profile.judge
        if reader is None:
            return judge_on_retrieval(result, evidence, self.profile.retrieval_rule)
        if not judge.on_topic.accepts(evidence):
            return REFUSED
        readings = reader.read(result.question, [hit.passage.text for hit in result.hits[: judge.read_depth]])
        return judge.judge(result, readings)

    def _quotes(self, result: SearchResult, verdict: Verdict) -> tuple[Quote, ...]:
        """A quote from each judged hit: the first marks the reader's span when the verdict
        does, a further one when the reader is as sure of its own span; the others are the
        sentence best for the question, the embedding model checking the first few."""
        judge = self.profile.judge
        closeness = self._closeness(result, verdict.ranked[:CLOSENESS_CHECKED])
        quotes = []
        for rank, judged in enumerate(verdict.ranked):
            article = self.store.articles[judged.hit.passage.article_id]
            marked = verdict.marks_span if rank == 0 else verdict.answered and judge.marks(judged.reading)
            if marked:
                quotes.append(quote_span(judged, article))
            else:
                cosines = closeness[rank] if rank < len(closeness) else None
                quotes.append(
                    quote_sentence(judged, article, result.terms, self.store.lexical, cosines, judge.sentence_mass)
                )
        return tuple(quotes)

    def _closeness(self, result: SearchResult, ranked: Sequence[Judged]) -> list[np.ndarray | None]:
        """The question's cosine with each sentence of the read passages among `ranked`, in one
        pass of the embedding model (None for a passage not read: it is quoted by its words)."""
        sentences = [self._sentences(j) if j.reading is not None else [] for j in ranked]
        texts = [text for texts in sentences for text in texts]
        if not texts:
            return [None] * len(ranked)
        cosines = self.searcher.embedder.encode_documents(texts) @ result.query_vector.reshape(-1)
        ends = np.cumsum([len(texts) for texts in sentences])
        return [cosines[end - len(texts) : end] if texts else None for texts, end in zip(sentences, ends)]

    def _sentences(self, judged: Judged) -> list[str]:
        text = self.store.articles[judged.hit.passage.article_id].text
        return [text[s.start : s.end] for s in judged.hit.passage.sentences]
