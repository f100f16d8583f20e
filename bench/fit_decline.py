"""Fits the decline model (index/relevance.py) for the bundled model and reports how it does.

Evidence is gathered with the real model on three kinds of question:
  - IDK-MRC: answerable questions and near-paraphrases their paragraph does NOT answer;
  - the seed article with bench/questions/seed_questions.jsonl (ours: Indonesian and English,
    on-topic and off-topic) and with FacQA questions, which the seed never answers;
  - FacQA train questions against the FacQA corpus (answerable).
Half of each source (alternate rows) fits a logistic regression; the other half is reported,
with the bare top-cosine cut-off for comparison. Run: .venv/bin/python bench/fit_decline.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import astuple, fields
from pathlib import Path

import numpy as np
from bench_common import EVAL_DIR, ROOT, load_real_embedder, write_result
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from index.building import refresh_index
from index.evaluation import corpus_from_questions
from index.relevance import E5_DECLINE_MODEL, DeclineModel, Evidence, gather_evidence
from index.search import Searcher
from index.store import load_index

FEATURES = [f.name for f in fields(Evidence)]


def evidence_for(corpus_rows: list[dict[str, str]] | Path, questions: list[str], embedder) -> np.ndarray:  # type: ignore[no-untyped-def]
    scratch = Path(tempfile.mkdtemp(prefix="kutip-fit-"))
    (scratch / "seeds").mkdir()
    if isinstance(corpus_rows, Path):
        shutil.copy(corpus_rows, scratch / "seeds" / corpus_rows.name)
    else:
        lines = "\n".join(json.dumps(row, ensure_ascii=False) for row in corpus_rows)
        (scratch / "seeds" / "corpus.jsonl").write_text(lines, encoding="utf-8")
    refresh_index(scratch / "seeds", scratch / "data", embedder)
    stored = load_index(scratch / "data", embedder.name, embedder.dimension)
    results = Searcher(stored, embedder).search_many(questions, 5)
    shutil.rmtree(scratch)
    return np.array([astuple(gather_evidence(r, stored.lexical)) for r in results])


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def collect(embedder) -> dict[str, tuple[np.ndarray, np.ndarray]]:  # type: ignore[no-untyped-def]
    idk = read_jsonl(EVAL_DIR / "idkmrc_dev.jsonl")
    facqa = [r for r in read_jsonl(EVAL_DIR / "facqa_dev.jsonl") if r["split"] == "train"][:600]
    ours = read_jsonl(ROOT / "bench" / "questions" / "seed_questions.jsonl")
    seed = ROOT / "seeds" / "000_fa119bf131a3472f.txt"
    return {
        "idkmrc": (evidence_for(corpus_from_questions(EVAL_DIR / "idkmrc_dev.jsonl"), [r["question"] for r in idk], embedder),
                   np.array([r["answerable"] for r in idk], dtype=bool)),
        "seed, our questions": (evidence_for(seed, [r["question"] for r in ours], embedder),
                                np.array([r["answerable"] for r in ours], dtype=bool)),
        "seed, FacQA questions (off-topic)": (evidence_for(seed, [r["question"] for r in facqa], embedder),
                                              np.zeros(len(facqa), dtype=bool)),
        "FacQA corpus, FacQA train questions": (evidence_for(EVAL_DIR / "facqa_corpus.jsonl", [r["question"] for r in facqa], embedder),
                                                np.ones(len(facqa), dtype=bool)),
    }


def report(name: str, x: np.ndarray, y: np.ndarray, predict, cosine_cut: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    said_yes = predict(x)
    row: dict[str, object] = {"questions": int(len(y)),
                              "answered_when_answerable": float(said_yes[y].mean()) if y.any() else None,
                              "declined_when_not": float((~said_yes[~y]).mean()) if (~y).any() else None,
                              "cosine_cut_declined_when_not": float((x[~y, 0] < cosine_cut).mean()) if (~y).any() else None}
    if y.any() and (~y).any():
        row["auc_model"] = float(roc_auc_score(y, predict_proba(x)))
        row["auc_top_cosine"] = float(roc_auc_score(y, x[:, 0]))
    return row


def predict_proba(x: np.ndarray, model: DeclineModel = E5_DECLINE_MODEL) -> np.ndarray:
    return np.array([model.probability(Evidence(*row)) for row in x])


def main() -> None:
    data = collect(load_real_embedder())
    train_x = np.concatenate([x[0::2] for x, _ in data.values()])
    train_y = np.concatenate([y[0::2] for _, y in data.values()])
    model = LogisticRegression(class_weight="balanced", C=10.0, max_iter=1000).fit(train_x, train_y)
    weights = dict(zip(FEATURES, (round(float(w), 3) for w in model.coef_[0])))
    print("fitted:", weights, "intercept", round(float(model.intercept_[0]), 3))
    fitted = DeclineModel(weights, float(model.intercept_[0]))
    for name, (x, y) in data.items():
        p = predict_proba(x[1::2], fitted) >= 0.5
        yy = y[1::2]
        auc = roc_auc_score(yy, predict_proba(x[1::2], fitted)) if yy.any() and (~yy).any() else None
        print("FITTED", name, "answered", p[yy].mean() if yy.any() else None, "declined", (~p[~yy]).mean() if (~yy).any() else None, "auc", auc)
    # The cosine cut-off that answers as many held-out answerable questions as the model does.
    held_x = np.concatenate([x[1::2] for x, _ in data.values()])
    held_y = np.concatenate([y[1::2] for _, y in data.values()])
    answered_share = (predict_proba(held_x)[held_y] >= E5_DECLINE_MODEL.threshold).mean()
    cosine_cut = float(np.quantile(held_x[held_y, 0], 1 - answered_share))
    rows = {name: report(name, x[1::2], y[1::2], lambda v: predict_proba(v) >= E5_DECLINE_MODEL.threshold, cosine_cut)
            for name, (x, y) in data.items()}
    write_result("decline", {"fitted": {"weights": weights, "intercept": float(model.intercept_[0])},
                             "in_use": {"weights": E5_DECLINE_MODEL.weights, "intercept": E5_DECLINE_MODEL.intercept},
                             "cosine_cut": cosine_cut, "held_out": rows})
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
