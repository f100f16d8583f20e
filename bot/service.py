"""Kutip's question-answering service: the index kept fresh, the model loaded once, answers composed."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answers import Answer, compose_answer
from bot.examples import candidate_questions
from bot.settings import Settings
from index.articles import Article
from index.building import BuildReport, ProgressFactory, refresh_index
from index.embedder import Embedder, load_embedder
from index.relevance import DeclineRule, decline_rule_for
from index.search import Searcher
from index.sentences import split_paragraphs
from index.store import StoredIndex, load_index

SENTENCE_CACHE_SIZE = 20_000  # about 30 MB of 384-dimension vectors


class SentenceCache:
    """Sentence vectors for quoting cross-language answers, kept between questions.

    Questions keep coming back to the same articles, so after the first few a sentence is
    rarely encoded twice. Bounded (least recently used first out) and safe across the
    threads that answer questions.
    """

    def __init__(self, embedder: Embedder, capacity: int = SENTENCE_CACHE_SIZE) -> None:
        self._embedder = embedder
        self._capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
            if missing:
                self._vectors.update(zip(missing, self._embedder.encode_documents(missing)))
            for text in texts:
                self._vectors.move_to_end(text)
            while len(self._vectors) > self._capacity:
                self._vectors.popitem(last=False)
            return np.stack([self._vectors[text] for text in texts])


@dataclass(frozen=True)
class Source:
    """An indexed article with its passage count, for /sources."""

    article: Article
    passages: int


class QuoteService:
    """Answers questions about the indexed articles."""

    def __init__(self, stored: StoredIndex, embedder: Embedder, top_k: int, decline: DeclineRule) -> None:
        self.stored = stored
        self.decline = decline
        self.searcher = Searcher(stored, embedder)
        self.top_k = top_k
        self._by_key = {article_key(a.id): a for a in stored.articles.values()}
        self._examples: dict[str, list[str]] = {}
        self._sentences = SentenceCache(embedder)

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
        return cls(stored, model, settings.top_k, decline_rule_for(model.name)), report

    def ask(self, question: str) -> Answer:
        return self.ask_many([question])[0]

    def ask_many(self, questions: Sequence[str]) -> list[Answer]:
        results = self.searcher.search_many(questions, self.top_k)
        encode = self._sentences.encode
        return [compose_answer(r, self.stored.articles, self.stored.lexical, self.decline, encode) for r in results]

    def sources(self) -> list[Source]:
        counts = Counter(passage.article_id for passage in self.stored.passages)
        return [Source(a, counts[a.id]) for a in self.stored.articles.values()]

    def article_by_key(self, key: str) -> Article | None:
        return self._by_key.get(key)

    def example_questions(self, language: str) -> list[str]:
        """Two questions about who and what the articles mention most, preferring answered ones."""
        if language not in self._examples:
            self._examples[language] = self._make_examples(language)
        return self._examples[language]

    def _make_examples(self, language: str) -> list[str]:
        candidates = candidate_questions(list(self.stored.articles.values()), language)
        answered = [q for q, a in zip(candidates, self.ask_many(candidates)) if a.answered]
        return (answered or candidates)[:2]


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
