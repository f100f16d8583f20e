"""Kutip's question-answering service: the index kept fresh, the model loaded once, answers composed."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answers import Answer, compose_answer
from bot.language import INDONESIAN
from bot.settings import Settings
from index.articles import Article
from index.building import BuildReport, ProgressFactory, refresh_index
from index.embedder import Embedder, load_embedder
from index.relevance import DeclineModel, decline_model_for
from index.search import Searcher
from index.sentences import split_paragraphs
from index.store import StoredIndex, load_index

# Capitalised phrases (names, places) that stand inside a sentence, for example questions.
_NAME = re.compile(r"(?<=[a-z,] )(?:[A-Z][a-z]+)(?: [A-Z][a-z]+)+")


@dataclass(frozen=True)
class Source:
    """An indexed article with its passage count, for /sources."""

    article: Article
    passages: int


class QuoteService:
    """Answers questions about the indexed articles."""

    def __init__(self, stored: StoredIndex, embedder: Embedder, top_k: int, decline: DeclineModel) -> None:
        self.stored = stored
        self.decline = decline
        self.searcher = Searcher(stored, embedder)
        self.top_k = top_k
        self._by_key = {article_key(a.id): a for a in stored.articles.values()}

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: ProgressFactory | None = None,
    ) -> tuple[QuoteService, BuildReport]:
        """Load the model, bring the index up to date with seeds/, and load it."""
        model = embedder or load_embedder(settings.model, model_cache(settings.cache_dir))
        report = refresh_index(settings.seeds_dir, settings.data_dir, model, progress=progress)
        stored = load_index(settings.data_dir, model.name, model.dimension)
        return cls(stored, model, settings.top_k, decline_model_for(model.name)), report

    def ask(self, question: str) -> Answer:
        return self.ask_many([question])[0]

    def ask_many(self, questions: Sequence[str]) -> list[Answer]:
        results = self.searcher.search_many(questions, self.top_k)
        return [compose_answer(r, self.stored.articles, self.stored.lexical, self.decline) for r in results]

    def sources(self) -> list[Source]:
        counts = Counter(passage.article_id for passage in self.stored.passages)
        return [Source(a, counts[a.id]) for a in self.stored.articles.values()]

    def article_by_key(self, key: str) -> Article | None:
        return self._by_key.get(key)

    def example_questions(self, language: str) -> list[str]:
        """Two questions about names that the articles mention most often."""
        counts: Counter[str] = Counter()
        for article in self.stored.articles.values():
            counts.update(_NAME.findall(article.text))
        names = [name for name, _ in counts.most_common(2)] or [
            article.title for article in list(self.stored.articles.values())[:2]
        ]
        template = "Apa yang dikatakan tentang {}?" if language == INDONESIAN else "What is said about {}?"
        return [template.format(name) for name in names]


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
