"""Speed and memory on this machine, the int8 runtime (the default) against torch float32 in
the same run: warm ask against the float32 floor (one encode_query + one FAISS search, today's
bare model and index), build rate against bare float32 encode_document, cold start and peak
memory of `kutip ask`, and the bot's peak memory while it answers questions.

Run: .venv/bin/python bench/speed.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench_common import EVAL_DIR, ROOT, load_real_embedder, model_cache_dir, scratch_service, write_result

from bot.service import QuoteService
from bot.settings import Settings
from index.building import refresh_index
from index.models.e5.model import MODEL_DIR_NAME
from index.store.base import read_manifest
from index.text.articles import read_articles
from index.text.passages import split_passages

REPEATS = 3
PRECISIONS = ("fp32", "int8")
BUILD_ARTICLES = 400


def warm_latency(services: dict[str, QuoteService], questions: list[str]) -> dict[str, float]:
    """Per-question milliseconds, interleaved in one run: each runtime's floor (one encode_query
    + one FAISS search) and its ask with and without the reader; ratios to the float32 floor."""
    times: dict[str, list[float]] = {}
    variants = {p: {"ask": s, "ask_without_reader": without_reader(s)} for p, s in services.items()}
    for _ in range(REPEATS):
        for question in questions:
            for precision, service in services.items():
                embedder, dense = service.embedder, service.stored.dense
                started = time.perf_counter()
                dense.search(embedder.encode_queries([question]), 10)
                times.setdefault(f"{precision}_floor", []).append(time.perf_counter() - started)
                for name, variant in variants[precision].items():
                    started = time.perf_counter()
                    variant.ask(question)
                    times.setdefault(f"{precision}_{name}", []).append(time.perf_counter() - started)
    floor = statistics.median(times["fp32_floor"])
    report = {}
    for name, seconds in times.items():
        report |= {
            f"{name}_p50_ms": 1000 * statistics.median(seconds),
            f"{name}_p95_ms": 1000 * statistics.quantiles(seconds, n=20)[-1],
            f"{name}_ratio_to_fp32_floor": statistics.median(seconds) / floor,
        }
    return report


def without_reader(service: QuoteService) -> QuoteService:
    """The same index and model answering without the reader (the retrieval rule decides)."""
    profile = replace(service.answerer.profile, reader=None)
    return QuoteService(service.stored, service.embedder, service.answerer.options, profile)


def cross_language_latency(scratch: Path) -> dict[str, float]:
    """Warm latency for our English questions on the Indonesian seed."""
    seed = ROOT / "seeds" / "000_fa119bf131a3472f.txt"
    services = {p: scratch_service(seed, scratch / f"seed-only-{p}", load_real_embedder(p)) for p in PRECISIONS}
    rows = [
        json.loads(line) for line in (ROOT / "bench" / "questions" / "seed_questions.jsonl").read_text().splitlines()
    ]
    return warm_latency(services, [r["question"] for r in rows if r["lang"] == "en" and r["answerable"]])


def build_rate(seeds: Path, scratch: Path) -> dict[str, float]:
    """Passages per second: full index builds with each runtime against bare float32
    encode_document (sentence-transformers) on the same texts.

    They alternate REPEATS times and the fastest of each counts: on a 2-core machine a single
    run of any varies by 20%.
    """
    embedders = {p: load_real_embedder(p) for p in PRECISIONS}
    articles = read_articles(seeds).articles
    texts = [p.text for a in articles for p in split_passages(a, embedders["fp32"].count_tokens)]
    model = embedders["fp32"]._model  # the bare sentence-transformers model under Kutip's embedder
    model.encode_document(texts[:64], batch_size=32)  # warm-up
    seconds: dict[str, list[float]] = {}
    for _ in range(REPEATS):
        started = time.perf_counter()
        model.encode_document(texts, batch_size=32, normalize_embeddings=True)
        seconds.setdefault("bare_fp32", []).append(time.perf_counter() - started)
        for precision, embedder in embedders.items():
            started = time.perf_counter()
            refresh_index(seeds, scratch / f"data-build-{precision}", embedder, rebuild=True)
            seconds.setdefault(f"build_{precision}", []).append(time.perf_counter() - started)
    rates = {f"{name}_per_s": len(texts) / min(times) for name, times in seconds.items()}
    return {
        "passages": len(texts),
        **rates,
        **{f"build_{p}_ratio_to_bare_fp32": rates[f"build_{p}_per_s"] / rates["bare_fp32_per_s"] for p in PRECISIONS},
    }


BARE_COLD_START = """
import sys, faiss
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu", local_files_only=True)
index = faiss.read_index(sys.argv[2])
index.search(model.encode_query([sys.argv[3]], normalize_embeddings=True), 10)
"""


def cold_start(seeds: Path, data: Path, question: str, model_path: Path) -> dict[str, dict[str, float]]:
    """Process start to first answer for `kutip ask` with each runtime, and for the bare
    float32 model + FAISS index."""
    env = {**os.environ, "KUTIP_SEEDS_DIR": str(seeds), "KUTIP_DATA_DIR": str(data)}
    faiss_file = data / read_manifest(data).generation / "dense.faiss"
    ask = [sys.executable, "-m", "bot.cli", "ask", question, "--json"]
    runs = {"bare_fp32": ([sys.executable, "-c", BARE_COLD_START, str(model_path), str(faiss_file), question], {})}
    runs |= {f"kutip_{p}": (ask, {"KUTIP_MODEL_PRECISION": p}) for p in PRECISIONS}
    return {name: _measure(command, env | extra) for name, (command, extra) in runs.items()}


def bot_memory(seeds: Path, data: Path, questions: list[str]) -> dict[str, dict[str, float]]:
    """Peak RSS of `kutip bot` with each runtime while it answers `questions` from four chats,
    against the local fake Bot API server."""
    return {f"bot_{p}": asyncio.run(_bot_peak_rss(seeds, data, questions, p)) for p in PRECISIONS}


async def _bot_peak_rss(seeds: Path, data: Path, questions: list[str], precision: str) -> dict[str, float]:
    from tests.helpers.fake_telegram import FakeTelegram

    async with FakeTelegram() as telegram:
        env = {**os.environ, "KUTIP_SEEDS_DIR": str(seeds), "KUTIP_DATA_DIR": str(data)}
        env |= {"KUTIP_MODEL_PRECISION": precision, "TELEGRAM_BOT_TOKEN": telegram.token}
        env |= {"TELEGRAM_API_BASE_URL": telegram.base_url, "TELEGRAM_API_FILE_URL": telegram.base_file_url}
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "bot", env=env, cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            started = time.perf_counter()
            for n, question in enumerate(questions):
                telegram.push_message(1000 + n % 4, question)
            for chat in range(4):
                await telegram.wait_for_messages(1000 + chat, len(questions[chat::4]), timeout=300)
            seconds = time.perf_counter() - started
            status = Path(f"/proc/{bot.pid}/status").read_text()
            peak_kib = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
        finally:
            bot.terminate()
            await bot.wait()
    return {"questions": len(questions), "seconds": round(seconds, 2), "peak_rss_mib": round(peak_kib / 1024, 1)}


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
    services = {p: QuoteService.open(settings, load_real_embedder(p))[0] for p in PRECISIONS}
    result["warm"] = warm_latency(services, questions)
    model_path = model_cache_dir() / MODEL_DIR_NAME
    result["cross_language"] = cross_language_latency(scratch)
    result["cold_start"] = cold_start(seeds, settings.data_dir, questions[0], model_path)
    result["bot"] = bot_memory(seeds, settings.data_dir, questions[:40])
    stored = services["int8"].stored
    result["corpus"] = {"articles": len(stored.articles), "passages": stored.manifest.passage_count}
    write_result("speed", result)
    print(json.dumps(result, indent=2))
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
