"""The default store: one generation folder of FAISS, SQLite and bm25s files per build.

Layout of a data directory:
    manifest.json              format, model, per-article hashes, per-file sha256, generation
    gen-<id>/dense.faiss       passage vectors, row i = passage i (flat or IVF: index/store/dense.py)
    gen-<id>/kutip.sqlite      articles and passages (offsets, paragraphs): index/store/passage_table.py
    gen-<id>/bm25/             bm25s folder (plain .npy and .json files)
    gen-<id>/background.npy    the background passages' vectors (index/store/background.py)
A new generation is written beside the old one and becomes current when manifest.json is
atomically replaced, so a crash mid-build leaves the previous index usable. Passages are read
from SQLite a few at a time, so opening a large index loads only the vectors and BM25.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from index.checksums import file_sha256
from index.errors import REBUILD_HINT, IndexCorruptError
from index.store.article_shelf import ArticleShelf
from index.store.base import FAISS, MANIFEST_NAME, Manifest, Scored, StoreStats, write_manifest
from index.store.dense import build_dense, describe, search_one
from index.store.passage_table import PassageTable, write_table
from index.text.articles import Article
from index.text.lexical import Bm25Index, top_rows
from index.text.passages import Passage

DENSE_NAME = "dense.faiss"
DATABASE_NAME = "kutip.sqlite"
LEXICAL_NAME = "bm25"
BACKGROUND_NAME = "background.npy"


@dataclass(frozen=True)
class FaissStore:
    """An open generation: FAISS and BM25 in memory, articles and passages read on demand."""

    manifest: Manifest
    folder: Path
    dense: faiss.Index
    lexical: Bm25Index
    table: PassageTable
    articles: ArticleShelf

    @classmethod
    def open(cls, data_dir: Path, manifest: Manifest) -> FaissStore:
        """Load and verify the current generation; every file's checksum is checked first."""
        verify_files(data_dir, manifest)
        folder = data_dir / manifest.generation
        try:
            # Memory-mapped: pages are read as searches touch them and shared between processes.
            dense = faiss.read_index(str(folder / DENSE_NAME), faiss.IO_FLAG_MMAP)
            table = PassageTable(folder / DATABASE_NAME)
            lexical = Bm25Index.load(folder / LEXICAL_NAME)
            stored = table.passage_count()
            articles = ArticleShelf(table.article_ids(), table.article)
        except (RuntimeError, sqlite3.Error, OSError, ValueError, KeyError) as error:
            raise IndexCorruptError(f"the index in {data_dir} cannot be read ({error}): {REBUILD_HINT}") from error
        if not dense.ntotal == stored == lexical.size == manifest.passage_count:
            raise IndexCorruptError(f"the index files in {data_dir} disagree on the passage count: {REBUILD_HINT}")
        return cls(manifest, folder, dense, lexical, table, articles)

    def dense_search(self, query: np.ndarray, k: int) -> Scored:
        rows, cosines = search_one(self.dense, query, k)
        return Scored(rows, cosines)

    def dense_scores(self, query: np.ndarray, keys: np.ndarray) -> np.ndarray:
        if not len(keys):
            return np.zeros(0, np.float32)
        vectors = np.stack([self.dense.reconstruct(int(key)) for key in keys])
        cosines: np.ndarray = (vectors @ np.asarray(query, np.float32)).astype(np.float32)
        return cosines

    def lexical_search(self, terms: Sequence[str], k: int, include: np.ndarray) -> Scored:
        scores = self.lexical.scores(terms)
        top = top_rows(scores, k)
        keys = np.concatenate([top, include[~np.isin(include, top)]]).astype(np.int64)
        return Scored(keys, scores[keys])

    def passages(self, keys: Sequence[int]) -> dict[int, Passage]:
        return self.table.passages(keys) if len(keys) else {}

    def passage_counts(self) -> dict[str, int]:
        return self.table.passage_counts()

    def background_vectors(self) -> np.ndarray | None:
        # Listed files were checked on opening; an index built before they were stored has none.
        return np.load(self.folder / BACKGROUND_NAME) if BACKGROUND_NAME in self.manifest.files else None

    def vectors_by_article(self) -> dict[str, np.ndarray]:
        """The stored passage vectors of every article, in passage order, read in one pass."""
        rows: dict[str, list[int]] = {}
        for row, passage in enumerate(self.table.all_passages()):
            rows.setdefault(passage.article_id, []).append(row)
        vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
        return {article_id: vectors[article_rows] for article_id, article_rows in rows.items()}

    def stats(self) -> StoreStats:
        size = sum(path.stat().st_size for path in _files_in(self.folder))
        return StoreStats(
            FAISS, describe(self.dense), len(self.articles), self.dense.ntotal, self.manifest.dimension, size
        )


