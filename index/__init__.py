"""Kutip's retrieval library: articles, passages, embeddings, FAISS/BM25 or Milvus stores, the question path.

The names below are the library's public surface; the application (bot/) imports only these.
Most live in modules that import heavy libraries (FAISS, bm25s and Sastrawi, torch, trafilatura),
so each is imported on first use: `from index import ENGLISH` loads the language guesser only.
The subpackages, by role: text/ (articles, sentences, passages, language, BM25 terms), seeds/
(the seeds folder as a living library), models/ (embedders, the e5 model, the reader), store/
(the index on disk or in Milvus), answering/ (the question path and each model's profile).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from index.errors import (
    AmbiguousTitleError,
    ArticleNotFoundError,
    DuplicateError,
    ExtractionError,
    FetchError,
    IndexCorruptError,
    IndexIncompatibleError,
    IndexMissingError,
    KutipError,
    LastArticleError,
    LibraryError,
    ModelError,
    PrivateAddressError,
    RemovalError,
    SeedError,
    StoredIndexError,
    StoreUnavailableError,
    TooLargeError,
    UnsupportedTypeError,
)

if TYPE_CHECKING:
    from index.answering.follow_up import Context, Exchange, FollowUp, reads_as_follow_up
    from index.answering.judge import Outcome, Verdict
    from index.answering.pipeline import AnsweredQuestion, Answerer, AnswerOptions
    from index.answering.profile import E5_READER_JUDGE, ModelProfile, profile_for
    from index.answering.quotes import Quote
    from index.answering.search import Hit, Searcher, SearchResult
    from index.building import BuildReport, ProgressFactory, refresh_index
    from index.evaluation import corpus_from_questions, evaluate, read_questions
    from index.models.base import Embedder
    from index.models.e5 import DEFAULT_MODEL_NAME, MODEL_DIR_NAME
    from index.models.embedder import PRECISIONS, load_embedder
    from index.seeds.extraction import draft_from_file, draft_from_text
    from index.seeds.feeds import FeedItem, parse_feed
    from index.seeds.fetching import Fetcher
    from index.seeds.folder import (
        ADDED_FOLDER,
        add_article,
        add_from_url,
        describe_files,
        read_json,
        remove_article,
        write_atomically,
    )
    from index.store import open_store
    from index.store.base import PassageStore, StoreConfig, StoreStats, read_manifest
    from index.text.articles import Article
    from index.text.language import ENGLISH, INDONESIAN, guess_language
    from index.text.sentences import split_paragraphs

# Where each lazily imported name lives (tests/unit/test_public_surface.py keeps it and __all__ in step).
_MODULES: dict[str, tuple[str, ...]] = {
    "index.answering.follow_up": ("Context", "Exchange", "FollowUp", "reads_as_follow_up"),
    "index.answering.judge": ("Outcome", "Verdict"),
    "index.answering.pipeline": ("AnswerOptions", "AnsweredQuestion", "Answerer"),
    "index.answering.quotes": ("Quote",),
    "index.answering.search": ("Hit", "SearchResult", "Searcher"),
    "index.building": ("BuildReport", "ProgressFactory", "refresh_index"),
    "index.evaluation": ("corpus_from_questions", "evaluate", "read_questions"),
    "index.models.base": ("Embedder",),
    "index.models.e5": ("DEFAULT_MODEL_NAME", "MODEL_DIR_NAME"),
    "index.models.embedder": ("PRECISIONS", "load_embedder"),
    "index.answering.profile": ("E5_READER_JUDGE", "ModelProfile", "profile_for"),
    "index.seeds.extraction": ("draft_from_file", "draft_from_text"),
    "index.seeds.feeds": ("FeedItem", "parse_feed"),
    "index.seeds.fetching": ("Fetcher",),
    "index.seeds.folder": (
        "ADDED_FOLDER",
        "add_article",
        "add_from_url",
        "describe_files",
        "read_json",
        "remove_article",
        "write_atomically",
    ),
    "index.store": ("open_store",),
    "index.store.base": ("PassageStore", "StoreConfig", "StoreStats", "read_manifest"),
    "index.text.articles": ("Article",),
    "index.text.language": ("ENGLISH", "INDONESIAN", "guess_language"),
    "index.text.sentences": ("split_paragraphs",),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "ADDED_FOLDER",
    "DEFAULT_MODEL_NAME",
    "E5_READER_JUDGE",
    "ENGLISH",
    "INDONESIAN",
    "MODEL_DIR_NAME",
    "PRECISIONS",
    "AmbiguousTitleError",
    "AnswerOptions",
    "AnsweredQuestion",
    "Answerer",
    "Article",
    "ArticleNotFoundError",
    "BuildReport",
    "Context",
    "DuplicateError",
    "Embedder",
    "Exchange",
    "ExtractionError",
    "FeedItem",
    "FetchError",
    "Fetcher",
    "FollowUp",
    "Hit",
    "IndexCorruptError",
    "IndexIncompatibleError",
    "IndexMissingError",
    "KutipError",
    "LastArticleError",
    "LibraryError",
    "ModelError",
    "ModelProfile",
    "Outcome",
    "PassageStore",
    "PrivateAddressError",
    "ProgressFactory",
    "Quote",
    "RemovalError",
    "SearchResult",
    "Searcher",
    "SeedError",
    "StoreConfig",
    "StoreStats",
    "StoreUnavailableError",
    "StoredIndexError",
    "TooLargeError",
    "UnsupportedTypeError",
    "Verdict",
    "add_article",
    "add_from_url",
    "corpus_from_questions",
    "describe_files",
    "draft_from_file",
    "draft_from_text",
    "evaluate",
    "guess_language",
    "load_embedder",
    "open_store",
    "parse_feed",
    "profile_for",
    "read_json",
    "read_manifest",
    "read_questions",
    "reads_as_follow_up",
    "refresh_index",
    "remove_article",
    "split_paragraphs",
    "write_atomically",
]


def __getattr__(name: str) -> Any:
    """Import the module that holds `name` on first use (PEP 562)."""
    if name not in _HOME:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
