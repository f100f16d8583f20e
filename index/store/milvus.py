"""The scale-out store: Milvus collections, in a Milvus Lite file, a standalone server or a cluster.

Collections, named after the configured collection (default `kutip`):
    <name>_passages  one row per passage: dense vector, pre-stemmed terms indexed by Milvus's
                     BM25 function, passage text and the citation fields (index/store/milvus_schema.py)
    <name>_articles  article text and metadata, in chunks (a VARCHAR holds at most 64 KB)
    <name>_terms     how many passages hold each term: the IDF that judging and quoting weigh
    <name>_meta      the next free passage key and the background passages' vectors
Milvus has no Indonesian stemmer (its analyzers stem English and a few other languages), so
the BM25 field holds Kutip's own tokens (index/text/lexical.py's tokenize) split on whitespace:
BM25 then ranks as bm25s does in the FAISS store. The two retrievers are fused in Python with
the same min-max mix as the FAISS store (index/answering/search.py), so both stores answer alike.
Changes are made in place; manifest.json in the data directory records the build.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import REBUILD_HINT, IndexCorruptError
from index.store.article_shelf import ArticleShelf
from index.store.background import BACKGROUND_PASSAGES
from index.store.base import MILVUS, Manifest, Scored, StoreConfig, StoreStats, milvus_location, write_manifest
from index.store.milvus_schema import (
    ARTICLE_CHUNK_CHARS,
    MAX_VARCHAR_BYTES,
    Collections,
    connect,
    create_collections,
    index_type,
    is_lite,
)
from index.store.passage_table import sentences_json
from index.text.articles import Article
from index.text.lexical import EMPTY_TOKEN, idf_coverage, lucene_idf, tokenize
from index.text.passages import Passage, Sentence

BATCH_ROWS = 1000  # rows per insert or get: well under gRPC's 64 MB message limit
PASSAGE_FIELDS = ["key", "passage_id", "article_id", "paragraph", "paragraph_end", "start", "end", "sentences", "text"]
NEXT_KEY = "next_key"
QUERY_LIMIT = 16_384  # Milvus's cap on one query's rows; an article has far fewer passages


class MilvusTerms:
    """IDF of question terms from the `_terms` collection, cached for the life of one store."""

    def __init__(self, client: Any, collection: str, passages: int) -> None:
        self._client = client
        self._collection = collection
        self._passages = passages
        self._frequency: dict[str, int] = {}

    def idf(self, term: str) -> float:
        self._fetch([term])
        return lucene_idf(self._passages, self._frequency[term])

    def coverage(self, terms: Sequence[str], texts: Sequence[str]) -> list[float]:
        self._fetch(terms)
        return idf_coverage(self.idf, terms, texts)

    def _fetch(self, terms: Iterable[str]) -> None:
        missing = sorted(set(terms) - self._frequency.keys())
        if missing:
            found = frequencies(self._client, self._collection, missing)
            self._frequency.update({term: found.get(term, 0) for term in missing})


class MilvusStore:
    """A library in Milvus, open for searching."""

    def __init__(self, manifest: Manifest, config: StoreConfig, client: Any) -> None:
        self.manifest = manifest
        self.config = config
        self.names = Collections.named(config.collection)
        self._client = client
        self.articles = ArticleShelf(manifest.article_hashes, self._article)
        self.lexical = MilvusTerms(client, self.names.terms, manifest.passage_count)

    @classmethod
    def open(cls, data_dir: Path, manifest: Manifest, config: StoreConfig) -> MilvusStore:
        client = connect(config)
        names = Collections.named(config.collection)
        missing = [name for name in names.all() if not client.has_collection(name)]
        if missing:
            raise IndexCorruptError(
                f"Milvus at {milvus_location(config)} has no collection {missing[0]}: {REBUILD_HINT}"
            )
        stored = count_rows(client, names.passages)
        if stored != manifest.passage_count:
            raise IndexCorruptError(
                f"Milvus holds {stored} passages, {data_dir}/manifest.json lists {manifest.passage_count}: "
                f"{REBUILD_HINT}"
            )
        return cls(manifest, config, client)

    def dense_search(self, query: np.ndarray, k: int) -> Scored:
        [hits] = self._client.search(
            self.names.passages,
            data=[np.asarray(query, np.float32).tolist()],
            anns_field="vector",
            limit=k,
            search_params={"metric_type": "IP"},
        )
        return _scored(hits)

    def dense_scores(self, query: np.ndarray, keys: np.ndarray) -> np.ndarray:
        if not len(keys):
            return np.zeros(0, np.float32)
        rows = {row["key"]: row["vector"] for row in self._get(self.names.passages, keys.tolist(), ["key", "vector"])}
        gone = [0.0] * self.manifest.dimension  # removed by a build since it was found: dropped later
        vectors = np.array([rows.get(key, gone) for key in keys.tolist()], np.float32)
        cosines: np.ndarray = vectors @ np.asarray(query, np.float32)
        return cosines

    def lexical_search(self, terms: Sequence[str], k: int, include: np.ndarray) -> Scored:
        top = self._bm25(terms, k) if terms else Scored.empty()
        rest = include[~np.isin(include, top.keys)]
        if not len(rest):
            return top
        found = self._bm25(terms, len(rest), rest) if terms else Scored.empty()
        scored = dict(zip(found.keys.tolist(), found.scores.tolist()))
        rest_scores = np.array([scored.get(key, 0.0) for key in rest.tolist()], np.float32)
        return Scored(np.concatenate([top.keys, rest]), np.concatenate([top.scores, rest_scores]))

    def _bm25(self, terms: Sequence[str], k: int, among: np.ndarray | None = None) -> Scored:
        [hits] = self._client.search(
            self.names.passages,
            data=[" ".join(terms)],
            anns_field="sparse",
            limit=k,
            search_params={"metric_type": "BM25"},
            filter="" if among is None else f"key in {among.tolist()}",
        )
        return _scored(hits)

    def passages(self, keys: Sequence[int]) -> dict[int, Passage]:
        rows = self._get(self.names.passages, [int(k) for k in keys], PASSAGE_FIELDS) if len(keys) else []
        return {row["key"]: self._passage(row) for row in rows}

    def _passage(self, row: dict[str, Any]) -> Passage:
        start, end = int(row["start"]), int(row["end"])
        # A passage over the VARCHAR limit (one enormous sentence) is stored without its text.
        text = row["text"] or self.articles[row["article_id"]].text[start:end]
        return Passage(
            id=row["passage_id"],
            article_id=row["article_id"],
            paragraph=int(row["paragraph"]),
            paragraph_end=int(row["paragraph_end"]),
            start=start,
            end=end,
            text=text,
            sentences=tuple(Sentence(*triple) for triple in json.loads(row["sentences"])),
        )

    def _article(self, article_id: str) -> Article:
        rows = self._client.query(
            self.names.articles,
            filter=_of_article(article_id),
            output_fields=["chunk", "title", "text", "url", "published", "lang", "source"],
        )
        if not rows:  # removed by a build since this store was opened
            raise KeyError(article_id)
        rows.sort(key=lambda row: row["chunk"])
        first = rows[0]
        return Article(
            id=article_id,
            title=first["title"],
            text="".join(row["text"] for row in rows),
            url=first["url"] or None,
            published=first["published"] or None,
            lang=first["lang"] or None,
            source=first["source"],
        )

    def passage_counts(self) -> dict[str, int]:
        rows = iterate(self._client, self.names.passages, ["article_id"])
        return dict(Counter(row["article_id"] for row in rows))

    def background_vectors(self) -> np.ndarray | None:
        keys = [f"background/{n:03d}" for n in range(len(BACKGROUND_PASSAGES))]
        rows = {row["name"]: row["vector"] for row in self._get(self.names.meta, keys, ["name", "vector"])}
        if set(rows) != set(keys):
            return None
        return np.array([rows[key] for key in keys], np.float32)

    def stats(self) -> StoreStats:
        path = Path(self.config.milvus_uri)
        disk = path.stat().st_size if is_lite(self.config) and path.exists() else 0  # a server's: unknown here
        return StoreStats(
            MILVUS,
            self.manifest.index_type,
            len(self.articles),
            count_rows(self._client, self.names.passages),
            self.manifest.dimension,
            disk,
        )

    def _get(self, collection: str, keys: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return [
            row
            for first in range(0, len(keys), BATCH_ROWS)
            for row in self._client.get(collection, ids=keys[first : first + BATCH_ROWS], output_fields=fields)
        ]


class MilvusWriter:
    """Applies changes to the collections as they come; `commit` settles the term counts and
    records the build in manifest.json."""

    def __init__(self, data_dir: Path, config: StoreConfig, dimension: int, fresh: bool) -> None:
        self.data_dir = data_dir
        self.config = config
        self.names = Collections.named(config.collection)
        self._client = connect(config)
        if fresh:
            create_collections(self._client, config, dimension)
        self._fresh = fresh
        self._next_key = 0 if fresh else self._stored_next_key()
        self._frequency_change: Counter[str] = Counter()
        self._pending: dict[str, list[dict[str, Any]]] = {self.names.passages: [], self.names.articles: []}

    def put_article(self, article: Article, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        if not self._fresh:  # a fresh library has nothing to replace
            self.remove_article(article.id)
        for passage, vector in zip(passages, vectors):
            terms = tokenize(passage.text) or [EMPTY_TOKEN]
            self._frequency_change.update(set(terms))
            self._pending[self.names.passages].append(_passage_row(self._next_key, passage, terms, vector))
            self._next_key += 1
        self._pending[self.names.articles].extend(_article_rows(article))
        if len(self._pending[self.names.passages]) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Insert the rows put so far, many articles to a request (one request each is slow)."""
        for collection, rows in self._pending.items():
            for first in range(0, len(rows), BATCH_ROWS):
                self._client.insert(collection, rows[first : first + BATCH_ROWS])
            rows.clear()

    def remove_article(self, article_id: str) -> None:
        self._flush()  # the article may be among the rows not inserted yet
        where = _of_article(article_id)
        for row in self._client.query(self.names.passages, filter=where, output_fields=["terms"], limit=QUERY_LIMIT):
            self._frequency_change.subtract(set(row["terms"].split()))
        self._client.delete(self.names.passages, filter=where)
        self._client.delete(self.names.articles, filter=where)

    def commit(self, articles: Sequence[Article], manifest: Manifest, background: np.ndarray) -> Manifest:
        self._flush()
        self._settle_frequencies()
        meta = [{"name": NEXT_KEY, "value": str(self._next_key), "vector": [0.0] * len(background[0])}]
        meta += [
            {"name": f"background/{n:03d}", "value": "", "vector": vector.tolist()}
            for n, vector in enumerate(np.asarray(background, np.float32))
        ]
        self._client.upsert(self.names.meta, meta)
        written = Manifest(
            **{
                **asdict(manifest),
                "generation": f"milvus-{uuid.uuid4().hex[:12]}",
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "passage_count": count_rows(self._client, self.names.passages),
                "store": MILVUS,
                "location": milvus_location(self.config),
                "index_type": index_type(self.config),
                "files": {},
            }
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        write_manifest(self.data_dir, written)
        return written

    def _settle_frequencies(self) -> None:
        changed = sorted(term for term, change in self._frequency_change.items() if change)
        current = frequencies(self._client, self.names.terms, changed)
        counts = {term: current.get(term, 0) + self._frequency_change[term] for term in changed}
        kept = [{"term": t, "passages": n, "vector": [0.0, 0.0]} for t, n in counts.items() if n > 0]
        for first in range(0, len(kept), BATCH_ROWS):
            self._client.upsert(self.names.terms, kept[first : first + BATCH_ROWS])
        gone = [term for term, n in counts.items() if n <= 0]
        for first in range(0, len(gone), BATCH_ROWS):
            self._client.delete(self.names.terms, ids=gone[first : first + BATCH_ROWS])
        self._frequency_change.clear()

    def _stored_next_key(self) -> int:
        rows = self._client.get(self.names.meta, ids=[NEXT_KEY], output_fields=["value"])
        if not rows:
            raise IndexCorruptError(
                f"Milvus at {milvus_location(self.config)} lost its passage counter: {REBUILD_HINT}"
            )
        return int(rows[0]["value"])


def frequencies(client: Any, collection: str, terms: Sequence[str]) -> dict[str, int]:
    """How many passages hold each of `terms` (absent: none)."""
    found: dict[str, int] = {}
    for first in range(0, len(terms), BATCH_ROWS):
        batch = list(terms[first : first + BATCH_ROWS])
        for row in client.get(collection, ids=batch, output_fields=["term", "passages"]):
            found[row["term"]] = int(row["passages"])
    return found


def count_rows(client: Any, collection: str) -> int:
    return int(client.query(collection, filter="", output_fields=["count(*)"])[0]["count(*)"])


def iterate(client: Any, collection: str, fields: list[str], **where: Any) -> Iterator[dict[str, Any]]:
    """Every row (matching `filter`, when given), in batches: a plain query stops at 16,384 rows."""
    iterator = client.query_iterator(collection, batch_size=BATCH_ROWS, output_fields=fields, **where)
    try:
        while batch := iterator.next():
            yield from batch
    finally:
        iterator.close()


def _of_article(article_id: str) -> str:
    """A filter on one article id, quoted as a JSON string (Milvus Lite 2.5.1 has no filter templates)."""
    return f"article_id == {json.dumps(article_id, ensure_ascii=False)}"


def _scored(hits: list[dict[str, Any]]) -> Scored:
    return Scored(
        np.array([hit["id"] for hit in hits], np.int64), np.array([hit["distance"] for hit in hits], np.float32)
    )


def _passage_row(key: int, passage: Passage, terms: list[str], vector: np.ndarray) -> dict[str, Any]:
    text = passage.text if len(passage.text.encode()) <= MAX_VARCHAR_BYTES else ""
    return {
        "key": key,
        "passage_id": passage.id,
        "article_id": passage.article_id,
        "paragraph": passage.paragraph,
        "paragraph_end": passage.paragraph_end,
        "start": passage.start,
        "end": passage.end,
        "sentences": sentences_json(passage),
        "text": text,
        "terms": _clip(" ".join(terms)),
        "vector": np.asarray(vector, np.float32).tolist(),
    }


def _clip(text: str) -> str:
    """At most MAX_VARCHAR_BYTES of UTF-8, cut at a space: only a passage of one enormous
    sentence loses its last terms."""
    data = text.encode()
    if len(data) <= MAX_VARCHAR_BYTES:
        return text
    return data[:MAX_VARCHAR_BYTES].decode(errors="ignore").rpartition(" ")[0]


def _article_rows(article: Article) -> Iterator[dict[str, Any]]:
    chunks = range(0, max(len(article.text), 1), ARTICLE_CHUNK_CHARS)
    for n, first in enumerate(chunks):
        yield {
            "name": f"{article.id}\x1f{n}",
            "article_id": article.id,
            "chunk": n,
            "title": article.title if n == 0 else "",
            "text": article.text[first : first + ARTICLE_CHUNK_CHARS],
            "url": article.url or "",
            "published": article.published or "",
            "lang": article.lang or "",
            "source": article.source,
            "vector": [0.0, 0.0],
        }
