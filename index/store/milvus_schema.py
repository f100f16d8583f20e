"""Connecting to Milvus and creating Kutip's collections (the only module that imports pymilvus).

Milvus Lite (a local file) runs the real Milvus engine embedded, with no server to start; it
is opened by one process at a time. Every collection needs a vector field, so those that hold
no vectors carry a 2-dimension placeholder.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

from index.errors import StoreUnavailableError
from index.store.base import StoreConfig, milvus_location
from index.text.lexical import BM25_B, BM25_K1

MAX_VARCHAR_BYTES = 65_535  # Milvus's VARCHAR limit
ARTICLE_CHUNK_CHARS = 16_000  # at most 4 UTF-8 bytes a character: under the limit
ID_BYTES = 1_024
CONNECT_SECONDS = 10.0
# Lite runs only a flat (exact) index on a file; a server builds its own index per segment.
LITE_INDEX = "FLAT"
SERVER_INDEX = "AUTOINDEX"

_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True)
class Collections:
    """The names of one library's collections: `<prefix>_passages` and so on."""

    passages: str
    articles: str
    terms: str
    meta: str

    @classmethod
    def named(cls, prefix: str) -> Collections:
        return cls(*(f"{prefix}_{field.name}" for field in fields(cls)))

    def all(self) -> tuple[str, ...]:
        return astuple(self)


def is_lite(config: StoreConfig) -> bool:
    return "://" not in config.milvus_uri


def index_type(config: StoreConfig) -> str:
    return f"milvus {LITE_INDEX if is_lite(config) else SERVER_INDEX}"


def connect(config: StoreConfig) -> Any:
    """A client for `config`'s Milvus, one per URI and token in this process (Milvus Lite starts
    its engine once per file: about 0.6 s)."""
    key = (config.milvus_uri, config.milvus_token)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = _new_client(config)
        return _clients[key]


def disconnect(config: StoreConfig) -> None:
    """Close this process's client for `config`; for Milvus Lite, stop the engine on its file too."""
    with _clients_lock:
        client = _clients.pop((config.milvus_uri, config.milvus_token), None)
    if client is not None:
        client.close()
    if is_lite(config):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(config.milvus_uri)


def _new_client(config: StoreConfig) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as error:  # the optional extra is not installed
        raise StoreUnavailableError(
            f"KUTIP_STORE=milvus needs pymilvus and milvus-lite: pip install 'kutip[milvus]' ({error})"
        ) from None
    if is_lite(config):
        Path(config.milvus_uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            # milvus-lite 2.5 imports pkg_resources, which warns that it is deprecated: known, pinned.
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            return MilvusClient(uri=config.milvus_uri, token=config.milvus_token, timeout=CONNECT_SECONDS)
    except Exception as error:  # pymilvus raises several kinds; all mean the same to the user
        hint = "is another Kutip process using the file?" if is_lite(config) else "is the server running?"
        raise StoreUnavailableError(
            f"cannot open Milvus at {milvus_location(config)} ({type(error).__name__}): {hint}"
        ) from error


def create_collections(client: Any, config: StoreConfig, dimension: int) -> None:
    """Drop the library's collections and create them empty."""
    from pymilvus import DataType, Function, FunctionType

    names = Collections.named(config.collection)
    for name in names.all():
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    for name in ("passage_id", "article_id"):
        schema.add_field(name, DataType.VARCHAR, max_length=ID_BYTES)
    for name in ("paragraph", "paragraph_end", "start", "end"):
        schema.add_field(name, DataType.INT64)
    for name in ("sentences", "text"):
        schema.add_field(name, DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES)
    # Kutip's stemmed tokens, split on spaces; Milvus's BM25 function fills `sparse` from them.
    schema.add_field(
        "terms",
        DataType.VARCHAR,
        max_length=MAX_VARCHAR_BYTES,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "whitespace"},
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_function(Function("bm25", FunctionType.BM25, input_field_names=["terms"], output_field_names=["sparse"]))
    indexes = client.prepare_index_params()
    indexes.add_index("vector", index_type=LITE_INDEX if is_lite(config) else SERVER_INDEX, metric_type="IP")
    bm25 = {"bm25_k1": BM25_K1, "bm25_b": BM25_B}
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=bm25)
    _create(client, names.passages, schema, indexes)
    _create_keyed(client, names.articles, 2, article_fields=True)
    _create_keyed(client, names.terms, 2, key="term", number="passages")
    _create_keyed(client, names.meta, dimension, value=True)


def _create_keyed(
    client: Any,
    name: str,
    dimension: int,
    key: str = "name",
    number: str = "",
    value: bool = False,
    article_fields: bool = False,
) -> None:
    """A collection keyed by a string, with a vector (placeholder or real) and a few fields."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field(key, DataType.VARCHAR, is_primary=True, max_length=MAX_VARCHAR_BYTES)
    if number:
        schema.add_field(number, DataType.INT64)
    if value:
        schema.add_field("value", DataType.VARCHAR, max_length=ID_BYTES)
    if article_fields:
        schema.add_field("article_id", DataType.VARCHAR, max_length=ID_BYTES)
        schema.add_field("chunk", DataType.INT64)
        for field in ("title", "text", "url", "published", "lang", "source"):
            schema.add_field(field, DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    indexes = client.prepare_index_params()
    indexes.add_index("vector", index_type="FLAT", metric_type="IP")
    _create(client, name, schema, indexes)


def _create(client: Any, name: str, schema: Any, indexes: Any) -> None:
    # Strong consistency: a search sees every write acknowledged before it (the builder's
    # commit, then the bot's swap), as with the FAISS store's new generation.
    client.create_collection(name, schema=schema, consistency_level="Strong")
    # Indexing an empty collection is immediate; pymilvus would poll its state every 0.5 s.
    client.create_index(name, indexes, sync=False)
    client.load_collection(name)
