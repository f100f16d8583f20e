"""Speed and memory on this machine: warm ask vs the bare model + FAISS floor, build rate vs
bare encode_document, cold start and peak memory of a `kutip ask` process.

Run: .venv/bin/python bench/speed.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import EVAL_DIR, ROOT, load_real_embedder, write_result
from bot.service import QuoteService
from bot.settings import Settings
from index.articles import read_articles
from index.building import refresh_index
from index.passages import split_passages
from index.store import load_index

REPEATS = 3


def warm_latency(service: QuoteService, questions: list[str]) -> dict[str, float]:
    """Median per-question seconds: Kutip's ask against one encode_query + one FAISS search."""
    embedder, dense = service.searcher.embedder, service.stored.dense
    floor, full = [], []
    for _ in range(REPEATS):
        for question in questions:
            started = time.perf_counter()
            dense.search(embedder.encode_queries([question]), 10)
            floor.append(time.perf_counter() - started)
            started = time.perf_counter()
            service.ask(question)
            full.append(time.perf_counter() - started)
    return {"floor_ms": 1000 * statistics.median(floor), "ask_ms": 1000 * statistics.median(full),
            "ratio": statistics.median(full) / statistics.median(floor)}


def build_rate(seeds: Path, scratch: Path) -> dict[str, float]:
    """Passages per second: a full index build against bare encode_document on the same texts."""
    embedder = load_real_embedder()
    articles = read_articles(seeds).articles
    texts = [p.text for a in articles for p in split_passages(a, embedder.count_tokens)]
    started = time.perf_counter()
    embedder._model.encode_document(texts, batch_size=32, normalize_embeddings=True)  # the bare floor
    bare = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    refresh_index(seeds, scratch / "data-build", embedder, rebuild=True)
    built = len(texts) / (time.perf_counter() - started)
    return {"passages": len(texts), "bare_per_s": bare, "build_per_s": built, "ratio": built / bare}


def cold_start(seeds: Path, data: Path, question: str) -> dict[str, float]:
    """Seconds from process start to the first answer, and the process's peak RSS."""
    env = {**os.environ, "KUTIP_SEEDS_DIR": str(seeds), "KUTIP_DATA_DIR": str(data)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.cli", "ask", question, "--json"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mib": peak_mib}


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
    result: dict[str, object] = {"build": build_rate(seeds, scratch)}
    service, _ = QuoteService.open(settings, load_real_embedder())
    result["warm"] = warm_latency(service, questions)
    result["cold_start"] = cold_start(seeds, settings.data_dir, questions[0])
    result["corpus"] = {"articles": len(service.stored.articles), "passages": len(service.stored.passages)}
    write_result("speed", result)
    print(json.dumps(result, indent=2))
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
