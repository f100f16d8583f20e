"""The store: the index on disk or in Milvus, opened for searching or for writing.

Two implementations, chosen by `StoreConfig.kind`:
    faiss   (default) index/store/faiss.py: a generation folder of FAISS, SQLite and bm25s files
    milvus  index/store/milvus.py: collections in Milvus (Milvus Lite file, server or cluster)
Both keep `manifest.json` in the data directory (index/store/base.py). Each engine's module is
imported only when that store is opened: FAISS or pymilvus is loaded by the store in use alone.
"""

from __future__ import annotations

from pathlib import Path

from index.store.base import MILVUS, PassageStore, StoreConfig, StoreWriter, check_model, check_store, read_manifest


def open_store(data_dir: Path, config: StoreConfig, model_name: str, dimension: int) -> PassageStore:
    """Open the current index for searching; raises when missing, of another model or store, or damaged."""
    manifest = read_manifest(data_dir)
    check_model(manifest, model_name, dimension, data_dir)
    check_store(manifest, config, data_dir)
    if config.kind == MILVUS:
        from index.store.milvus import MilvusStore

        return MilvusStore.open(data_dir, manifest, config)
    from index.store.faiss import FaissStore

    return FaissStore.open(data_dir, manifest)


def load_index(data_dir: Path, model_name: str, dimension: int) -> PassageStore:
    """The index in the default (FAISS) store: `open_store` for callers with no store setting
    (training/reader_examples.py)."""
    return open_store(data_dir, StoreConfig(), model_name, dimension)


def open_writer(data_dir: Path, config: StoreConfig, dimension: int, previous: PassageStore | None) -> StoreWriter:
    """A writer over `previous` (None: start from an empty library)."""
    if config.kind == MILVUS:
        from index.store.milvus import MilvusWriter

        return MilvusWriter(data_dir, config, dimension, fresh=previous is None)
    from index.store.faiss import FaissStore, FaissWriter

    return FaissWriter(data_dir, dimension, previous if isinstance(previous, FaissStore) else None)
