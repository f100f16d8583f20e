"""The reader alone, on validation data (never test): answer spans given the gold passage,
and "this passage does not answer" on IDK-MRC dev and on FacQA hard negatives.

Run: .venv/bin/python bench/reader.py   (writes bench/results/reader.json)
"""

from __future__ import annotations

import json
import time

import numpy as np
from bench_common import EVAL_DIR, load_real_embedder, write_result

from index.answering.profile import E5_READER_JUDGE
from index.evaluation import token_f1
from index.models.reader import load_reader
from training.train_reader import auc

BATCH = 16


def read_all(reader, questions: list[str], passages: list[str]):  # type: ignore[no-untyped-def]
    readings = []
    for begin in range(0, len(questions), BATCH):
        for question, passage in zip(questions[begin : begin + BATCH], passages[begin : begin + BATCH]):
            readings.extend(reader.read(question, [passage]))
    return readings


def span_figures(rows: list[dict], readings) -> dict[str, float]:  # type: ignore[no-untyped-def,type-arg]
    predictions = [r["context"][x.start : x.end] for r, x in zip(rows, readings)]
    exact = [any(p.strip().lower() == g.strip().lower() for g in r["answers"]) for p, r in zip(predictions, rows)]
    f1 = [token_f1(p, r["answers"]) for p, r in zip(predictions, rows)]
    return {"questions": len(rows), "exact_match": float(np.mean(exact)), "token_f1": float(np.mean(f1))}


def answerability(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    said_yes = scores >= E5_READER_JUDGE.answerable
    return {
        "pairs": len(labels),
        "auc": auc(scores, labels),
        "answered_when_answerable": float(said_yes[labels].mean()) if labels.any() else float("nan"),
        "declined_when_not": float((~said_yes[~labels]).mean()) if (~labels).any() else float("nan"),
        "balanced_accuracy": float((said_yes[labels].mean() + (~said_yes[~labels]).mean()) / 2)
        if labels.any() and (~labels).any()
        else float("nan"),
    }


def reader_figures(embedder) -> dict[str, object]:  # type: ignore[no-untyped-def]
    reader = load_reader(embedder)
    assert reader is not None
    facqa = [json.loads(line) for line in (EVAL_DIR / "facqa_dev.jsonl").open() if '"validation"' in line]
    idk = [json.loads(line) for line in (EVAL_DIR / "idkmrc_dev.jsonl").open()]
    corpus = {json.loads(line)["id"]: json.loads(line)["text"] for line in (EVAL_DIR / "facqa_corpus.jsonl").open()}
    started = time.perf_counter()
    gold = read_all(reader, [r["question"] for r in facqa], [r["context"] for r in facqa])
    idk_readings = read_all(reader, [r["question"] for r in idk], [r["context"] for r in idk])
    # A FacQA question paired with another question's gold passage that lacks its answer.
    shuffle = np.random.default_rng(0)
    others = [corpus[facqa[int(i)]["doc_id"]] for i in shuffle.permutation(len(facqa))]
    negatives = [(r, o) for r, o in zip(facqa, others) if all(a.lower() not in o.lower() for a in r["answers"])]
    random_readings = read_all(reader, [r["question"] for r, _ in negatives], [o for _, o in negatives])
    idk_answerable = [(r, x) for r, x in zip(idk, idk_readings) if r["answerable"]]
    report = {
        "facqa_validation_gold_passage": span_figures(facqa, gold),
        "idkmrc_dev_answerable_spans": span_figures([r for r, _ in idk_answerable], [x for _, x in idk_answerable]),
        "idkmrc_dev_no_answer": answerability(
            np.array([r["answerable"] for r in idk]), np.array([x.answerable for x in idk_readings])
        ),
        "facqa_validation_news_answerability": answerability(
            np.array([True] * len(gold) + [False] * len(random_readings)),
            np.array([x.answerable for x in gold + random_readings]),
        ),
        "threshold": E5_READER_JUDGE.answerable,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report


def main() -> None:
    report = reader_figures(load_real_embedder())
    write_result("reader", report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
