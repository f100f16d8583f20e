"""The int8 runtime against the float32 one it replaces, on the same data in the same run:
vector agreement, FacQA validation retrieval, the reader alone, and the seed answers.

Run: .venv/bin/python bench/runtime.py   (writes bench/results/runtime.json)
"""

from __future__ import annotations

import json
import shutil

import numpy as np
from bench_common import EVAL_DIR, load_real_embedder, scratch_index, write_result
from reader import reader_figures
from retrieval import score
from seed_answers import SEED, ask_seed_questions

from index.answering.search import DEFAULT_DENSE_WEIGHT
from index.evaluation import read_questions

PRECISIONS = ("fp32", "int8")


def agreement(embedders: dict[str, object]) -> dict[str, float]:
    """Lowest cosine between the two runtimes' vectors, alone and in batches."""
    seed_passages = SEED.read_text(encoding="utf-8").split("\n\n")
    questions = [q.question for q in read_questions(EVAL_DIR / "facqa_dev.jsonl", "validation")]
    fp32, int8 = embedders["fp32"], embedders["int8"]
    documents = [fp32.encode_documents(seed_passages), int8.encode_documents(seed_passages)]  # type: ignore[attr-defined]
    queries = [fp32.encode_queries(questions), int8.encode_queries(questions)]  # type: ignore[attr-defined]
    alone = np.concatenate([int8.encode_queries([q]) for q in questions[:50]])  # type: ignore[attr-defined]
    return {
        "seed_passages_min_cosine": float((documents[0] * documents[1]).sum(1).min()),
        "facqa_validation_questions_min_cosine": float((queries[0] * queries[1]).sum(1).min()),
        "int8_alone_vs_batched_min_cosine": float((alone * queries[1][:50]).sum(1).min()),
    }


def retrieval(embedder) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """FacQA validation R@1/R@5, Kutip's hybrid and dense alone, each runtime with its own index."""
    stored, scratch = scratch_index(EVAL_DIR / "facqa_corpus.jsonl", embedder)
    questions = read_questions(EVAL_DIR / "facqa_dev.jsonl", "validation")
    vectors = embedder.encode_queries([q.question for q in questions])
    figures = {}
    for name, weight in (("hybrid", DEFAULT_DENSE_WEIGHT), ("dense", 1.0)):
        report = score(stored, embedder, questions, vectors, weight)
        figures |= {f"{name}_recall_at_1": report.recall_at_1, f"{name}_recall_at_5": report.recall_at_5}
    shutil.rmtree(scratch)
    return figures


def seed_answers(embedder) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    _, answers = ask_seed_questions(embedder)
    return [{"status": a.status, "first_quote": a.citations[0].quote if a.citations else None} for a in answers]


def main() -> None:
    embedders = {precision: load_real_embedder(precision) for precision in PRECISIONS}
    report: dict[str, object] = {"agreement": agreement(embedders)}
    seeds = {}
    for precision, embedder in embedders.items():
        report[precision] = {"retrieval": retrieval(embedder), "reader": reader_figures(embedder)}
        seeds[precision] = seed_answers(embedder)
    report["seed_questions"] = {
        "questions": len(seeds["fp32"]),
        "same_decision_and_first_quote": sum(a == b for a, b in zip(seeds["fp32"], seeds["int8"])),
    }
    write_result("runtime", report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
