"""Speed and memory on this machine: warm ask vs the bare model + FAISS floor, build rate vs
bare encode_document, cold start and peak memory of a `kutip ask` process.

Run: .venv/bin/python bench/speed.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import EVAL_DIR, ROOT, load_real_embedder, model_cache_dir, scratch_service, write_result

from bot.service import QuoteService
from bot.settings import Settings
from index.articles import read_articles
from index.building import refresh_index
from index.e5.model import MODEL_DIR_NAME
from index.passages import split_passages
from index.store import read_manifest

REPEATS = 3
BUILD_ARTICLES = 400


def warm_latency(service: QuoteService, questions: list[str]) -> dict[str, float]:
    """Per-question milliseconds, interleaved in one run: the floor (one encode_query + one
    FAISS search), Kutip's ask with the reader, and Kutip's ask with the reader switched off."""
    embedder, dense, reader = service.searcher.embedder, service.stored.dense, service.reader
    times: dict[str, list[float]] = {"floor": [], "ask": [], "ask_without_reader": []}
    for _ in range(REPEATS):
        for question in questions:
            started = time.perf_counter()
            dense.search(embedder.encode_queries([question]), 10)
            times["floor"].append(time.perf_counter() - started)
            for name, used in (("ask", reader), ("ask_without_reader", None)):
                service.reader = used
                started = time.perf_counter()
                service.ask(question)
                times[name].append(time.perf_counter() - started)
    service.reader = reader
    floor = statistics.median(times["floor"])
    report = {"floor_ms": 1000 * floor}
    for name in ("ask", "ask_without_reader"):
        report |= {
            f"{name}_p50_ms": 1000 * statistics.median(times[name]),
            f"{name}_p95_ms": 1000 * statistics.quantiles(times[name], n=20)[-1],
            f"{name}_ratio": statistics.median(times[name]) / floor,
        }
    return report


def cross_language_latency(scratch: Path) -> dict[str, float]:
    """Warm latency for our English questions on the Indonesian seed."""
    service = scratch_service(ROOT / "seeds" / "000_fa119bf131a3472f.txt", scratch / "seed-only", load_real_embedder())
    rows = [
        json.loads(line) for line in (ROOT / "bench" / "questions" / "seed_questions.jsonl").read_text().splitlines()
    ]
    return warm_latency(service, [r["question"] for r in rows if r["lang"] == "en" and r["answerable"]])


def build_rate(seeds: Path, scratch: Path) -> dict[str, float]:
    """Passages per second: a full index build against bare encode_document on the same texts.

    The two alternate REPEATS times and the fastest of each counts: on a 2-core machine a
    single run of either varies by 20%.
    """
    embedder = load_real_embedder()
    articles = read_articles(seeds).articles
    texts = [p.text for a in articles for p in split_passages(a, embedder.count_tokens)]
    model = embedder._model  # the bare sentence-transformers model under Kutip's embedder
    model.encode_document(texts[:64], batch_size=32)  # warm-up
    bare, built = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        model.encode_document(texts, batch_size=32, normalize_embeddings=True)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        refresh_index(seeds, scratch / "data-build", embedder, rebuild=True)
        built.append(time.perf_counter() - started)
    bare_rate, build_rate_ = len(texts) / min(bare), len(texts) / min(built)
    return {
        "passages": len(texts),
        "bare_per_s": bare_rate,
        "build_per_s": build_rate_,
        "ratio": build_rate_ / bare_rate,
    }


BARE_COLD_START = """
import sys, faiss
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu", local_files_only=True)
index = faiss.read_index(sys.argv[2])
index.search(model.encode_query([sys.argv[3]], normalize_embeddings=True), 10)
"""


def cold_start(seeds: Path, data: Path, question: str, model_path: Path) -> dict[str, dict[str, float]]:
    """Process start to first answer for `kutip ask`, and for the bare model + FAISS index."""
    env = {**os.environ, "KUTIP_SEEDS_DIR": str(seeds), "KUTIP_DATA_DIR": str(data)}
    faiss_file = data / read_manifest(data).generation / "dense.faiss"
    runs = {
        "bare": [sys.executable, "-c", BARE_COLD_START, str(model_path), str(faiss_file), question],
        "kutip": [sys.executable, "-m", "bot.cli", "ask", question, "--json"],
    }
    return {name: _measure(command, env) for name, command in runs.items()}


def _measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall seconds and peak RSS of one process, read by GNU time's format if present."""
    wrapper = [sys.executable, "-c", PEAK_RSS_WRAPPER, *command]
    started = time.perf_counter()
    done = subprocess.run(wrapper, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(int(done.stdout.split()[-1]) / 1024, 1)}


# Runs the command as its only child and prints that child's peak RSS in KiB.
PEAK_RSS_WRAPPER = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kutip-speed-"))
    seeds = scratch / "seeds"
    seeds.mkdir()
    shutil.copy(args.eval_dir / "facqa_corpus.jsonl", seeds / "facqa_corpus.jsonl")
    settings = Settings(seeds_dir=seeds, data_dir=scratch / "data")
    rows = [json.loads(line) for line in (args.eval_dir / "facqa_dev.jsonl").read_text().splitlines()]
    questions = [r["question"] for r in rows if r["split"] == "validation"][:100]
    # The build comparison runs 2 x REPEATS times: a 400-article slice keeps it to minutes.
    slice_seeds = scratch / "slice"
    slice_seeds.mkdir()
    lines = (args.eval_dir / "facqa_corpus.jsonl").read_text(encoding="utf-8").splitlines()[:BUILD_ARTICLES]
    (slice_seeds / "slice.jsonl").write_text("\n".join(lines), encoding="utf-8")
    result: dict[str, object] = {"build": build_rate(slice_seeds, scratch)}
    service, _ = QuoteService.open(settings, load_real_embedder())
    result["warm"] = warm_latency(service, questions)
    model_path = model_cache_dir() / MODEL_DIR_NAME
    result["cross_language"] = cross_language_latency(scratch)
    result["cold_start"] = cold_start(seeds, settings.data_dir, questions[0], model_path)
    result["corpus"] = {"articles": len(service.stored.articles), "passages": service.stored.manifest.passage_count}
    write_result("speed", result)
    print(json.dumps(result, indent=2))
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
