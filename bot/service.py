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
    Answerer,
    AnswerOptions,
    Article,
    BuildReport,
    Context,
    Embedder,
    IndexMissingError,
    ModelProfile,
    PassageStore,
    ProgressFactory,
    Searcher,
    load_embedder,
    open_store,
    profile_for,
    refresh_index,
    split_paragraphs,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Generation:
    """One loaded index and its answerer: questions are answered from one until the next swap."""

    stored: PassageStore
    answerer: Answerer
    by_key: dict[str, str] = field(repr=False)  # article_key -> article id

    @classmethod
    def over(cls, stored: PassageStore, answerer: Answerer) -> Generation:
        return cls(stored, answerer, {article_key(article_id): article_id for article_id in stored.articles})

    @property
    def name(self) -> str:
        return self.stored.manifest.generation


@dataclass(frozen=True)
class Source:
    """An indexed article with its passage count, for /sources."""

    article: Article
    passages: int


class QuoteService:
    """Answers questions about the indexed articles (index.Answerer) and composes the answers.

    The index is held as a `Generation` that `swap` replaces in one assignment while questions
    are being answered. A question in flight keeps the generation it started with (pinned to
    its thread), so its hits, articles and quotes always come from one and the same index.
    """

    def __init__(
        self, stored: PassageStore, embedder: Embedder, options: AnswerOptions, profile: ModelProfile | None = None
    ) -> None:
        self.embedder = embedder
        answerer = Answerer.over(Searcher(stored, embedder), profile or profile_for(embedder), options)
        self._current = Generation.over(stored, answerer)
        self._pinned = threading.local()
        self._examples: dict[str, list[str]] = {}

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder,
        progress: ProgressFactory | None = None,
        profile: ModelProfile | None = None,
    ) -> tuple[QuoteService, BuildReport]:
        """Bring the index up to date with seeds/, and load it (see also `open_service`)."""
        report = refresh(settings, embedder, progress)
        return cls.open_existing(settings, embedder, profile), report

    @classmethod
    def open_existing(cls, settings: Settings, embedder: Embedder, profile: ModelProfile | None = None) -> QuoteService:
        """The service over the index as it is on disk, however stale; raises IndexMissingError."""
        return cls(open_index(settings, embedder), embedder, AnswerOptions(settings.top_k), profile)

    @property
    def stored(self) -> PassageStore:
        return self._generation().stored

    @property
    def answerer(self) -> Answerer:
        return self._generation().answerer

    @property
    def generation(self) -> Generation:
        """The generation new questions are answered from."""
        return self._current

    def swap(self, stored: PassageStore) -> None:
        """Answer new questions from `stored`; questions in flight finish on the previous index."""
        self._current = Generation.over(stored, self._current.answerer.for_index(stored))
        self._examples = {}

    def has_article(self, article_id: str) -> bool:
        return article_id in self._current.stored.articles

    def ask(self, question: str) -> Answer:
        return self.ask_many([question])[0]

    def ask_many(self, questions: Sequence[str]) -> list[Answer]:
        """The questions down the library's question path, composed for the user."""
        with self._pin():
            articles = self.stored.articles
            return [compose_answer(answered, articles) for answered in self.answerer.answer_many(questions)]

    def ask_in_context(self, question: str, context: Context | None) -> Answer:
        """`question` as a follow-up of `context` when it reads as one, else as if asked alone."""
        with self._pin():
            return compose_answer(self.answerer.answer_in_context(question, context), self.stored.articles)

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

    def sources(self) -> list[Source]:
        stored = self._current.stored
        counts = stored.passage_counts()
        return [Source(a, counts.get(a.id, 0)) for a in stored.articles.values()]

    def article_by_key(self, key: str) -> Article | None:
        generation = self._current
        article_id = generation.by_key.get(key)
        return generation.stored.articles[article_id] if article_id is not None else None

    def example_questions(self, language: str) -> list[str]:
        """Two questions about who and what the articles mention most, answered ones first, then
        those shown the closest passages; never one Kutip would refuse, unless all are."""
        if language not in self._examples:
            self._examples[language] = self._make_examples(language)
        return self._examples[language]

    def _make_examples(self, language: str) -> list[str]:
        with self._pin():
            candidates = candidate_questions(list(self.stored.articles.values()), language)
            order = {"answered": 0, "closest": 1}
            shown = [
                (order[a.status], n, q)
                for n, (q, a) in enumerate(zip(candidates, self.ask_many(candidates)))
                if a.status in order
            ]
        return [q for _, _, q in sorted(shown)][:2] or candidates[:2]


def refresh(
    settings: Settings, embedder: Embedder, progress: ProgressFactory | None = None, rebuild: bool = False
) -> BuildReport:
    """Bring the index up to date with seeds/ (only changed articles re-embedded, or all with
    `rebuild`): the one refresh that `kutip index`, the services and the refresher run."""
    return refresh_index(
        settings.seeds_dir,
        settings.data_dir,
        embedder,
        rebuild=rebuild,
        progress=progress,
        max_file_bytes=settings.max_seed_bytes,
        store=settings.store,
    )


def open_index(settings: Settings, embedder: Embedder) -> PassageStore:
    """The current index in the configured store; raises when missing, of another model, or damaged."""
    return open_store(settings.data_dir, settings.store, embedder.name, embedder.dimension)


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
    log_build(report)
    return service


def log_build(report: BuildReport) -> None:
    """The build's warnings, and what changed, in the log."""
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
