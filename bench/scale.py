"""Both stores at library sizes past the seed's: build time, memory, disk, retrieval latency, recall.

The passages are synthetic, made to be searched like real ones (seed 0, so every run is the same):
- vectors: 384 dimensions like multilingual-e5-small's, each the sum of a direction shared by
  all (e5's vectors sit in a narrow cone: two unrelated passages score about 0.72), a "story"
  direction shared by 100 passages, and Gaussian noise, normalised; the median cosine of a
  passage with its nearest other passage is about 0.89, as measured for real e5 passages;
- text: 45 words of made-up Indonesian-looking words (syllables, with me-/ber-/di- prefixes and
  -kan/-an/-nya suffixes that Sastrawi strips), 40% drawn from the story's own 30 words and the
  rest from a Zipf-distributed vocabulary of 30,000, with a few stopwords; 8 passages an article;
- questions: a passage's vector plus noise (cosine 0.88 with it) and 4 of its words.
Each store and size is built in one child process and searched in another, so that the peak
memory (RSS, the Milvus Lite engine's included) and the memory after opening are each its own.
Latency is the whole retrieval step as the bot runs it (Searcher.search_encoded: dense, BM25,
fusion, passages read for the top 5), the question already encoded; recall@10 is the store's
dense top 10 against exact search. Then FAISS index variants at the largest size (`--no-dense` skips them).
Run (nice: the machine is shared): cd bench && nice -n 5 ../.venv/bin/python scale.py
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from bench_common import write_result

from index.text.articles import Article
from index.text.passages import Passage, Sentence

DIMENSION = 384
STORY = 100  # passages per story direction
SHARED, NOISE = 2.2, 0.93  # weights of the shared direction and the noise (the story's is 1)
QUESTION_NOISE = 0.54  # cosine 1/sqrt(1 + 0.54²) = 0.88 with the passage asked about
WORDS, STORY_WORDS, PASSAGE_WORDS, PER_ARTICLE = 30_000, 30, 45, 8
SYLLABLES = [c + v for c in "bcdghjklmnprstwy" for v in "aiueo"] + ["ng", "ny"]
STOPWORDS = ["yang", "di", "dan", "itu", "dengan", "untuk"]


def stories(count: int, seed: int = 0) -> np.ndarray:
    """The story of each passage: its vector and its words follow it."""
    return np.random.default_rng(seed).integers(max(1, count // STORY), size=count)


def vectors(story: np.ndarray, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shared = _unit(rng.normal(size=DIMENSION))
    directions = _unit(rng.normal(size=(int(story.max()) + 1, DIMENSION)))
    out = np.empty((len(story), DIMENSION), np.float32)
    for first in range(0, len(story), 100_000):  # in blocks: the float64 noise of a million rows is 3 GB
        rows = slice(first, min(len(story), first + 100_000))
        noise = rng.normal(size=(rows.stop - rows.start, DIMENSION)) * NOISE / np.sqrt(DIMENSION)
        out[rows] = _unit(SHARED * shared + directions[story[rows]] + noise)
    return out


def texts(story: np.ndarray, rows: np.ndarray | None = None, seed: int = 2) -> list[str]:
    """Every passage's text (or only those of `rows`: the draws are the same either way)."""
    rng = np.random.default_rng(seed)
    vocabulary = _words(rng)
    count = len(story)
    zipf = 1 / np.arange(1, WORDS + 1)
    words = rng.choice(WORDS, size=(count, PASSAGE_WORDS), p=zipf / zipf.sum())
    story_words = rng.integers(WORDS, size=(int(story.max()) + 1, STORY_WORDS))
    own = rng.random((count, PASSAGE_WORDS)) < 0.4
    picks = rng.integers(STORY_WORDS, size=(count, PASSAGE_WORDS))
    words = np.where(own, story_words[story[:, None], picks], words)
    stops = rng.integers(len(STOPWORDS), size=(count, PASSAGE_WORDS))
    return [
        " ".join(vocabulary[w] if k % 7 else STOPWORDS[stops[n, k]] for k, w in enumerate(words[n])).capitalize() + "."
        for n in (range(count) if rows is None else rows)
    ]


