"""The int8 runtime serves what the float32 sentence-transformers path would: same tokens,
the same vectors to cosine 0.999, the same answers on the seed; its export is checked,
rebuilt when damaged or stale, and a runtime that cannot load falls back to float32."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.service import QuoteService
from index import E5_READER_JUDGE, Embedder
from index.answering.gate import gather_evidence
from index.models.e5 import export
from index.models.e5.export import MARKER_FILE, RUNTIME_DIR_NAME, WEIGHTS_FILE, ensure_runtime_model
from index.models.e5.model import MODEL_DIR_NAME, ensure_e5_model
from index.models.e5.unigram import load_tokenizer
from index.models.embedder import SentenceTransformerEmbedder, load_embedder
from index.text.sentences import split_paragraphs
from tests.e2e.conftest import CACHE_DIR
from tests.e2e.test_e5_model import PASSAGES, TRICKY
from tests.helpers import SEED
from tests.helpers.bot_driver import seed_service

pytestmark = pytest.mark.e2e

QUESTIONS = Path(__file__).parents[2] / "bench" / "questions" / "seed_questions.jsonl"


@pytest.fixture(scope="session")
def fp32_embedder() -> Embedder:
    return load_embedder(None, CACHE_DIR / "models", "fp32")


@pytest.fixture(scope="session")
def fp32_service(fp32_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> QuoteService:
    return seed_service(tmp_path_factory.mktemp("fp32"), fp32_embedder)


def seed_paragraphs() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    return [text[span.start : span.end] for span in split_paragraphs(text)]


def test_kutip_ask_answers_on_the_int8_runtime_without_importing_torch(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    env = {**os.environ, "KUTIP_SEEDS_DIR": str(tmp_path / "seeds"), "KUTIP_DATA_DIR": str(tmp_path / "data")}
    env["KUTIP_CACHE_DIR"] = str(CACHE_DIR)
    done = subprocess.run(
        [sys.executable, "-c", ASK_WITHOUT_TORCH], env=env, capture_output=True, text=True, check=True
    )
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["citations"][0]["answer"]["text"] == "Cho Sung-boo"
    assert done.stdout.splitlines()[1] == "torch loaded: False"


ASK_WITHOUT_TORCH = """
import sys
from bot.cli import main
main(["ask", "Siapa CEO Kantor Berita Yonhap?", "--json"])
print("torch loaded:", "torch" in sys.modules)
"""


def test_light_tokenizer_gives_tokenizer_json_ids_and_offsets_for_every_bmp_character() -> None:
    from tokenizers import Tokenizer

    runtime = ensure_runtime_model(CACHE_DIR / "models")
    ours = load_tokenizer(runtime / export.VOCABULARY_FILE)
    theirs = Tokenizer.from_file(str(CACHE_DIR / "models" / MODEL_DIR_NAME / "tokenizer.json"))
    texts = [f"a{chr(c)}b {chr(c)}  c" for c in range(1, 0x10000) if not 0xD800 <= c < 0xE000]
    texts += ["passage: " + p for p in seed_paragraphs() + PASSAGES + TRICKY] + ["", " ", "<s>x</s> y"]
    differing = []
    for text, encoding in zip(texts, theirs.encode_batch(texts)):
        mine = ours.encode(text)
        if mine.ids != encoding.ids or mine.offsets != [tuple(o) for o in encoding.offsets]:
            differing.append(text)
    assert differing == []


def test_int8_vectors_match_float32_on_the_seed(real_embedder: Embedder, fp32_embedder: Embedder) -> None:
    paragraphs = seed_paragraphs()
    cosines = (real_embedder.encode_documents(paragraphs) * fp32_embedder.encode_documents(paragraphs)).sum(axis=1)
    assert cosines.min() >= 0.999
    questions = ["Siapa CEO Kantor Berita Yonhap?", "Who did Putin blame for the deadlock?"]
    cosines = (real_embedder.encode_queries(questions) * fp32_embedder.encode_queries(questions)).sum(axis=1)
    assert cosines.min() >= 0.999


def test_a_passage_gets_the_same_vector_alone_and_in_a_batch(real_embedder: Embedder) -> None:
    paragraphs = seed_paragraphs()
    batched = real_embedder.encode_documents(paragraphs)
    alone = np.concatenate([real_embedder.encode_documents([p]) for p in paragraphs])
    # Padding moves float sums a little (0.99996 seen); dynamic int8 would give about 0.995.
    assert (batched * alone).sum(axis=1).min() >= 0.9999


def test_int8_answers_the_seed_questions_as_float32_does(
    real_service: QuoteService, fp32_service: QuoteService
) -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [row["question"] for row in rows]
    answers = [service.answerer.answer_many(questions) for service in (real_service, fp32_service)]
    for question, int8, fp32 in zip(questions, *answers):
        verdicts = [int8.verdict, fp32.verdict]
        if verdicts[0].outcome != verdicts[1].outcome:
            # Only a question right at a cut may tip the other way (bench/runtime.py): the first
            # passage's reading near a bar of the judge, or its evidence near the gate's contrast.
            firsts = [v.ranked[0].reading for v in verdicts if v.ranked and v.ranked[0].reading]
            contrasts = [
                gather_evidence(answered.result, service.stored.lexical, service.answerer.background).contrast
                for answered, service in ((int8, real_service), (fp32, fp32_service))
            ]
            judge = E5_READER_JUDGE
            bars = (judge.answerable, judge.sentence_answerable)
            at_reader_cut = any(
                abs(r.answerable - bar) < 0.05 or abs(r.span_probability - judge.span_probability) < 0.05
                for r in firsts
                for bar in bars
            )
            at_gate = any(abs(c - judge.on_topic.contrast) < 0.01 for c in contrasts)
            assert at_reader_cut or at_gate, question
        elif verdicts[0].answered:
            assert verdicts[0].ranked[0].hit.passage.id == verdicts[1].ranked[0].hit.passage.id, question


@pytest.fixture
def runtime_cache(tmp_path: Path) -> Path:
    """A cache holding the session's converted model (linked) and a fresh export of it."""
    (tmp_path / MODEL_DIR_NAME).symlink_to(ensure_e5_model(CACHE_DIR / "models"), target_is_directory=True)
    shutil.copytree(ensure_runtime_model(CACHE_DIR / "models"), tmp_path / RUNTIME_DIR_NAME)
    return tmp_path


