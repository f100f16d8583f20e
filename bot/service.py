"""Kutip's question-answering service: the index kept fresh, the model loaded once, answers composed."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answers import Answer, compose_answer
from bot.examples import candidate_questions
from bot.settings import Settings
from index.articles import Article
from index.building import BuildReport, ProgressFactory, refresh_index
from index.embedder import Embedder, load_embedder
from index.e5_model import DEFAULT_MODEL_NAME
from index.judge import E5_READER_JUDGE, ReaderJudge, Verdict, judge_without_reader
from index.quotes import choose_quote
from index.reader import Reader, load_reader
from index.relevance import decline_rule_for
from index.search import SearchResult, Searcher
from index.sentences import split_paragraphs
from index.store import StoredIndex, load_index

@dataclass(frozen=True)
class Source:
    """An indexed article with its passage count, for /sources."""

    article: Article
    passages: int


class QuoteService:
    """Answers questions about the indexed articles: search, read, judge, quote, compose."""

    def __init__(
        self, stored: StoredIndex, embedder: Embedder, top_k: int, reader: Reader | None = None,
        judge: ReaderJudge = E5_READER_JUDGE,
    ) -> None:
        self.stored = stored
        self.searcher = Searcher(stored, embedder)
        self.top_k = top_k
        self.reader = reader
        self.judge = judge
        self.decline = decline_rule_for(embedder.name)
        self._by_key = {article_key(a.id): a for a in stored.articles.values()}
        self._examples: dict[str, list[str]] = {}

    @classmethod
    def open(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: ProgressFactory | None = None,
        reader: Reader | None = None,
        judge: ReaderJudge = E5_READER_JUDGE,
    ) -> tuple[QuoteService, BuildReport]:
        """Load the model, bring the index up to date with seeds/, and load it."""
        model = embedder or load_embedder(settings.model, model_cache(settings.cache_dir))
        report = refresh_index(settings.seeds_dir, settings.data_dir, model, progress=progress)
        stored = load_index(settings.data_dir, model.name, model.dimension)
        if reader is None and model.name == DEFAULT_MODEL_NAME:
            reader = load_reader(model)
        return cls(stored, model, settings.top_k, reader, judge), report

    def ask(self, question: str) -> Answer:
        return self.ask_many([question])[0]

    def ask_many(self, questions: Sequence[str]) -> list[Answer]:
        return [self._answer(result) for result in self.searcher.search_many(questions, self.top_k)]

    def judge_result(self, result: SearchResult) -> Verdict:
        """Whether `result` answers its question, its hits best first (read when a reader is loaded)."""
        lexical = self.stored.lexical
        if self.reader is None:
            return judge_without_reader(result, lexical, self.decline)
        if not result.hits or not self.judge.passes_gate(result, lexical):
            return Verdict(False, ())
        read = result.hits[: self.judge.read_depth]
        return self.judge.judge(result, self.reader.read(result.question, [hit.passage.text for hit in read]))

    def _answer(self, result: SearchResult) -> Answer:
        verdict = self.judge_result(result)
        articles = self.stored.articles
        quotes = [
            choose_quote(judged, articles[judged.hit.passage.article_id], result.terms, self.stored.lexical,
                         self.judge.span_probability)
            for judged in verdict.ranked
        ] if verdict.answered else []
        return compose_answer(result.question, verdict.answered, quotes, articles, result.hits)

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
