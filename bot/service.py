"""Kutip's question-answering service: the index kept fresh, the model loaded once, answers composed."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.answers import Answer, compose_answer
from bot.examples import candidate_questions
from bot.settings import Settings
from index import (
    DEFAULT_MODEL_NAME,
    E5_READER_JUDGE,
    Article,
    BuildReport,
    Embedder,
    IndexMissingError,
    Judged,
    PassageStore,
    ProgressFactory,
    Quote,
    Reader,
    ReaderJudge,
    Searcher,
    SearchResult,
    Verdict,
    asks_for_a_fact,
    choose_quote,
    decline_rule_for,
    guess_language,
    judge_without_reader,
    load_embedder,
    load_reader,
    open_store,
    refresh_index,
    split_paragraphs,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Generation:
    """One loaded index and its searcher: questions are answered from one until the next swap."""

    stored: PassageStore
    searcher: Searcher
    by_key: dict[str, str] = field(repr=False)  # article_key -> article id

    @classmethod
    def over(cls, stored: PassageStore, searcher: Searcher) -> Generation:
        return cls(stored, searcher, {article_key(article_id): article_id for article_id in stored.articles})

    @property
    def name(self) -> str:
        return self.stored.manifest.generation


@dataclass(frozen=True)
class Source:
    """An indexed article with its passage count, for /sources."""

    article: Article
    passages: int


class QuoteService:
    """Answers questions about the indexed articles: search, read, judge, quote, compose.

    The index is held as a `Generation` that `swap` replaces in one assignment while questions
    are being answered. A question in flight keeps the generation it started with (pinned to
    its thread), so its hits, articles and quotes always come from one and the same index.
    """

    def __init__(
        self,
        stored: PassageStore,
        embedder: Embedder,
        top_k: int,
        reader: Reader | None = None,
        judge: ReaderJudge = E5_READER_JUDGE,
    ) -> None:
        self.embedder = embedder
        self.top_k = top_k
        self.reader = reader
        self.judge = judge
        self.decline = decline_rule_for(embedder.name)
        # A span the reader is not sure of has its paragraph checked against the question
        # (index/answering/quotes.py); bench/quote_choice.py turns this off to measure what it changes.
        self.checks_paragraphs = True
        self._current = Generation.over(stored, Searcher(stored, embedder))
        self._pinned = threading.local()
        self._examples: dict[str, list[str]] = {}

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder,
        progress: ProgressFactory | None = None,
        reader: Reader | None = None,
        judge: ReaderJudge = E5_READER_JUDGE,
    ) -> tuple[QuoteService, BuildReport]:
        """Bring the index up to date with seeds/, and load it (see also `open_service`)."""
        report = refresh_index(
            settings.seeds_dir,
            settings.data_dir,
            embedder,
            progress=progress,
            max_file_bytes=settings.max_seed_bytes,
            store=settings.store,
        )
        stored = open_store(settings.data_dir, settings.store, embedder.name, embedder.dimension)
        return cls(stored, embedder, settings.top_k, reader or default_reader(embedder), judge), report

    @classmethod
    def open_existing(
        cls,
        settings: Settings,
        embedder: Embedder,
        reader: Reader | None = None,
        judge: ReaderJudge = E5_READER_JUDGE,
    ) -> QuoteService:
        """The service over the index as it is on disk, however stale; raises IndexMissingError."""
        stored = open_store(settings.data_dir, settings.store, embedder.name, embedder.dimension)
        return cls(stored, embedder, settings.top_k, reader or default_reader(embedder), judge)

    @property
    def stored(self) -> PassageStore:
        return self._generation().stored

    @property
    def searcher(self) -> Searcher:
        return self._generation().searcher

    @property
    def generation(self) -> Generation:
        """The generation new questions are answered from."""
        return self._current

    def swap(self, stored: PassageStore) -> None:
        """Answer new questions from `stored`; questions in flight finish on the previous index."""
        self._current = Generation.over(stored, self._current.searcher.for_index(stored))
        self._examples = {}

    def has_article(self, article_id: str) -> bool:
        return article_id in self._current.stored.articles

    def ask(self, question: str) -> Answer:
        return self.ask_many([question])[0]

    def ask_many(self, questions: Sequence[str]) -> list[Answer]:
        with self._pin():
            return [self.answer_result(result) for result in self.searcher.search_many(questions, self.top_k)]

    @contextmanager
    def _pin(self) -> Iterator[None]:
        """Keep this thread on the current generation until the answers are composed."""
        if getattr(self._pinned, "generation", None) is not None:
            yield  # already pinned by an outer call
            return
        self._pinned.generation = self._current
        try:
            yield
        finally:
            self._pinned.generation = None

    def _generation(self) -> Generation:
        return getattr(self._pinned, "generation", None) or self._current

    def judge_result(self, result: SearchResult) -> Verdict:
        """Whether `result` answers its question, its hits best first (read when a reader is loaded)."""
        lexical = self.stored.lexical
        if self.reader is None:
            return judge_without_reader(result, lexical, self.decline)
        if not result.hits or not self.judge.passes_gate(result, lexical):
            return Verdict(False, ())
        read = result.hits[: self.judge.read_depth]
        readings = self.reader.read(result.question, [hit.passage.text for hit in read])
        return self.judge.judge(result, readings, lexical, self._reader_knows(result))

    def _reader_knows(self, result: SearchResult) -> bool:
        """Whether the question is like those the reader learnt from: a factoid question in the
        language of the best passage's article."""
        best = result.hits[0].passage
        article_language = self.stored.articles[best.article_id].lang or guess_language(best.text)
        same_language = guess_language(result.question, default=article_language) == article_language
        return same_language and asks_for_a_fact(result.question)

    def answer_result(self, result: SearchResult) -> Answer:
        """Judge, quote and compose the answer to one searched question."""
        verdict = self.judge_result(result)
        articles = self.stored.articles
        quotes = [self._quote(result, rank, judged) for rank, judged in enumerate(verdict.ranked) if verdict.answered]
        # The hits in the judged order, as `kutip eval` ranks them: the first quote's passage first.
        return compose_answer(result.question, verdict.answered, quotes, articles, verdict.hits(result.hits))

    def _quote(self, result: SearchResult, rank: int, judged: Judged) -> Quote:
        """The quote from one judged hit. One that may show an answer (the first, or one whose
        passage the reader read as answering) has a span the reader is not sure of checked
        against the question by the embedding model: is it in the closest paragraph?"""
        embedder, question = self.embedder, result.query_vector.reshape(-1)
        checks = self.checks_paragraphs and self.judge.may_show_answer(rank, judged)
        closeness = (lambda texts: embedder.encode_documents(texts) @ question) if checks else None
        article = self.stored.articles[judged.hit.passage.article_id]
        cut = self.judge.span_cut(rank, judged)
        return choose_quote(judged, article, result.terms, self.stored.lexical, cut, self.judge.sure_span, closeness)

    def sources(self) -> list[Source]:
        stored = self._current.stored
        counts = stored.passage_counts()
        return [Source(a, counts.get(a.id, 0)) for a in stored.articles.values()]

    def article_by_key(self, key: str) -> Article | None:
        generation = self._current
        article_id = generation.by_key.get(key)
        return generation.stored.articles[article_id] if article_id is not None else None

    def example_questions(self, language: str) -> list[str]:
        """Two questions about who and what the articles mention most, preferring answered ones."""
        if language not in self._examples:
            self._examples[language] = self._make_examples(language)
        return self._examples[language]

    def _make_examples(self, language: str) -> list[str]:
        with self._pin():
            candidates = candidate_questions(list(self.stored.articles.values()), language)
            answered = [q for q, a in zip(candidates, self.ask_many(candidates)) if a.answered]
        return (answered or candidates)[:2]