def questions(story: np.ndarray, corpus: np.ndarray, count: int, seed: int = 3) -> list[tuple[str, np.ndarray]]:
    """Questions about random passages: 4 of the passage's words, and its vector plus noise."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(corpus), count, replace=False)
    noise = rng.normal(size=(count, DIMENSION)) * QUESTION_NOISE / np.sqrt(DIMENSION)
    asked = _unit(corpus[rows] + noise).astype(np.float32)
    words = [rng.choice(text.rstrip(".").split(), 4, replace=False) for text in texts(story, rows)]
    return [(" ".join(w), v) for w, v in zip(words, asked)]


def library(passage_texts: list[str]) -> Iterator[tuple[Article, list[Passage]]]:
    """Articles of PER_ARTICLE passages, one paragraph and sentence each."""
    for first in range(0, len(passage_texts), PER_ARTICLE):
        parts = passage_texts[first : first + PER_ARTICLE]
        article = Article(id=f"a{first // PER_ARTICLE}", title=parts[0][:60], text="\n\n".join(parts), source="scale")
        passages, start = [], 0
        for n, text in enumerate(parts):
            end = start + len(text)
            sentence = Sentence(start, end, n + 1)
            passages.append(Passage(f"{article.id}#{n}", article.id, n + 1, n + 1, start, end, text, (sentence,)))
            start = end + 2
        yield article, passages


def _words(rng: np.random.Generator) -> list[str]:
    prefixes, suffixes = ["", "", "me", "ber", "di"], ["", "", "kan", "an", "nya"]
    out: list[str] = []
    while len(out) < WORDS:
        stem = "".join(rng.choice(SYLLABLES, size=rng.integers(2, 4)))
        out.append(rng.choice(prefixes) + stem + rng.choice(suffixes))
    return out


def _unit(values: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(values, axis=-1, keepdims=True)
    result: np.ndarray = values / norms
    return result


def build(size: int, store: str, folder: Path) -> dict[str, object]:
    from index.store import open_writer
    from index.store.base import FORMAT_VERSION, Manifest

    started = time.perf_counter()
    story = stories(size)
    corpus, passage_texts = vectors(story), texts(story)
    made = time.perf_counter()
    writer = open_writer(folder / "data", _config(store, folder), DIMENSION, None)
    articles, row = [], 0
    for article, passages in library(passage_texts):
        writer.put_article(article, passages, corpus[row : row + len(passages)])
        articles.append(article)
        row += len(passages)
    hashes = {article.id: "" for article in articles}
    manifest = Manifest(FORMAT_VERSION, "", "synthetic", DIMENSION, {}, "", hashes, 0)
    written = writer.commit(articles, manifest, background=corpus[:48])
    return {
        "passages": written.passage_count,
        "index_type": written.index_type,
        "data_seconds": round(made - started, 1),
        "build_seconds": round(time.perf_counter() - made, 1),
        "build_peak_rss_mb": peak_rss_mb(),
        "disk_mb": round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1),
    }


def serve(size: int, store: str, folder: Path, count: int) -> dict[str, object]:
    from index.answering.search import Searcher
    from index.store import open_store

    before = rss_mb()
    started = time.perf_counter()
    opened = open_store(folder / "data", _config(store, folder), "synthetic", DIMENSION)
    searcher = Searcher(opened, embedder=None)  # type: ignore[arg-type]  # questions come encoded
    open_seconds = time.perf_counter() - started
    opened_rss = rss_mb()
    story = stories(size)
    corpus = vectors(story)
    asked = questions(story, corpus, count + 10)
    for text, vector in asked[:10]:  # warm the caches
        searcher.search_encoded(text, vector, 5)
    seconds = []
    for text, vector in asked[10:]:
        started = time.perf_counter()
        searcher.search_encoded(text, vector, 5)
        seconds.append(time.perf_counter() - started)
    recall = [
        len(set(opened.dense_search(v, 10).keys.tolist()) & set(np.argpartition(-(corpus @ v), 10)[:10].tolist())) / 10
        for _, v in asked[10:]
    ]
    milliseconds = 1000 * np.array(seconds)
    return {
        "open_seconds": round(open_seconds, 2),
        "rss_after_open_mb": opened_rss,
        "rss_added_by_open_mb": round(opened_rss - before, 1),
        "serving_peak_rss_mb": peak_rss_mb(),
        "retrieval_ms_p50": round(float(np.percentile(milliseconds, 50)), 1),
        "retrieval_ms_p95": round(float(np.percentile(milliseconds, 95)), 1),
        "dense_recall_at_10": round(float(np.mean(recall)), 3),
        "questions": count,
    }


def dense_variants(size: int, count: int) -> dict[str, object]:
    """FAISS indexes over the same vectors: what FLAT_LIMIT and IVF-Flat's nprobe rest on."""
    import faiss

    from index.store.dense import lists_for

    corpus = vectors(stories(size))
    rng = np.random.default_rng(3)
    rows = rng.choice(size, count, replace=False)
    noise = rng.normal(size=(count, DIMENSION)) * QUESTION_NOISE / np.sqrt(DIMENSION)
    queries = _unit(corpus[rows] + noise).astype(np.float32)
    exact = [set(np.argpartition(-(corpus @ q), 10)[:10].tolist()) for q in queries]
    nlist = lists_for(size)
    out: dict[str, object] = {"nlist": nlist}
    flat = faiss.IndexFlatIP(DIMENSION)
    flat.add(corpus)
    for threads in (1, 2):
        out[f"Flat, {threads} thread(s)"] = _timed(flat, queries, exact, threads)
    for name, factory in (("IVF-Flat", f"IVF{nlist},Flat"), ("IVF-SQ8", f"IVF{nlist},SQ8")):
        started = time.perf_counter()
        index = faiss.index_factory(DIMENSION, factory, faiss.METRIC_INNER_PRODUCT)
        index.train(corpus[np.sort(rng.choice(size, min(size, nlist * 40), replace=False))])
        index.add(corpus)
        built = round(time.perf_counter() - started, 1)
        for nprobe in (nlist // 32, nlist // 16, nlist // 8):
            index.nprobe = max(1, nprobe)
            out[f"{name} nprobe={index.nprobe}"] = {**_timed(index, queries, exact, 1), "build_seconds": built}
        out[f"{name} bytes"] = len(faiss.serialize_index(index))
    out["Flat bytes"] = size * DIMENSION * 4
    return out


def _timed(index: object, queries: np.ndarray, exact: list[set[int]], threads: int) -> dict[str, float]:
    import faiss

    faiss.omp_set_num_threads(threads)
    wall, cpu, found = [], [], []
    for query, truth in zip(queries, exact):
        started, started_cpu = time.perf_counter(), time.process_time()
        _, rows = index.search(query[None, :], 10)  # type: ignore[attr-defined]
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        found.append(len(truth & set(rows[0].tolist())) / 10)
    return {
        "ms_p50": round(1000 * float(np.median(wall)), 2),
        "cpu_ms_mean": round(1000 * float(np.mean(cpu)), 2),
        "recall_at_10": round(float(np.mean(found)), 3),
    }


def _config(store: str, folder: Path):  # type: ignore[no-untyped-def]
    from index.store.base import StoreConfig

    return StoreConfig(store, str(folder / "kutip-milvus.db"))


def rss_mb() -> float:
    return round(_status_kb(Path("/proc/self/status"), "VmRSS") / 1024, 1)


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its children still running (Milvus Lite's engine)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round((own + sum(_status_kb(Path(f"/proc/{pid}/status"), "VmHWM") for pid in _children())) / 1024, 1)


def _children() -> list[int]:
    found = []
    for task in Path("/proc/self/task").iterdir():
        found += [int(pid) for pid in (task / "children").read_text().split()]
    return found


def _status_kb(path: Path, field: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run_phase(argv: list[str], timeout: float) -> dict[str, object]:
    """One phase in a child process; its last output line is the JSON of its figures."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, *argv], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"not finished in {timeout:.0f} s"}
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", default=["faiss", "milvus"], choices=["faiss", "milvus"])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per build or search phase")
    parser.add_argument("--no-dense", action="store_true", help="skip the FAISS index variants at the largest size")
    parser.add_argument("--phase", choices=["build", "serve", "dense"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        size, store = args.sizes[0], args.stores[0]
        figures = {
            "build": lambda: build(size, store, args.folder),
            "serve": lambda: serve(size, store, args.folder, args.questions),
            "dense": lambda: dense_variants(size, args.questions),
        }[args.phase]()
        print(json.dumps(figures))
        return
    results: dict[str, object] = {}
    for size in args.sizes:
        for store in args.stores:
            folder = Path(tempfile.mkdtemp(prefix=f"kutip-scale-{store}-"))
            common = ["--sizes", str(size), "--stores", store, "--folder", str(folder)]
            figures = run_phase(["--phase", "build", *common], args.timeout)
            if "error" not in figures:
                figures |= run_phase(["--phase", "serve", *common, "--questions", str(args.questions)], args.timeout)
            results[f"{store} {size}"] = figures
            print(f"{store} {size}: {json.dumps(figures)}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    if not args.no_dense:
        size = max(args.sizes)
        results[f"faiss variants {size}"] = run_phase(
            ["--phase", "dense", "--sizes", str(size), "--questions", str(args.questions)], args.timeout
        )
        print(json.dumps(results[f"faiss variants {size}"]), flush=True)
    write_result("scale", {"how": __doc__, "results": results})


if __name__ == "__main__":
    main()
