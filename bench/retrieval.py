"""Retrieval quality on the shared FacQA data: BM25 alone, dense alone, and Kutip's fusion.

Indexes facqa_corpus.jsonl with the real model, encodes every question once, then scores
each method (and each fusion weight, for tuning on the train split) from the same vectors.
Then the same validation questions on the Milvus store (Milvus Lite, with Kutip's fusion), and
Milvus's own hybrid search (its RRF and weighted rankers) for comparison. Then the weight for a
question in another language than the passage: natural_dev's English questions about
Indonesian passages, asked of its library (bench/tune_judge.py's natural set), chosen on the
even rows by R@1 (strict: the gold passage first), the odd rows reported.
Run: .venv/bin/python bench/retrieval.py [--eval-dir ../shared/eval] [--stores faiss]
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from bench_common import EVAL_DIR, load_real_embedder, scratch_index, write_result

from index.answering.gate import Background, gather_evidence
from index.answering.profile import profile_for
from index.answering.search import (
    CANDIDATES,
    CROSS_LANGUAGE_DENSE_WEIGHT,
    DEFAULT_DENSE_WEIGHT,
    Hit,
    Searcher,
    SearchResult,
)
from index.evaluation import EvalQuestion, evaluate, read_questions

WEIGHTS = [round(0.1 * i, 1) for i in range(11)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--stores", nargs="+", default=["faiss", "milvus"], choices=["faiss", "milvus"])
    args = parser.parse_args()
    embedder = load_real_embedder()
    stored, scratch = scratch_index(args.eval_dir / "facqa_corpus.jsonl", embedder)
    results: dict[str, object] = {}
    for split in ("train", "validation"):
        questions = read_questions(args.eval_dir / "facqa_dev.jsonl", split)
        started = time.perf_counter()
        vectors = embedder.encode_queries([q.question for q in questions])
        encode_seconds = time.perf_counter() - started
        for weight in WEIGHTS:
            results[f"{split}/dense_weight={weight}"] = asdict(score(stored, embedder, questions, vectors, weight))
        results[f"{split}/encode_seconds"] = round(encode_seconds, 2)
    summary = {
        "BM25 alone": results["validation/dense_weight=0.0"],
        "dense alone": results["validation/dense_weight=1.0"],
        f"Kutip (dense weight {DEFAULT_DENSE_WEIGHT})": results[f"validation/dense_weight={DEFAULT_DENSE_WEIGHT}"],
    }
    shutil.rmtree(scratch)
    if "milvus" in args.stores:
        summary.update(milvus_figures(args.eval_dir, embedder))
    cross = cross_language_sweep(embedder)
    write_result("retrieval", {"summary": summary, "sweep": results, "cross_language": cross})
    for name, report in summary.items():
        print(f"| {name} | {report['recall_at_1']:.3f} | {report['recall_at_5']:.3f} | {report['mrr_at_10']:.3f} |")
    best = max(WEIGHTS, key=lambda w: results[f"train/dense_weight={w}"]["mrr_at_10"])
    print(f"best weight on train (MRR@10): {best}")
    print(f"cross-language weight {CROSS_LANGUAGE_DENSE_WEIGHT}: {cross[str(CROSS_LANGUAGE_DENSE_WEIGHT)]}")
    print(f"best cross-language weight on the even rows: {cross['best_on_even_rows']}")


def cross_language_sweep(embedder) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """natural_dev's English answerable questions: R@1 for each cross-language weight, per half."""
    import tempfile

    from tune_judge import natural_rows, rows_file

    rows, corpus = natural_rows()
    english = [(n, r) for n, r in enumerate(rows) if r["answerable"] and r["lang"] == "en"]
    folder = Path(tempfile.mkdtemp(prefix="kutip-cross-"))
    stored, scratch = scratch_index(rows_file(corpus, folder / "rows"), embedder)
    vectors = embedder.encode_queries([r["question"] for _, r in english])
    sweep: dict[str, object] = {}
    for weight in WEIGHTS[5:]:
        searcher = Searcher(stored, embedder, cross_language_weight=weight)
        first = [searcher.search_encoded(r["question"], v, 1).hits for (_, r), v in zip(english, vectors)]
        right = [(n, bool(h) and h[0].passage.article_id == r["doc_id"]) for (n, r), h in zip(english, first)]
        sweep[str(weight)] = {
            half: sum(ok for n, ok in right if n % 2 == parity) for half, parity in (("even", 0), ("odd", 1))
        }
    sweep["questions"] = {half: sum(n % 2 == parity for n, _ in english) for half, parity in (("even", 0), ("odd", 1))}
    sweep["best_on_even_rows"] = max(WEIGHTS[5:], key=lambda w: (sweep[str(w)]["even"], -w))  # type: ignore[index]
    shutil.rmtree(scratch)
    shutil.rmtree(folder)
    return sweep


