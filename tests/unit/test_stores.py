"""Both stores behind one interface: real FAISS, BM25 and SQLite, and Milvus Lite in a temporary file.

Every test runs on each store. Milvus Lite starts its engine once per file (about 0.6 s), so
the Milvus tests share one file per module, each in collections of its own.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.service import QuoteService
from bot.settings import Settings
from index.answering.search import Searcher
from index.building import refresh_index
from index.errors import IndexIncompatibleError, StoreUnavailableError
from index.store import dense, milvus_schema, open_store
from index.store.background import BACKGROUND_PASSAGES
from index.store.base import MILVUS, PassageStore, StoreConfig, read_manifest
from index.text.lexical import tokenize, top_rows
from tests.helpers.fake_embedder import FakeEmbedder

SEED_ID = "000_fa119bf131a3472f"
RICE = "Harga beras di Jakarta naik tajam pekan ini. Pedagang beras mengeluh."
_collections = itertools.count()


@pytest.fixture(scope="module")
def milvus_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("milvus") / "kutip-milvus.db"
    yield path
    milvus_schema.disconnect(StoreConfig(MILVUS, str(path)))


@pytest.fixture(params=["faiss", "milvus"])
def config(request: pytest.FixtureRequest) -> StoreConfig:
    if request.param == "faiss":
        return StoreConfig()
    path = request.getfixturevalue("milvus_file")
    return StoreConfig(MILVUS, str(path), collection=f"test_{next(_collections)}")


def build(seeds: Path, data: Path, embedder: FakeEmbedder, config: StoreConfig) -> PassageStore:
    refresh_index(seeds, data, embedder, store=config)
    return open_store(data, config, embedder.name, embedder.dimension)


def write(seeds: Path, name: str, text: str) -> None:
    (seeds / name).write_text(text, encoding="utf-8")


def best_passage(store: PassageStore, embedder: FakeEmbedder, text: str) -> str:
    found = store.dense_search(embedder.encode_queries([text])[0], 1)
    key = int(found.keys[0])
    return store.passages([key])[key].article_id


def test_add_search_fetch_and_stats(seeds: Path, tmp_path: Path, embedder: FakeEmbedder, config: StoreConfig) -> None:
    write(seeds, "rice.txt", RICE)
    store = build(seeds, tmp_path / "data", embedder, config)
    stats = store.stats()
    assert (stats.store, stats.articles, stats.dimension) == (config.kind, 2, embedder.dimension)
    assert stats.passages == store.manifest.passage_count == sum(store.passage_counts().values())
    assert best_passage(store, embedder, "harga beras naik") == "rice"
    lexical = store.lexical_search(tokenize("beras mahal"), 10, include=np.zeros(0, np.int64))
    [rice] = store.passages(lexical.keys.tolist()).values()
    assert rice.article_id == "rice" and lexical.scores[0] > 0
    assert store.articles["rice"].text[rice.start : rice.end] == rice.text
    assert store.articles[SEED_ID].title and list(store.articles) == [SEED_ID, "rice"]


def test_lexical_search_scores_the_dense_candidates_it_was_given(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, config: StoreConfig
) -> None:
    write(seeds, "rice.txt", RICE)
    store = build(seeds, tmp_path / "data", embedder, config)
    every = store.dense_search(embedder.encode_queries(["beras"])[0], 100).keys
    scored = store.lexical_search(["beras"], 100, include=every)
    by_key = dict(zip(scored.keys.tolist(), scored.scores.tolist()))
    assert set(by_key) == set(every.tolist())
    rice = {key for key, p in store.passages(every.tolist()).items() if p.article_id == "rice"}
    assert all((score > 0) == (key in rice) for key, score in by_key.items())


def test_replacing_an_article_re_embeds_it_alone(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, config: StoreConfig
) -> None:
    data = tmp_path / "data"
    write(seeds, "rice.txt", RICE)
    build(seeds, data, embedder, config)
    encoded = embedder.documents_encoded
    write(seeds, "rice.txt", "Harga cabai di Jakarta turun. Petani cabai sedih.")
    report = refresh_index(seeds, data, embedder, store=config)
    store = open_store(data, config, embedder.name, embedder.dimension)
    assert report.embedded_articles == 1 and embedder.documents_encoded - encoded == store.passage_counts()["rice"]
    assert best_passage(store, embedder, "harga cabai turun") == "rice"
    assert "cabai" in store.articles["rice"].text
    assert len(store.lexical_search(["beras"], 10, include=np.zeros(0, np.int64)).keys) == 0, "old text gone"
    assert store.lexical.coverage(["cabai", "beras"], ["cabai"])[0] < 0.5, "beras is now unknown, so rarest"


def test_removing_an_article_drops_its_passages_and_terms(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, config: StoreConfig
) -> None:
    data = tmp_path / "data"
    write(seeds, "rice.txt", RICE)
    before = build(seeds, data, embedder, config).stats().passages
    (seeds / "rice.txt").unlink()
    report = refresh_index(seeds, data, embedder, store=config)
    store = open_store(data, config, embedder.name, embedder.dimension)
    assert report.removed_articles == 1 and set(store.passage_counts()) == {SEED_ID}
    assert "rice" not in store.articles and store.stats().passages < before
    assert len(store.lexical_search(["beras"], 10, include=np.zeros(0, np.int64)).keys) == 0


def test_an_index_reopens_with_the_same_answers(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, config: StoreConfig
) -> None:
    data = tmp_path / "data"
    settings = Settings(seeds_dir=seeds, data_dir=data, store_kind=config.kind, milvus_uri=config.milvus_uri or None)
    settings = settings if config.kind == "faiss" else _with_collection(settings, config.collection)
    question = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
    first = QuoteService.open(settings, embedder)[0].ask(question)
    if config.kind == MILVUS:
        milvus_schema.disconnect(config)  # the engine stops; the next open starts it on the file
    encoded = embedder.documents_encoded
    again = QuoteService.open_existing(settings, embedder).ask(question)
    assert embedder.documents_encoded == encoded, "background vectors are read from the index, not encoded"
    assert again.answered and again.citations == first.citations


def _with_collection(settings: Settings, collection: str) -> Settings:
    from dataclasses import replace

    return replace(settings, milvus_collection=collection)


def test_both_stores_rank_alike(seeds: Path, tmp_path: Path, embedder: FakeEmbedder, milvus_file: Path) -> None:
    (seeds / "news.jsonl").write_text(
        "\n".join(
            json.dumps({"id": f"n{n}", "title": f"Berita {n}", "text": text})
            for n, text in enumerate([RICE, "Banjir merendam rumah di Bekasi.", "Kereta cepat Jakarta Bandung."])
        ),
        encoding="utf-8",
    )
    milvus = StoreConfig(MILVUS, str(milvus_file), collection=f"test_{next(_collections)}")
    stores = [build(seeds, tmp_path / kind, embedder, c) for kind, c in (("f", StoreConfig()), ("m", milvus))]
    searchers = [Searcher(store, embedder) for store in stores]
    for question in ("harga beras Jakarta", "Putin nuklir Korea", "banjir Bekasi", "kereta cepat"):
        faiss_hits, milvus_hits = (
            [(h.passage, round(h.score, 5)) for h in s.search(question, 5).hits] for s in searchers
        )
        assert faiss_hits == milvus_hits, question


def test_an_ivf_index_past_the_flat_limit(
    tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    words = ["beras", "banjir", "kereta", "nuklir", "pemilu", "gempa", "saham", "sepak", "bola", "hujan"]
    rows = [
        {"id": f"a{n}", "title": f"A{n}", "text": f"Berita {words[n % 10]} {words[n // 10 % 10]} {n}."}
        for n in range(300)
    ]
    (seeds / "many.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    flat = build(seeds, tmp_path / "flat", embedder, StoreConfig())
    monkeypatch.setattr(dense, "FLAT_LIMIT", 100)
    ivf = build(seeds, tmp_path / "ivf", embedder, StoreConfig())
    assert flat.stats().index_type == "IndexFlatIP" and ivf.stats().index_type.startswith("IVF69,Flat")
    queries = embedder.encode_queries([f"berita {a} {b}" for a in words for b in words[:3]])
    # Recall@10 counting ties: the fake embedder gives many passages the same cosine.
    recall = np.mean(
        [np.mean(ivf.dense_search(q, 10).scores >= flat.dense_search(q, 10).scores[-1] - 1e-6) for q in queries]
    )
    assert recall >= 0.95
    query = queries[0]
    top = flat.dense_search(query, 5)
    assert np.allclose(ivf.dense_scores(query, top.keys), top.scores, atol=1e-6), "IVF-Flat keeps vectors exact"


def test_the_background_vectors_are_stored_at_build_time(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, config: StoreConfig
) -> None:
    store = build(seeds, tmp_path / "data", embedder, config)
    stored = store.background_vectors()
    assert stored is not None and np.allclose(stored, embedder.encode_documents(BACKGROUND_PASSAGES))
    encoded = embedder.documents_encoded
    Searcher(store, embedder)
    assert embedder.documents_encoded == encoded


def test_switching_stores_builds_in_the_new_one(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, milvus_file: Path
) -> None:
    data = tmp_path / "data"
    milvus = StoreConfig(MILVUS, str(milvus_file), collection=f"test_{next(_collections)}")
    build(seeds, data, embedder, StoreConfig())
    with pytest.raises(IndexIncompatibleError, match="KUTIP_STORE is milvus"):
        open_store(data, milvus, embedder.name, embedder.dimension)
    assert refresh_index(seeds, data, embedder, store=milvus).changed
    assert read_manifest(data).store == "milvus"
    with pytest.raises(IndexIncompatibleError, match="in the milvus store"):
        open_store(data, StoreConfig(), embedder.name, embedder.dimension)


def test_a_missing_milvus_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # what `import pymilvus` meets without the extra
    with pytest.raises(StoreUnavailableError, match=r"pip install 'kutip\[milvus\]'"):
        milvus_schema.connect(StoreConfig(MILVUS, str(tmp_path / "absent.db")))


def test_an_unreachable_milvus_server_is_explained_without_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(milvus_schema, "CONNECT_SECONDS", 1.0)
    config = StoreConfig(MILVUS, "http://user:secret@127.0.0.1:9", milvus_token="tok-123")
    with pytest.raises(StoreUnavailableError, match="is the server running") as caught:
        milvus_schema.connect(config)
    assert "127.0.0.1:9" in str(caught.value)
    assert "secret" not in str(caught.value) and "tok-123" not in str(caught.value)


def test_bm25_top_rows_sorts_only_the_positive_scores_and_keeps_the_full_sorts_order() -> None:
    scores = np.random.default_rng(0).choice([0.0, 0.0, 0.0, 1.5, 2.0, 2.0, 3.25], size=5_000).astype(np.float32)
    everything = np.argsort(-scores, kind="stable")[:100]  # what the searcher did before
    assert top_rows(scores, 100).tolist() == everything[scores[everything] > 0].tolist()
    assert top_rows(np.zeros(10, np.float32), 5).tolist() == []
