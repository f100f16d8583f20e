"""A deterministic embedder for unit tests: hashed bag of stemmed words, no model needed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from index.text.lexical import tokenize


class FakeEmbedder:
    """Texts sharing words get similar vectors; the same text always gets the same vector."""

    def __init__(self, dimension: int = 64, name: str = "fake-hash-embedder") -> None:
        self.name = name
        self.dimension = dimension
        self.max_tokens = 512
        self.documents_encoded = 0
        self.document_batches: list[list[str]] = []  # every encode_documents call, in order

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in tokenize(text) or ["_empty_"]:
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
        return vector / np.linalg.norm(vector)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.documents_encoded += len(texts)
        self.document_batches.append(list(texts))
        if progress is not None:
            progress(len(texts))
        return self.encode_queries(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split())
