"""The index folder: incremental refresh, atomic replacement, incompatible and corrupt indexes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from index.building import refresh_index
from index.errors import IndexCorruptError, IndexIncompatibleError, IndexMissingError
from index.store import faiss as faiss_store
from index.store import open_store
from index.store.background import BACKGROUND_PASSAGES
from index.store.base import MANIFEST_NAME, StoreConfig, read_manifest
from index.store.faiss import DATABASE_NAME, DENSE_NAME, FaissStore
from tests.helpers.fake_embedder import FakeEmbedder


def load_index(data: Path, model_name: str, dimension: int) -> FaissStore:
    """The default store, as `kutip ask` opens it."""
    opened = open_store(data, StoreConfig(), model_name, dimension)
    assert isinstance(opened, FaissStore)
    return opened


def write_article(seeds: Path, name: str, text: str) -> None:
    (seeds / name).write_text(text, encoding="utf-8")


def test_refresh_is_a_no_op_when_nothing_changed(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    first = refresh_index(seeds, data, embedder)
    encoded = embedder.documents_encoded
    second = refresh_index(seeds, data, embedder)
    assert first.changed and not second.changed
    assert embedder.documents_encoded == encoded
    assert read_manifest(data).passage_count == first.passages


def test_editing_one_article_re_embeds_only_that_article(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    write_article(seeds, "b.txt", "Harga beras naik. Petani senang.")
    refresh_index(seeds, data, embedder)
    before = load_index(data, embedder.name, embedder.dimension)
    seed_vectors = before.vectors_by_article()["000_fa119bf131a3472f"]
    encoded = embedder.documents_encoded
    write_article(seeds, "b.txt", "Harga beras turun. Petani sedih.")
    report = refresh_index(seeds, data, embedder)
    after = load_index(data, embedder.name, embedder.dimension)
    assert report.embedded_articles == 1
    assert embedder.documents_encoded - encoded == after.passage_counts()["b"]
    assert (after.vectors_by_article()["000_fa119bf131a3472f"] == seed_vectors).all()
    assert "turun" in after.articles["b"].text


def test_removing_an_article_drops_its_passages(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    write_article(seeds, "b.txt", "Harga beras naik.")
    refresh_index(seeds, data, embedder)
    (seeds / "b.txt").unlink()
    report = refresh_index(seeds, data, embedder)
    stored = load_index(data, embedder.name, embedder.dimension)
    assert report.removed_articles == 1 and report.embedded_articles == 0
    assert set(stored.passage_counts()) == {"000_fa119bf131a3472f"}


def test_a_crash_mid_build_leaves_the_previous_index_usable(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    manifest = (data / MANIFEST_NAME).read_text()
    write_article(seeds, "b.txt", "Harga beras naik.")

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(faiss_store, "write_table", crash)
    with pytest.raises(OSError):
        refresh_index(seeds, data, embedder)
    assert (data / MANIFEST_NAME).read_text() == manifest
    stored = load_index(data, embedder.name, embedder.dimension)
    assert set(stored.articles) == {"000_fa119bf131a3472f"}


def test_an_index_built_by_another_model_is_explained(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    other = FakeEmbedder(dimension=32, name="other-model")
    with pytest.raises(IndexIncompatibleError, match="kutip index --rebuild"):
        load_index(data, other.name, other.dimension)
    with pytest.raises(IndexIncompatibleError, match="fake-hash-embedder"):
        refresh_index(seeds, data, other)
    assert refresh_index(seeds, data, other, rebuild=True).changed


@pytest.mark.parametrize("victim", [DENSE_NAME, DATABASE_NAME])
def test_a_truncated_file_is_detected(seeds: Path, tmp_path: Path, embedder: FakeEmbedder, victim: str) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    path = data / read_manifest(data).generation / victim
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match="rebuild"):
        load_index(data, embedder.name, embedder.dimension)
    with pytest.raises(IndexCorruptError, match="rebuild"):
        refresh_index(seeds, data, embedder)  # even with nothing to re-embed
    assert refresh_index(seeds, data, embedder, rebuild=True).changed


def test_a_garbled_manifest_is_detected(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    (data / MANIFEST_NAME).write_text('{"format_version": 1, "generation": ')
    with pytest.raises(IndexCorruptError, match="manifest.json"):
        load_index(data, embedder.name, embedder.dimension)


def edit_manifest(data: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = data / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.update(passage_count=m["passage_count"] + 1), "disagree on the passage count"),
        (lambda m: m["files"].pop(DATABASE_NAME), "kutip.sqlite is not in manifest.json's file list"),
    ],
    ids=["passage-count", "file-list"],
)
def test_index_and_ask_refuse_the_same_inconsistent_manifest(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    edit_manifest(data, change)
    with pytest.raises(IndexCorruptError, match=problem):
        load_index(data, embedder.name, embedder.dimension)  # what `kutip ask` and the bot load
    with pytest.raises(IndexCorruptError, match=problem):
        refresh_index(seeds, data, embedder)  # `kutip index`, with nothing to re-embed
    assert refresh_index(seeds, data, embedder, rebuild=True).changed
    load_index(data, embedder.name, embedder.dimension)


def test_a_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="kutip index"):
        read_manifest(tmp_path / "nothing")


def test_stored_passages_round_trip_to_article_text(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    stored = load_index(data, embedder.name, embedder.dimension)
    for passage in stored.table.all_passages():
        article = stored.articles[passage.article_id]
        assert article.text[passage.start : passage.end] == passage.text
        for sentence in passage.sentences:
            assert passage.start <= sentence.start < sentence.end <= passage.end


def test_two_builds_at_once_take_turns(seeds: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = tmp_path / "data"
    embedders = [FakeEmbedder(), FakeEmbedder()]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda e: refresh_index(seeds, data, e), embedders))
    assert sorted(r.changed for r in reports) == [False, True], "the second saw the first's index"
    background = len(BACKGROUND_PASSAGES)  # encoded once, by the build, and stored with the index
    assert sum(e.documents_encoded for e in embedders) == reports[0].passages + background
    assert len(list(data.glob("gen-*"))) == 1


def test_new_splitting_rules_re_split_and_re_embed_everything(
    seeds: Path, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import building

    data = tmp_path / "data"
    refresh_index(seeds, data, embedder)
    monkeypatch.setattr(building, "SPLITTER_VERSION", building.SPLITTER_VERSION + 1)
    report = refresh_index(seeds, data, embedder)
    assert report.changed and report.embedded_articles == 1
