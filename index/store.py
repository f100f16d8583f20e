"""The index folder: a manifest pointing at one generation of FAISS, SQLite and BM25 files.

Layout of a data directory:
    manifest.json            format, model, per-article hashes, per-file sha256, generation
    gen-<id>/dense.faiss     passage vectors, row i = passage i
    gen-<id>/kutip.sqlite    articles and passages (text, offsets, paragraphs)
    gen-<id>/bm25/           bm25s folder (plain .npy and .json files)
A new generation is written beside the old one and becomes current when manifest.json is
atomically replaced, so a crash mid-build leaves the previous index usable.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from index.articles import Article
from index.errors import REBUILD_HINT, IndexCorruptError, IndexIncompatibleError, IndexMissingError
from index.lexical import LexicalIndex
from index.passages import Passage, Sentence

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DENSE_NAME = "dense.faiss"
DATABASE_NAME = "kutip.sqlite"
LEXICAL_NAME = "bm25"
LOCK_NAME = ".build.lock"
INDEX_TYPE = "IndexFlatIP"  # exact inner product; vectors are normalised, so cosine


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and with; compared on load and on refresh."""

    format_version: int
    generation: str
    model_name: str
    dimension: int
    passage_settings: dict[str, int]
    built_at: str
    article_hashes: dict[str, str]
    passage_count: int
    index_type: str = INDEX_TYPE
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredIndex:
    """A loaded index: articles, passages in row order, and both search structures."""

    manifest: Manifest
    articles: dict[str, Article]
    passages: tuple[Passage, ...]
    dense: faiss.Index
    lexical: LexicalIndex

    def vectors_by_article(self) -> dict[str, np.ndarray]:
        """The stored passage vectors of every article, in passage order, read in one pass."""
        rows: dict[str, list[int]] = {}
        for row, passage in enumerate(self.passages):
            rows.setdefault(passage.article_id, []).append(row)
        vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
        return {article_id: vectors[article_rows] for article_id, article_rows in rows.items()}


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """One build at a time per data directory: a bot starting while `kutip index` runs waits."""
    with file_lock(data_dir / LOCK_NAME):
        yield


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created with its folder), across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_index(
    data_dir: Path,
    articles: list[Article],
    passages: list[Passage],
    vectors: np.ndarray,
    manifest: Manifest,
) -> Manifest:
    """Write a new generation and switch the manifest to it; returns the manifest written."""
    data_dir.mkdir(parents=True, exist_ok=True)
    generation = f"gen-{uuid.uuid4().hex[:12]}"
    folder = data_dir / generation
    folder.mkdir()
    dense = faiss.IndexFlatIP(manifest.dimension)
    if len(vectors):
        dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(dense, str(folder / DENSE_NAME))
    _write_database(folder / DATABASE_NAME, articles, passages)
    LexicalIndex.build([passage.text for passage in passages]).save(folder / LEXICAL_NAME)
    files = {path.relative_to(folder).as_posix(): _sha256(path) for path in _files_in(folder)}
    written = Manifest(
        **{
            **asdict(manifest),
            "generation": generation,
            "files": files,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    _replace_json(data_dir / MANIFEST_NAME, asdict(written))
    _remove_other_generations(data_dir, keep=generation)
    return written


def read_manifest(data_dir: Path) -> Manifest:
    """The manifest of the current index; raises when missing, unreadable or of another format."""
    path = data_dir / MANIFEST_NAME
    if not path.exists():
        raise IndexMissingError(f"no index in {data_dir} yet: run `kutip index`")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format_version") != FORMAT_VERSION:
            raise IndexIncompatibleError(
                f"the index in {data_dir} has format {raw.get('format_version')!r}, this Kutip "
                f"reads format {FORMAT_VERSION}: {REBUILD_HINT}"
            )
        return Manifest(**raw)
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise IndexCorruptError(f"{path} is unreadable ({error}): {REBUILD_HINT}") from error


def check_model(manifest: Manifest, model_name: str, dimension: int, data_dir: Path) -> None:
    """Raise when the index was built by another model than the one loaded."""
    if (manifest.model_name, manifest.dimension) != (model_name, dimension):
        raise IndexIncompatibleError(
            f"the index in {data_dir} was built with {manifest.model_name} "
            f"({manifest.dimension} dimensions), but the model now configured is {model_name} "
            f"({dimension} dimensions): {REBUILD_HINT}"
        )


def load_index(data_dir: Path, model_name: str, dimension: int) -> StoredIndex:
    """Load and verify the current index; every file's checksum is checked first."""
    manifest = read_manifest(data_dir)
    check_model(manifest, model_name, dimension, data_dir)
    verify_files(data_dir, manifest)
    folder = data_dir / manifest.generation
    try:
        dense = faiss.read_index(str(folder / DENSE_NAME))
        articles, passages = _read_database(folder / DATABASE_NAME)
        lexical = LexicalIndex.load(folder / LEXICAL_NAME)
    except (RuntimeError, sqlite3.Error, OSError, ValueError, KeyError) as error:
        raise IndexCorruptError(f"the index in {data_dir} cannot be read ({error}): {REBUILD_HINT}") from error
    if not dense.ntotal == len(passages) == lexical.size == manifest.passage_count:
        raise IndexCorruptError(f"the index files in {data_dir} disagree on the passage count: {REBUILD_HINT}")
    return StoredIndex(manifest, articles, tuple(passages), dense, lexical)


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
        if _sha256(path) != digest:
            raise IndexCorruptError(f"{path} is damaged (checksum mismatch): {REBUILD_HINT}")


_SCHEMA = """
CREATE TABLE articles (id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, url TEXT,
    published TEXT, lang TEXT, source TEXT NOT NULL);
CREATE TABLE passages (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL
    REFERENCES articles(id), paragraph INTEGER NOT NULL, paragraph_end INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, sentences TEXT NOT NULL);
"""


def _write_database(path: Path, articles: list[Article], passages: list[Passage]) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript(_SCHEMA)
        connection.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(a.id, a.title, a.text, a.url, a.published, a.lang, a.source) for a in articles],
        )
        connection.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row,
                    p.id,
                    p.article_id,
                    p.paragraph,
                    p.paragraph_end,
                    p.start,
                    p.end,
                    json.dumps([[s.start, s.end, s.paragraph] for s in p.sentences]),
                )
                for row, p in enumerate(passages)
            ],
        )
    connection.close()


def _read_database(path: Path) -> tuple[dict[str, Article], list[Passage]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        articles = {
            row[0]: Article(
                id=row[0], title=row[1], text=row[2], url=row[3], published=row[4], lang=row[5], source=row[6]
            )
            for row in connection.execute("SELECT id, title, text, url, published, lang, source FROM articles")
        }
        passages = [
            Passage(
                id=pid,
                article_id=aid,
                paragraph=first,
                paragraph_end=last,
                start=start,
                end=end,
                text=articles[aid].text[start:end],
                sentences=tuple(Sentence(*triple) for triple in json.loads(sentences)),
            )
            for pid, aid, first, last, start, end, sentences in connection.execute(
                'SELECT id, article_id, paragraph, paragraph_end, start, "end", sentences FROM passages ORDER BY row'
            )
        ]
    finally:
        connection.close()
    return articles, passages


def _files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _replace_json(path: Path, payload: dict[str, object]) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _remove_other_generations(data_dir: Path, keep: str) -> None:
    for folder in data_dir.glob("gen-*"):
        if folder.name != keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
