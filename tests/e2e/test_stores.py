"""The real `kutip index` and `kutip ask --json` on the seed, with the default store and with Milvus Lite."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, SEED
from tests.helpers.cli_process import run_kutip

pytestmark = pytest.mark.e2e
QUESTIONS = ROOT / "bench" / "questions" / "seed_questions.jsonl"


def kutip(root: Path, store: str, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"KUTIP_SEEDS_DIR": str(root / "seeds"), "KUTIP_DATA_DIR": str(root / f"data-{store}"), "KUTIP_STORE": store}
    done = run_kutip(list(argv), env, root, stdin)
    assert "Traceback" not in done.stderr
    return done


def what_a_user_sees(payload: dict[str, Any]) -> tuple[object, ...]:
    """Whether it answered, and each citation as shown; the scores are left out (float rounding)."""
    cited = [(c["article_id"], c["paragraph"], c["quote"], c["answer"]) for c in payload["citations"]]
    return payload["answered"], cited, [h["passage_id"] for h in payload["hits"]]


def test_milvus_lite_answers_the_seed_questions_as_the_default_store_does(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    answers = {}
    for store in ("faiss", "milvus"):
        kutip(tmp_path, store, "index")
        info = json.loads(kutip(tmp_path, store, "info", "--json").stdout)
        assert info["store"] == store and info["passages"] > 0
        lines = kutip(tmp_path, store, "ask", stdin="\n".join(questions) + "\n").stdout.splitlines()
        answers[store] = [what_a_user_sees(json.loads(line)) for line in lines]
    assert (tmp_path / "data-milvus" / "kutip-milvus.db").stat().st_size > 0, "Milvus Lite's file holds the library"
    assert len(answers["faiss"]) == len(questions)
    for question, default, milvus in zip(questions, answers["faiss"], answers["milvus"]):
        assert milvus == default, question