def default_reader(embedder: Embedder) -> Reader | None:
    """The trained answer reader, which reads the bundled model's states; none for another model."""
    return load_reader(embedder) if embedder.name == DEFAULT_MODEL_NAME else None


def paragraph_text(article: Article, paragraph: int) -> str | None:
    """Paragraph number `paragraph` (1-based) of the article, as cited."""
    spans = split_paragraphs(article.text)
    if not 1 <= paragraph <= len(spans):
        return None
    return article.text[spans[paragraph - 1].start : spans[paragraph - 1].end]


def article_key(article_id: str) -> str:
    """A short stable key for an article, to fit Telegram's 64-byte callback data."""
    return hashlib.sha1(article_id.encode()).hexdigest()[:12]


def model_cache(cache_dir: Path) -> Path:
    return cache_dir / "models"


def open_embedder(settings: Settings) -> Embedder:
    """The model (KUTIP_MODEL, else the bundled one converted into the cache): the one place it is loaded."""
    return load_embedder(settings.model, model_cache(settings.cache_dir), settings.model_precision)


def open_service(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    wait_for_build: bool = True,
    progress: ProgressFactory | None = None,
) -> QuoteService:
    """The service over the index, built first when missing or stale; `embedder` defaults to `open_embedder`.

    With `wait_for_build=False` (the bot) an index already on disk is opened as it is, however
    stale, so that questions are answered at once while the refresher catches up; only a
    missing index is built first.
    """
    embedder = embedder or open_embedder(settings)
    if not wait_for_build:
        try:
            return QuoteService.open_existing(settings, embedder)
        except IndexMissingError:
            log.info("no index yet: building it before answering")
    service, report = QuoteService.open(settings, embedder, progress=progress)
    for warning in report.warnings:
        log.warning(warning)
    if report.changed:
        log.info(
            "index updated: %d articles, %d passages, %d embedded in %.1f s",
            report.articles,
            report.passages,
            report.embedded_articles,
            report.seconds,
        )
    return service
