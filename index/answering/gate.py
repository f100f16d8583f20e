"""What retrieval alone says about a question: the evidence, and the rules that answer on it.

The evidence is richer than one cosine cut-off. multilingual-e5 gives every pair of texts a
cosine around 0.7-0.85, so the best passage's cosine is compared with the question's best
cosine against everyday passages on unrelated topics (`Background`, the baseline): how far
it stands above them says more than the cosine alone (bench/decline.py compares the two).
The off-topic gate is one such rule; the judge (index/answering/judge.py) holds others that
may answer what the reader doubts. Which numbers a model gets is index/answering/profile.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.answering.search import SearchResult
from index.models.base import Embedder
from index.store.background import BACKGROUND_PASSAGES
from index.store.base import PassageStore
from index.text.lexical import LexicalIndex


@dataclass(frozen=True)
class Evidence:
    """Signals that the best passage answers the question."""

    cosine: float  # dense cosine of the best hit
    coverage: float  # IDF-weighted share of the question's terms found in the best hit
    contrast: float  # best cosine minus the question's best cosine against background passages


@dataclass(frozen=True)
class RetrievalRule:
    """Answers when the best passage clearly beats the background, or holds every question word
    and beats it at all; cosines differ per embedding model, so the numbers are per model."""

    contrast: float  # contrast that is enough on its own
    covered_contrast: float  # contrast that is enough when coverage reaches `covered`
    covered: float = 0.99

    def accepts(self, evidence: Evidence) -> bool:
        if evidence.contrast >= self.contrast:
            return True
        return evidence.coverage >= self.covered and evidence.contrast >= self.covered_contrast


class Background:
    """The background passages' vectors: a question's baseline is its best cosine with them."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    @classmethod
    def of(cls, store: PassageStore, embedder: Embedder) -> Background:
        """The vectors stored with the index at build time, else encoded now."""
        stored = store.background_vectors()
        return cls(stored if stored is not None else embedder.encode_documents(BACKGROUND_PASSAGES))

    def baseline(self, query_vector: np.ndarray) -> float:
        return float((self.vectors @ query_vector).max())


def gather_evidence(result: SearchResult, lexical: LexicalIndex, background: Background) -> Evidence:
    if not result.hits:
        return Evidence(0.0, 0.0, -1.0)
    cosine = max(hit.dense for hit in result.hits)
    [coverage] = lexical.coverage(result.terms, [result.hits[0].passage.text])
    return Evidence(cosine, coverage, cosine - background.baseline(result.query_vector))