def score(stored, embedder, questions: list[EvalQuestion], vectors: np.ndarray, dense_weight: float):  # type: ignore[no-untyped-def]
    """The FacQA figures of Kutip's search with `dense_weight` over `stored`, from encoded questions."""
    searcher = Searcher(stored, embedder, dense_weight=dense_weight)
    found = [searcher.search_encoded(q.question, v, 20) for q, v in zip(questions, vectors)]
    return evaluate(questions, found, answered_on_retrieval(stored, embedder))


def answered_on_retrieval(stored, embedder):  # type: ignore[no-untyped-def]
    """Whether the model's retrieval rule (no reader) answers a result, as the question path decides it."""
    rule, background = profile_for(embedder).retrieval_rule, Background.of(stored, embedder)
    return lambda result: bool(result.hits) and rule.accepts(gather_evidence(result, stored.lexical, background))


def milvus_figures(eval_dir: Path, embedder) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    """Validation figures on the Milvus store: Kutip's fusion, and Milvus's own hybrid rankers."""
    from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

    stored, scratch = scratch_index(eval_dir / "facqa_corpus.jsonl", embedder, store="milvus")
    answered = answered_on_retrieval(stored, embedder)
    questions = read_questions(eval_dir / "facqa_dev.jsonl", "validation")
    vectors = embedder.encode_queries([q.question for q in questions])
    searcher = Searcher(stored, embedder)
    found = [searcher.search_encoded(q.question, v, 20) for q, v in zip(questions, vectors)]
    figures = {f"Kutip on Milvus Lite (dense weight {DEFAULT_DENSE_WEIGHT})": found}
    rankers = (
        ("RRF k=60", RRFRanker(60)),
        ("weighted 0.5/0.5", WeightedRanker(0.5, 0.5)),
        ("weighted 0.5/0.5, normalised", WeightedRanker(0.5, 0.5, norm_score=True)),
    )
    for name, ranker in rankers:
        figures[f"Milvus hybrid_search, {name}"] = [
            native_hybrid(stored, q, v, ranker, AnnSearchRequest) for q, v in zip(questions, vectors)
        ]
    shutil.rmtree(scratch)
    return {name: asdict(evaluate(questions, results, answered)) for name, results in figures.items()}


def native_hybrid(stored, question: EvalQuestion, vector, ranker, request) -> SearchResult:  # type: ignore[no-untyped-def]
    """Milvus's hybrid_search over the dense and BM25 fields, top 20, as a SearchResult."""
    from index.text.lexical import tokenize

    terms = tuple(tokenize(question.question))
    searches = [request([vector.tolist()], "vector", {"metric_type": "IP"}, CANDIDATES)]
    if terms:
        searches.append(request([" ".join(terms)], "sparse", {"metric_type": "BM25"}, CANDIDATES))
    [hits] = stored._client.hybrid_search(stored.names.passages, searches, ranker, limit=20)
    passages = stored.passages([hit["id"] for hit in hits])
    ranked = tuple(Hit(n + 1, passages[h["id"]], float(h["distance"]), 0.0, 0.0) for n, h in enumerate(hits))
    return SearchResult(question.question, terms, ranked, vector)


if __name__ == "__main__":
    main()
