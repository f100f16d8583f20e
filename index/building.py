"""Builds or refreshes the index from seeds/, re-embedding only articles whose content changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import IndexIncompatibleError, IndexMissingError
from index.models.base import Embedder
from index.store import open_store, open_writer
from index.store.background import BACKGROUND_PASSAGES
from index.store.base import (
    FORMAT_VERSION,
    Manifest,
    PassageStore,
    StoreConfig,
    StoreWriter,
    build_lock,
    check_model,
    read_manifest,
)
from index.text.articles import DEFAULT_MAX_FILE_BYTES, Article, read_articles
from index.text.passages import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP, SPLITTER_VERSION, split_passages

# Called once with the number of passages to embed, then the returned callback per batch.
ProgressFactory = Callable[[int], Callable[[int], None]]


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the CLI's summary line."""

    articles: int
    passages: int
    embedded_articles: int
    removed_articles: int
    warnings: tuple[str, ...]
    seconds: float
    changed: bool


def refresh_index(
    seeds_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    progress: ProgressFactory | None = None,
    max_file_bytes: int | None = DEFAULT_MAX_FILE_BYTES,
    store: StoreConfig = StoreConfig(),
) -> BuildReport:
    """Bring the index in `data_dir` (and `store`) up to date with `seeds_dir`; a no-op when
    nothing changed.

    Seed files over `max_file_bytes` are skipped with a warning (None: no limit).
    """
    with build_lock(data_dir):
        return _refresh(seeds_dir, data_dir, embedder, rebuild, max_tokens, progress, max_file_bytes, store)


def _refresh(
    seeds_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    rebuild: bool,
    max_tokens: int,
    progress: ProgressFactory | None,
    max_file_bytes: int | None,
    store: StoreConfig,
) -> BuildReport:
    started = time.perf_counter()
    load = read_articles(seeds_dir, max_file_bytes)
    settings = {"max_tokens": max_tokens, "overlap": DEFAULT_OVERLAP, "splitter": SPLITTER_VERSION}
    current = None if rebuild else _current_index(data_dir, embedder, store)
    old = current.manifest if current is not None and current.manifest.passage_settings == settings else None
    old_hashes = old.article_hashes if old is not None else {}
    new_hashes = {article.id: article.content_hash for article in load.articles}
    changed = {a.id for a in load.articles if old_hashes.get(a.id) != a.content_hash}
    removed = len(set(old_hashes) - set(new_hashes))
    if old is not None and not changed and not removed:
        return BuildReport(
            len(load.articles), old.passage_count, 0, 0, load.warnings, time.perf_counter() - started, changed=False
        )
    previous = current if old is not None else None
    writer = open_writer(data_dir, store, embedder.dimension, previous)
    for article_id in old_hashes.keys() - new_hashes.keys():
        writer.remove_article(article_id)
    _embed(load.articles, changed, writer, embedder, settings, progress)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        generation="",
        model_name=embedder.name,
        dimension=embedder.dimension,
        passage_settings=settings,
        built_at="",
        article_hashes=new_hashes,
        passage_count=0,  # counted by the store on commit
    )
    written = writer.commit(load.articles, manifest, _background_vectors(previous, embedder))
    return BuildReport(
        len(load.articles),
        written.passage_count,
        len(changed),
        removed,
        load.warnings,
        time.perf_counter() - started,
        changed=True,
    )


def _current_index(data_dir: Path, embedder: Embedder, store: StoreConfig) -> PassageStore | None:
    """The current index, opened as `kutip ask` opens it; None when there is no index yet, or
    when it lives in another store than the one configured (then this build fills that one).

    Opening runs every check a search would, so an index that `ask` refuses is never called
    up to date. An index of another model, or a damaged one, raises, so that the user decides
    to rebuild.
    """
    try:
        return open_store(data_dir, store, embedder.name, embedder.dimension)
    except IndexMissingError:
        return None
    except IndexIncompatibleError:
        manifest = read_manifest(data_dir)
        check_model(manifest, embedder.name, embedder.dimension, data_dir)
        return None  # same model, another store: build there from scratch


def _embed(
    articles: tuple[Article, ...],
    changed_ids: set[str],
    writer: StoreWriter,
    embedder: Embedder,
    settings: dict[str, int],
    progress: ProgressFactory | None,
) -> None:
    """Split and embed the changed articles into `writer`."""
    per_article = {
        a.id: split_passages(a, embedder.count_tokens, settings["max_tokens"], settings["overlap"])
        for a in articles
        if a.id in changed_ids
    }
    fresh = [p for passages in per_article.values() for p in passages]
    callback = progress(len(fresh)) if progress else None
    vectors = embedder.encode_documents([p.text for p in fresh], callback)
    first = 0
    for article in articles:
        if article.id in per_article:
            count = len(per_article[article.id])
            writer.put_article(article, per_article[article.id], vectors[first : first + count])
            first += count


def _background_vectors(previous: PassageStore | None, embedder: Embedder) -> np.ndarray:
    """The background passages' vectors: those stored with the index (same model), else encoded."""
    stored = previous.background_vectors() if previous is not None else None
    if stored is not None and stored.shape == (len(BACKGROUND_PASSAGES), embedder.dimension):
        return stored
    return embedder.encode_documents(BACKGROUND_PASSAGES)
