"""What the index needs from an embedding model, and the batching both runtimes share.

Both runtimes (index/models/embedder.py, index/models/openvino.py) import this module and
neither imports the other at module level, so the two have no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

DEFAULT_BATCH_SIZE = 32
ProgressCallback = Callable[[int], None]


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    dimension: int
    max_tokens: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def encode_sorted(
    texts: Sequence[str],
    encode_batch: Callable[[Sequence[str]], np.ndarray],
    dimension: int,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """`encode_batch` over `texts` in batches of similar length, vectors back in input order.

    Sorting by length keeps padding small inside each batch; progress is reported per batch.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = np.empty((len(texts), dimension), dtype=np.float32)
    for begin in range(0, len(order), DEFAULT_BATCH_SIZE):
        rows = order[begin : begin + DEFAULT_BATCH_SIZE]
        vectors[rows] = encode_batch([texts[i] for i in rows])
        if progress is not None:
            progress(len(rows))
    return vectors
