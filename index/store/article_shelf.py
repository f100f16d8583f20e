"""Articles by id, read on demand from the store that keeps them, the most recent ones cached.

A library of a million passages holds some hundred thousand articles; only their ids are kept
in memory, and a question needs the text of the few it quotes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping

from index.text.articles import Article

CACHED_ARTICLES = 1024


class ArticleShelf(Mapping[str, Article]):
    """A read-only mapping of article id to `Article`, each fetched by `fetch` on first use."""

    def __init__(self, ids: Iterable[str], fetch: Callable[[str], Article]) -> None:
        self._ids = dict.fromkeys(ids)  # ordered, with fast membership
        self._fetch = fetch
        self._cache: OrderedDict[str, Article] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, article_id: str) -> Article:
        if article_id not in self._ids:
            raise KeyError(article_id)
        with self._lock:
            if (cached := self._cache.get(article_id)) is not None:
                self._cache.move_to_end(article_id)
                return cached
        article = self._fetch(article_id)
        with self._lock:
            self._cache[article_id] = article
            if len(self._cache) > CACHED_ARTICLES:
                self._cache.popitem(last=False)
        return article

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
