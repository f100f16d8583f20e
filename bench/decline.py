"""Measures when Kutip declines (index/answering/gate.py) with the bundled model, and sweeps its cut.

Evidence is gathered with the real model on three kinds of question:
  - IDK-MRC: answerable questions and near-paraphrases their paragraph does NOT answer;
  - the seed article with bench/questions/seed_questions.jsonl (ours: Indonesian and English,
    on-topic and off-topic) and with FacQA questions, which the seed never answers;
  - FacQA train questions against the FacQA corpus (answerable).
The cut on contrast was chosen on the even rows of each source; the odd rows are reported,
beside a bare top-cosine cut-off that answers as many answerable questions.
Run: .venv/bin/python bench/decline.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, astuple, fields, replace
from pathlib import Path

import numpy as np
from bench_common import EVAL_DIR, ROOT, load_real_embedder, scratch_index, write_result

from index.answering.gate import Background, Evidence, RetrievalRule, gather_evidence
from index.answering.profile import E5_RETRIEVAL_RULE
from index.answering.search import Searcher
from index.evaluation import corpus_from_questions

FEATURES = [f.name for f in fields(Evidence)]


def evidence_for(corpus_rows: list[dict[str, str]] | Path, questions: list[str], embedder) -> np.ndarray:  # type: ignore[no-untyped-def]
    if not isinstance(corpus_rows, Path):
        rows_file = Path(tempfile.mkdtemp(prefix="kutip-rows-")) / "corpus.jsonl"
        rows_file.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in corpus_rows), encoding="utf-8")
        stored, scratch = scratch_index(rows_file, embedder)
        shutil.rmtree(rows_file.parent)
    else:
        stored, scratch = scratch_index(corpus_rows, embedder)
    results = Searcher(stored, embedder).search_many(questions, 5)
    background = Background.of(stored, embedder)
    shutil.rmtree(scratch)
    return np.array([astuple(gather_evidence(r, stored.lexical, background)) for r in results])


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def collect(embedder) -> dict[str, tuple[np.ndarray, np.ndarray]]:  # type: ignore[no-untyped-def]
    idk = read_jsonl(EVAL_DIR / "idkmrc_dev.jsonl")
    facqa = [r for r in read_jsonl(EVAL_DIR / "facqa_dev.jsonl") if r["split"] == "train"][:600]
    ours = read_jsonl(ROOT / "bench" / "questions" / "seed_questions.jsonl")
    seed = ROOT / "seeds" / "000_fa119bf131a3472f.txt"
    return {
        "idkmrc": (
            evidence_for(corpus_from_questions(EVAL_DIR / "idkmrc_dev.jsonl"), [r["question"] for r in idk], embedder),
            np.array([r["answerable"] for r in idk], dtype=bool),
        ),
        "seed, our questions": (
            evidence_for(seed, [r["question"] for r in ours], embedder),
            np.array([r["answerable"] for r in ours], dtype=bool),
        ),
        "seed, FacQA questions (off-topic)": (
            evidence_for(seed, [r["question"] for r in facqa], embedder),
            np.zeros(len(facqa), dtype=bool),
        ),
        "FacQA corpus, FacQA train questions": (
            evidence_for(EVAL_DIR / "facqa_corpus.jsonl", [r["question"] for r in facqa], embedder),
            np.ones(len(facqa), dtype=bool),
        ),
    }


def rates(said_yes: np.ndarray, y: np.ndarray) -> dict[str, float | None]:
    return {
        "answered_when_answerable": round(float(said_yes[y].mean()), 3) if y.any() else None,
        "declined_when_not": round(float((~said_yes[~y]).mean()), 3) if (~y).any() else None,
    }


def predict(x: np.ndarray, rule: RetrievalRule) -> np.ndarray:
    return np.array([rule.accepts(Evidence(*row)) for row in x])


def main() -> None:
    data = collect(load_real_embedder())
    cosine = FEATURES.index("cosine")
    sweep = {}
    for cut in (0.0, 0.01, 0.02, 0.03, 0.04, 0.05):
        rule = replace(E5_RETRIEVAL_RULE, contrast=cut)
        sweep[cut] = {name: rates(predict(x[0::2], rule), y[0::2]) for name, (x, y) in data.items()}
    held = {name: (x[1::2], y[1::2]) for name, (x, y) in data.items()}
    answerable = np.concatenate([x[y, cosine] for x, y in held.values()])
    answered = np.concatenate([predict(x, E5_RETRIEVAL_RULE)[y] for x, y in held.values()]).mean()
    cosine_cut = float(np.quantile(answerable, 1 - answered))
    rows = {
        name: {
            "questions": len(y),
            "kutip": rates(predict(x, E5_RETRIEVAL_RULE), y),
            "bare_cosine_cut": rates(x[:, cosine] >= cosine_cut, y),
        }
        for name, (x, y) in held.items()
    }
    write_result(
        "decline",
        {
            "model": asdict(E5_RETRIEVAL_RULE),
            "bare_cosine_cut": round(cosine_cut, 4),
            "held_out": rows,
            "sweep_on_even_rows": sweep,
        },
    )
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
