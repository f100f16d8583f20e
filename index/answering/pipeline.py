"""The question path, top to bottom: search, gate, read, judge, quote; one record per question.

1. Search (search.py): dense and BM25 candidates fused; the best `top_k` hits go on.
2. Gate (gate.py): a question whose best passage does not stand above the everyday background
   passages is declined unread.
3. Read (index/models/reader/): the reader reads the best `read_depth` hits in one batch.
4. Judge (judge.py): whether a reading, a standout passage or a retrieval rule answers, and
   the hits in the order of reader and retrieval together.
5. Quote (quotes.py): the sentences to quote from each judged hit, and the answer inside them.
Which reader, judge and rules a model gets is its `ModelProfile` (index/answering/profile.py);
what the user is shown is composed by the application (bot/answers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.answering.gate import Background, Evidence, gather_evidence
from index.answering.judge import Judged, Verdict, judge_on_retrieval, resembles_training
from index.answering.profile import ModelProfile
from index.answering.quotes import Closeness, Quote, choose_quote
from index.answering.search import Hit, Searcher, SearchResult
from index.store.base import PassageStore
from index.text.language import guess_language

DECLINED = Verdict(False, ())


@dataclass(frozen=True)
class AnswerOptions:
    """What a caller chooses about answering; what the model decides is in its `ModelProfile`."""

    top_k: int  # hits retrieved per question
    # A span the reader is not sure of has its paragraph checked against the question
    # (quotes.py); bench/quote_choice.py turns this off to measure what it changes.
    checks_paragraphs: bool = True


@dataclass(frozen=True)
class AnsweredQuestion:
    """One question's way down the path: what search found, the verdict, and the quotes (none
    when declined), best first."""

    result: SearchResult
    verdict: Verdict
    quotes: tuple[Quote, ...]

    @property
    def question(self) -> str:
        return self.result.question

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

    def answer_many(self, questions: Sequence[str]) -> list[AnsweredQuestion]:
        """Each question down the path, the questions encoded in one batch."""
        return [self.answer_searched(result) for result in self.searcher.search_many(questions, self.options.top_k)]

    def answer_searched(self, result: SearchResult) -> AnsweredQuestion:
        """Gate, read, judge and quote one searched question (the benches replay searches here)."""
        if not result.hits:
            return AnsweredQuestion(result, DECLINED, ())
        evidence = gather_evidence(result, self.store.lexical, self.background)
        verdict = self._judge(result, evidence)
        if not verdict.answered:
            return AnsweredQuestion(result, verdict, ())
        quotes = tuple(self._quote(result, rank, judged) for rank, judged in enumerate(verdict.ranked))
        return AnsweredQuestion(result, verdict, quotes)

    def _judge(self, result: SearchResult, evidence: Evidence) -> Verdict:
        """The gate, then the reader's readings of the best hits judged; without a reader, the
        model's retrieval rule alone."""
        reader, judge = self.profile.reader, self.profile.judge
        if reader is None:
            return judge_on_retrieval(result, evidence, self.profile.retrieval_rule)
        if not judge.on_topic.accepts(evidence):
            return DECLINED
        readings = reader.read(result.question, [hit.passage.text for hit in result.hits[: judge.read_depth]])
        return judge.judge(result, readings, evidence, self._like_training(result))

    def _like_training(self, result: SearchResult) -> bool:
        """Whether the question is like the reader's training questions, for the best passage's article."""
        best = result.hits[0].passage
        article_language = self.store.articles[best.article_id].lang or guess_language(best.text)
        return resembles_training(result.question, article_language)

    def _quote(self, result: SearchResult, rank: int, judged: Judged) -> Quote:
        """The quote from one judged hit. One that may show an answer (the first, or one whose
        passage the reader read as answering) has a span the reader is not sure of checked
        against the question by the embedding model: is it in the closest paragraph?"""
        judge = self.profile.judge
        checks = self.options.checks_paragraphs and judge.may_show_answer(rank, judged)
        closeness = self._closeness(result.query_vector) if checks else None
        article = self.store.articles[judged.hit.passage.article_id]
        cut = judge.span_cut(rank, judged)
        return choose_quote(judged, article, result.terms, self.store.lexical, cut, judge.sure_span, closeness)

    def _closeness(self, query_vector: np.ndarray) -> Closeness:
        embedder, question = self.searcher.embedder, query_vector.reshape(-1)
        return lambda texts: embedder.encode_documents(texts) @ question
