"""What search and building need of an index, whichever engine holds it: the protocols, the
manifest (what the index was built from and with, and which store holds it) and the build lock.

A passage is named by an integer key (a FAISS row, a Milvus primary key).
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import REBUILD_HINT, IndexCorruptError, IndexIncompatibleError, IndexMissingError
from index.text.articles import Article
from index.text.lexical import LexicalIndex
from index.text.passages import Passage

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".build.lock"
FAISS = "faiss"
MILVUS = "milvus"
STORES = (FAISS, MILVUS)
DEFAULT_COLLECTION = "kutip"


@dataclass(frozen=True)
class StoreConfig:
    """Which store holds the index; for Milvus, where (a Lite file path or a server URL)."""

    kind: str = FAISS
    milvus_uri: str = ""
    milvus_token: str = field(default="", repr=False)
    collection: str = DEFAULT_COLLECTION


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
    index_type: str = "IndexFlatIP"
    files: dict[str, str] = field(default_factory=dict)
    store: str = FAISS
    location: str = ""  # Milvus: the URI without credentials, and the collection


@dataclass(frozen=True)
class Scored:
    """Passage keys with one score each, in the order a retriever ranked them."""

    keys: np.ndarray  # int64
    scores: np.ndarray  # float32

    @classmethod
    def empty(cls) -> Scored:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32))


@dataclass(frozen=True)
class StoreStats:
    """Sizes for `kutip info` and the benchmarks."""

    store: str
    index_type: str
    articles: int
    passages: int
    dimension: int
    disk_bytes: int


class PassageStore(Protocol):
    """An index open for searching: passages, their vectors, BM25, and the articles they quote."""

    @property
    def manifest(self) -> Manifest: ...

    @property
    def articles(self) -> Mapping[str, Article]: ...

    @property
    def lexical(self) -> LexicalIndex:
        """IDF weights for judging and quoting (coverage of the question's terms)."""
        ...

    def dense_search(self, query: np.ndarray, k: int) -> Scored:
        """The `k` passages closest to `query` (cosine), best first."""
        ...

    def dense_scores(self, query: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """The cosine of `query` with each passage of `keys`."""
        ...

    def lexical_search(self, terms: Sequence[str], k: int, include: np.ndarray) -> Scored:
        """The `k` best BM25 passages with a positive score, best first, then the passages of
        `include` not among them (scored, 0 when no term matches)."""
        ...

    def passages(self, keys: Sequence[int]) -> dict[int, Passage]:
        """The passages of `keys` by key; a key removed since it was found is left out."""
        ...

    def passage_counts(self) -> dict[str, int]:
        """Passages per article id."""
        ...

    def background_vectors(self) -> np.ndarray | None:
        """The background passages' vectors stored at build time; None when absent."""
        ...

    def stats(self) -> StoreStats: ...


class StoreWriter(Protocol):
    """Changes to an index, visible to searches once committed."""

    def put_article(self, article: Article, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Add the article, or replace the one with its id, with its passages and their vectors."""
        ...

    def remove_article(self, article_id: str) -> None: ...

    def commit(self, articles: Sequence[Article], manifest: Manifest, background: np.ndarray) -> Manifest:
        """Make the changes visible with `articles` as the whole library, in order; returns the
        manifest written (with a new generation and the passage count)."""
        ...


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


def write_manifest(data_dir: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically: readers see the old one or the new one, never a mix."""
    path = data_dir / MANIFEST_NAME
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(asdict(manifest), handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def check_model(manifest: Manifest, model_name: str, dimension: int, data_dir: Path) -> None:
    """Raise when the index was built by another model than the one loaded."""
    if (manifest.model_name, manifest.dimension) != (model_name, dimension):
        raise IndexIncompatibleError(
            f"the index in {data_dir} was built with {manifest.model_name} "
            f"({manifest.dimension} dimensions), but the model now configured is {model_name} "
            f"({dimension} dimensions): {REBUILD_HINT}"
        )


def check_store(manifest: Manifest, config: StoreConfig, data_dir: Path) -> None:
    """Raise when the index lives in another store (or another Milvus) than the one configured."""
    if manifest.store != config.kind:
        raise IndexIncompatibleError(
            f"the index in {data_dir} is in the {manifest.store} store, but KUTIP_STORE is {config.kind}: "
            "run `kutip index` to build it there"
        )
    if config.kind == MILVUS and manifest.location != milvus_location(config):
        raise IndexIncompatibleError(
            f"the index in {data_dir} is in Milvus at {manifest.location}, but KUTIP_MILVUS_URI names "
            f"{milvus_location(config)}: run `kutip index` to build it there"
        )


def milvus_location(config: StoreConfig) -> str:
    """Where a Milvus index lives, safe to log and store: the URI without credentials, and the collection."""
    uri = config.milvus_uri
    if "://" in uri:
        scheme, rest = uri.split("://", 1)
        uri = f"{scheme}://{rest.rpartition('@')[2]}"
    else:
        uri = str(Path(uri).resolve())
    return f"{uri}#{config.collection}"


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
