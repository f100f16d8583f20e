"""Builds or refreshes the index from seeds/, re-embedding only articles whose content changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.articles import DEFAULT_MAX_FILE_BYTES, Article, read_articles
from index.embedder import Embedder
from index.errors import IndexMissingError
from index.passages import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP, SPLITTER_VERSION, Passage, split_passages
from index.store import (
    FORMAT_VERSION,
    Manifest,
    StoredIndex,
    build_lock,
    load_index,
    write_index,
)

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
) -> BuildReport:
    """Bring the index in `data_dir` up to date with `seeds_dir`; a no-op when nothing changed.

    Seed files over `max_file_bytes` are skipped with a warning (None: no limit).
    """
    with build_lock(data_dir):
        return _refresh(seeds_dir, data_dir, embedder, rebuild, max_tokens, progress, max_file_bytes)


def _refresh(
    seeds_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    rebuild: bool,
    max_tokens: int,
    progress: ProgressFactory | None,
    max_file_bytes: int | None,
) -> BuildReport:
    started = time.perf_counter()
    load = read_articles(seeds_dir, max_file_bytes)
    settings = {"max_tokens": max_tokens, "overlap": DEFAULT_OVERLAP, "splitter": SPLITTER_VERSION}
    current = None if rebuild else _current_index(data_dir, embedder)
    old = current.manifest if current is not None and current.manifest.passage_settings == settings else None
    old_hashes = old.article_hashes if old is not None else {}
    new_hashes = {article.id: article.content_hash for article in load.articles}
    changed = {a.id for a in load.articles if old_hashes.get(a.id) != a.content_hash}
    removed = len(set(old_hashes) - set(new_hashes))
    if old is not None and not changed and not removed:
        return BuildReport(
            len(load.articles), old.passage_count, 0, 0, load.warnings, time.perf_counter() - started, changed=False
        )
    # Vectors are read back only when some unchanged article can lend them.
    keeps_some = any(article_id not in changed for article_id in old_hashes.keys() & new_hashes.keys())
    previous = current if keeps_some else None
    passages, vectors = _embed(load.articles, changed, previous, embedder, settings, progress)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        generation="",
        model_name=embedder.name,
        dimension=embedder.dimension,
        passage_settings=settings,
        built_at="",
        article_hashes=new_hashes,
        passage_count=len(passages),
    )
    write_index(data_dir, list(load.articles), passages, vectors, manifest)
    return BuildReport(
        len(load.articles),
        len(passages),
        len(changed),
        removed,
        load.warnings,
        time.perf_counter() - started,
        changed=True,
    )


def _current_index(data_dir: Path, embedder: Embedder) -> StoredIndex | None:
    """The current index, loaded as `kutip ask` loads it; None when there is no index yet.

    Loading runs every check a search would, so an index that `ask` refuses is never called
    up to date. An index of another model, or a damaged one, raises, so that the user decides
    to rebuild.
    """
    try:
        return load_index(data_dir, embedder.name, embedder.dimension)
    except IndexMissingError:
        return None


def _embed(
    articles: tuple[Article, ...],
    changed_ids: set[str],
    previous: StoredIndex | None,
    embedder: Embedder,
    settings: dict[str, int],
    progress: ProgressFactory | None,
) -> tuple[list[Passage], np.ndarray]:
    """Passages of every article, with vectors reused for unchanged articles."""
    per_article = {
        a.id: split_passages(a, embedder.count_tokens, settings["max_tokens"], settings["overlap"]) for a in articles
    }
    fresh = [p for a in articles if a.id in changed_ids for p in per_article[a.id]]
    callback = progress(len(fresh)) if progress else None
    fresh_vectors = embedder.encode_documents([p.text for p in fresh], callback)
    fresh_rows = {p.id: row for row, p in enumerate(fresh)}
    kept = previous.vectors_by_article() if previous is not None else {}
    blocks: list[np.ndarray] = []
    for article in articles:
        if article.id in changed_ids:
            rows = [fresh_rows[p.id] for p in per_article[article.id]]
            blocks.append(fresh_vectors[rows])
        else:
            blocks.append(kept[article.id])
    passages = [p for a in articles for p in per_article[a.id]]
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, embedder.dimension), np.float32)
    return passages, vectors