class FaissWriter:
    """Collects changes, then writes them and every unchanged article as a new generation."""

    def __init__(self, data_dir: Path, dimension: int, previous: FaissStore | None) -> None:
        self.data_dir = data_dir
        self.dimension = dimension
        self.previous = previous
        self._put: dict[str, tuple[list[Passage], np.ndarray]] = {}

    def put_article(self, article: Article, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        self._put[article.id] = (list(passages), vectors)

    def remove_article(self, article_id: str) -> None:
        self._put.pop(article_id, None)  # an article absent from commit's list is gone anyway

    def commit(self, articles: Sequence[Article], manifest: Manifest, background: np.ndarray) -> Manifest:
        passages, vectors = self._library(articles)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        generation = f"gen-{uuid.uuid4().hex[:12]}"
        folder = self.data_dir / generation
        folder.mkdir()
        dense = build_dense(vectors, self.dimension)
        faiss.write_index(dense, str(folder / DENSE_NAME))
        write_table(folder / DATABASE_NAME, articles, passages)
        Bm25Index.build([p.text for p in passages]).save(folder / LEXICAL_NAME)
        np.save(folder / BACKGROUND_NAME, np.asarray(background, np.float32))
        files = {path.relative_to(folder).as_posix(): file_sha256(path) for path in _files_in(folder)}
        built_at = datetime.now(UTC).isoformat(timespec="seconds")
        written = Manifest(
            **{
                **asdict(manifest),
                "generation": generation,
                "files": files,
                "built_at": built_at,
                "passage_count": len(passages),
                "store": FAISS,
                "index_type": describe(dense),
            }
        )
        write_manifest(self.data_dir, written)
        _remove_other_generations(self.data_dir, keep=generation)
        return written

    def _library(self, articles: Sequence[Article]) -> tuple[list[Passage], np.ndarray]:
        """Every article's passages and vectors in library order: new ones, else the stored ones."""
        kept_ids = {a.id for a in articles if a.id not in self._put}
        kept_vectors = self.previous.vectors_by_article() if kept_ids and self.previous else {}
        kept_passages: dict[str, list[Passage]] = {}
        if kept_ids and self.previous:
            for passage in self.previous.table.all_passages():
                kept_passages.setdefault(passage.article_id, []).append(passage)
        passages: list[Passage] = []
        blocks: list[np.ndarray] = []
        for article in articles:
            article_passages, vectors = self._put.get(article.id) or (
                kept_passages[article.id],
                kept_vectors[article.id],
            )
            passages.extend(article_passages)
            blocks.append(vectors)
        vectors = np.concatenate(blocks) if blocks else np.zeros((0, self.dimension), np.float32)
        return passages, vectors


def verify_files(data_dir: Path, manifest: Manifest) -> None:
    """Raise when the generation's files are not exactly those listed, as they were written."""
    folder = data_dir / manifest.generation
    present = {path.relative_to(folder).as_posix() for path in _files_in(folder)} if folder.is_dir() else set()
    # A file left out of the list would escape the checksums below and fail only when read.
    if unlisted := sorted(present - manifest.files.keys()):
        raise IndexCorruptError(f"{folder / unlisted[0]} is not in {MANIFEST_NAME}'s file list: {REBUILD_HINT}")
    for name, digest in manifest.files.items():
        path = folder / name
        if name not in present:
            raise IndexCorruptError(f"{path} is missing: {REBUILD_HINT}")
        if file_sha256(path) != digest:
            raise IndexCorruptError(f"{path} is damaged (checksum mismatch): {REBUILD_HINT}")


def _files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def _remove_other_generations(data_dir: Path, keep: str) -> None:
    for folder in data_dir.glob("gen-*"):
        if folder.name != keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