def test_a_damaged_export_is_detected_and_exported_again(runtime_cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    weights = runtime_cache / RUNTIME_DIR_NAME / WEIGHTS_FILE
    original = weights.read_bytes()
    with weights.open("r+b") as handle:
        handle.seek(len(original) // 2)
        handle.write(bytes([original[len(original) // 2] ^ 0xFF]))
    with caplog.at_level(logging.WARNING):
        folder = ensure_runtime_model(runtime_cache)
    assert "damaged or out of date" in caplog.text
    assert (folder / WEIGHTS_FILE).read_bytes() == original  # the export is deterministic


def test_an_export_of_another_conversion_is_exported_again(runtime_cache: Path) -> None:
    marker_path = runtime_cache / RUNTIME_DIR_NAME / MARKER_FILE
    marker = json.loads(marker_path.read_text())
    marker["conversion"]["converter"] = -1  # as if the conversion had changed since
    marker_path.write_text(json.dumps(marker))
    folder = ensure_runtime_model(runtime_cache)
    assert json.loads((folder / MARKER_FILE).read_text())["conversion"] != marker["conversion"]


def test_a_runtime_that_cannot_load_falls_back_to_float32(
    runtime_cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # as if OpenVINO were missing or broken
    with caplog.at_level(logging.WARNING):
        embedder: Any = load_embedder(None, runtime_cache, "int8")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "cannot run the int8 model, using float32 instead" in caplog.text
    assert embedder.encode_queries(["Siapa CEO Yonhap?"]).shape == (1, 384)
