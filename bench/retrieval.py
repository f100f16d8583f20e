"""Retrieval quality on the shared FacQA data: BM25 alone, dense alone, and Kutip's fusion.

Indexes facqa_corpus.jsonl with the real model, encodes every question once, then scores
each method (and each fusion weight, for tuning on the train split) from the same vectors.
Run: .venv/bin/python bench/retrieval.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from bench_common import EVAL_DIR, load_real_embedder, scratch_index, write_result

from index.evaluation import evaluate, read_questions
from index.relevance import decline_rule_for
from index.search import DEFAULT_DENSE_WEIGHT, Searcher

WEIGHTS = [round(0.1 * i, 1) for i in range(11)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    args = parser.parse_args()
    embedder = load_real_embedder()
    stored, scratch = scratch_index(args.eval_dir / "facqa_corpus.jsonl", embedder)
    decline = decline_rule_for(embedder.name)
    results: dict[str, object] = {}
    for split in ("train", "validation"):
        questions = read_questions(args.eval_dir / "facqa_dev.jsonl", split)
        started = time.perf_counter()
        vectors = embedder.encode_queries([q.question for q in questions])
        encode_seconds = time.perf_counter() - started
        for weight in WEIGHTS:
            searcher = Searcher(stored, embedder, dense_weight=weight)
            found = [searcher.search_encoded(q.question, v, 20) for q, v in zip(questions, vectors)]
            report = evaluate(questions, found, lambda r: decline.answers(r, stored.lexical))
            results[f"{split}/dense_weight={weight}"] = asdict(report)
        results[f"{split}/encode_seconds"] = round(encode_seconds, 2)
    summary = {
        "BM25 alone": results["validation/dense_weight=0.0"],
        "dense alone": results["validation/dense_weight=1.0"],
        f"Kutip (dense weight {DEFAULT_DENSE_WEIGHT})": results[f"validation/dense_weight={DEFAULT_DENSE_WEIGHT}"],
    }
    write_result("retrieval", {"summary": summary, "sweep": results})
    for name, report in summary.items():
        print(f"| {name} | {report['recall_at_1']:.3f} | {report['recall_at_5']:.3f} | {report['mrr_at_10']:.3f} |")
    best = max(WEIGHTS, key=lambda w: results[f"train/dense_weight={w}"]["mrr_at_10"])
    print(f"best weight on train (MRR@10): {best}")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
