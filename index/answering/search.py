"""Hybrid search: dense cosine and BM25 from the store, each min-max normalised per query, then mixed.

A question in another language than a passage shares few words with it but names and
numbers, so BM25 says little there: for such a pair the mix leans on the dense score. Search
returns hits only; what they say about the question is the gate's (index/answering/gate.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.models.base import Embedder
from index.store.base import PassageStore
from index.text.language import guess_language
from index.text.lexical import tokenize
from index.text.passages import Passage

# Weight of the dense score in the mix: the best MRR@10 on the FacQA train questions in
# bench/retrieval.py's sweep (0.0 to 1.0 in steps of 0.1; bench/results/retrieval.json).
DEFAULT_DENSE_WEIGHT = 0.5
# The same for a question and a passage in two languages: the best R@1 of natural_dev's English
# questions about Indonesian passages (even rows) in bench/retrieval.py's sweep.
CROSS_LANGUAGE_DENSE_WEIGHT = 0.8
CANDIDATES = 100  # per retriever, as in the eval README's reference figures
SHORTLIST = 20  # the best by either mix, whose passages are read to know their language


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its fused score and the two scores it came from."""

    rank: int
    passage: Passage
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class SearchResult:
    """The hits for one question, best first, with the question's normalised terms."""

    question: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    query_vector: np.ndarray = field(compare=False, repr=False)


class Searcher:
    """Answers `search(question)` over one open store with one embedder."""

    def __init__(
        self,
        store: PassageStore,
        embedder: Embedder,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
        cross_language_weight: float = CROSS_LANGUAGE_DENSE_WEIGHT,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.cross_language_weight = cross_language_weight

    def for_index(self, store: PassageStore) -> Searcher:
        """The same searcher (model, weights) over another index."""
        return Searcher(store, self.embedder, self.dense_weight, self.cross_language_weight)

    def search(self, question: str, k: int) -> SearchResult:
        return self.search_encoded(question, self.embedder.encode_queries([question])[0], k)

    def search_many(self, questions: Sequence[str], k: int) -> list[SearchResult]:
        """Like `search` for each question, encoding them in one batch."""
        if not questions:
            return []
        vectors = self.embedder.encode_queries(list(questions))
        return [self.search_encoded(q, v, k) for q, v in zip(questions, vectors)]

    def search_encoded(self, question: str, query_vector: np.ndarray, k: int) -> SearchResult:
        terms = tuple(tokenize(question))
        keys, dense, lexical = self._candidates(query_vector, terms)
        if not len(keys):
            return SearchResult(question, terms, (), query_vector)
        scaled_dense, scaled_lexical = _min_max(dense), _min_max(lexical)
        same = self.dense_weight * scaled_dense + (1 - self.dense_weight) * scaled_lexical
        cross = self.cross_language_weight * scaled_dense + (1 - self.cross_language_weight) * scaled_lexical
        language = guess_language(question, default="")  # "" for a bare keyword: either language
        shortlist = (
            np.union1d(_best(keys, same, SHORTLIST), _best(keys, cross, SHORTLIST))
            if language
            else _best(keys, same, k)
        )
        passages = self.store.passages([int(keys[i]) for i in shortlist])
        # A store changed in place (Milvus) may have dropped a passage since it was found.
        found = [i for i in shortlist if int(keys[i]) in passages]
        fused = {
            i: float(
                cross[i] if language and guess_language(passages[int(keys[i])].text, language) != language else same[i]
            )
            for i in found
        }
        order = sorted(found, key=lambda i: (-fused[i], int(keys[i])))[:k]  # ties: the earlier passage first
        hits = tuple(
            Hit(rank + 1, passages[int(keys[i])], fused[i], float(dense[i]), float(lexical[i]))
            for rank, i in enumerate(order)
        )
        return SearchResult(question, terms, hits, query_vector)

    def _candidates(self, query_vector: np.ndarray, terms: Sequence[str]) -> tuple[np.ndarray, ...]:
        """Union of the dense and BM25 top candidates, with the cosine and BM25 score of each."""
        dense = self.store.dense_search(query_vector, CANDIDATES)
        lexical = self.store.lexical_search(terms, CANDIDATES, include=dense.keys)
        extra = lexical.keys[~np.isin(lexical.keys, dense.keys)]
        keys = np.concatenate([dense.keys, extra]).astype(np.int64)
        cosines = np.concatenate([dense.scores, self.store.dense_scores(query_vector, extra)]).astype(np.float32)
        bm25 = dict(zip(lexical.keys.tolist(), lexical.scores.tolist()))
        return keys, cosines, np.array([bm25.get(key, 0.0) for key in keys.tolist()], np.float32)


def _best(keys: np.ndarray, scores: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` best scores, ties to the lower key."""
    return np.lexsort((keys, -scores))[:count]


def _min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)
