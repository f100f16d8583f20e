"""The FAISS index of passage vectors: exact below a library size, inverted lists above it.

A flat index scans every vector per question: at a million passages that is 1.5 GB read and
57 ms of one core (bench/scale.py). Past `FLAT_LIMIT` passages the vectors go into an IVF-Flat
index instead: nlist = 4·√N clusters (the usual rule of thumb, FAISS wiki "Guidelines to choose
an index"), of which 1/16 are scanned per question: at a million synthetic e5-like passages
23 ms and recall@10 0.999 against the flat index (bench/scale.py; docs/measurements.md, "Large libraries").
IVF-Flat keeps the vectors exact, so an incremental build can reuse them unchanged (an 8-bit
quantized index would degrade them a little at every refresh).
"""

from __future__ import annotations

import math

import faiss
import numpy as np

FLAT_LIMIT = 200_000  # passages; the exact scan of this many takes about 12 ms (bench/scale.py)
TRAINING_PER_LIST = 40  # k-means sample per cluster; FAISS warns below 39
MIN_NPROBE = 32


def build_dense(vectors: np.ndarray, dimension: int, flat_limit: int | None = None) -> faiss.Index:
    """An inner-product index over `vectors` (normalised, so cosine), row i = vector i."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) < (FLAT_LIMIT if flat_limit is None else flat_limit):
        flat = faiss.IndexFlatIP(dimension)
        flat.add(vectors)
        return flat
    nlist = lists_for(len(vectors))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), nlist * TRAINING_PER_LIST), replace=False)
    ivf.train(vectors[np.sort(sample)])
    ivf.add(vectors)
    ivf.make_direct_map()  # reconstruct(row), for the cosine of candidates BM25 brings
    ivf.nprobe = probes_for(nlist)
    return ivf


def lists_for(count: int) -> int:
    return max(1, round(4 * math.sqrt(count)))


def probes_for(nlist: int) -> int:
    """Clusters scanned per question: 1/16 of them (250 of 4,000 at a million)."""
    return min(nlist, max(MIN_NPROBE, nlist // 16))


def describe(index: faiss.Index) -> str:
    """The index's kind for the manifest and `kutip info`, e.g. `IndexFlatIP` or `IVF4000,Flat nprobe=250`."""
    if isinstance(index, faiss.IndexIVF):
        return f"IVF{index.nlist},Flat nprobe={index.nprobe}"
    return "IndexFlatIP"


def search_one(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` best rows for one query vector and their cosines, best first.

    One OpenMP thread: for a single query FAISS's threads cost more CPU than they save
    (bench/scale.py); the setting is per calling thread, so a build elsewhere keeps its threads.
    """
    if index.ntotal == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    faiss.omp_set_num_threads(1)
    query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
    cosines, rows = index.search(query, min(k, index.ntotal))
    found = rows[0] >= 0  # IVF returns -1 when the probed lists hold fewer than k vectors
    return rows[0][found].astype(np.int64), cosines[0][found].astype(np.float32)
