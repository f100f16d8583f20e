"""A running bot's living library: articles added and removed from the chat, refreshes, feeds.

Adding writes the article into seeds/ first (the single source of truth), then asks the
refresher for a new generation; the handler confirms once the article answers questions.
"""

from __future__ import annotations

import asyncio
import time

from bot.live.feed_poller import FeedPoller
from bot.live.refresher import Refresher
from bot.service import QuoteService
from bot.settings import Settings
from index import (
    Article,
    Fetcher,
    add_article,
    add_from_url,
    draft_from_file,
    draft_from_text,
    remove_article,
)

INDEX_WAIT_SECONDS = 60.0  # how long a confirmation waits for the article to be indexed
WAIT_STEP_SECONDS = 0.05


class LiveLibrary:
    """Adds and removes articles in seeds/ and keeps the service's index in step with it."""

    def __init__(self, service: QuoteService, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.fetcher = Fetcher(
            allow_private=settings.allow_private_urls,
            timeout=settings.fetch_timeout,
            max_bytes=settings.max_fetch_bytes,
        )
        self.refresher = Refresher(service, settings)
        self.feeds = FeedPoller(
            settings.feeds, settings.seeds_dir, self.fetcher, settings.feed_seconds, self.refresher.request
        )

    def start(self) -> None:
        """Watch seeds/ and poll the feeds in background threads."""
        self.refresher.start()
        self.feeds.start()

    def stop(self) -> None:
        self.feeds.stop()
        self.refresher.stop()

    def add_url(self, url: str, added_by: str) -> Article:
        """Fetch, extract and add the article at `url` (blocking: call off the event loop)."""
        return self._changed(add_from_url(self.settings.seeds_dir, self.fetcher, url, added_by))

    def add_text(self, text: str, added_by: str) -> Article:
        """Add pasted text: the title on the first line, the article below."""
        return self._changed(add_article(self.settings.seeds_dir, draft_from_text(text), added_by))

    def add_file(self, name: str, data: bytes, added_by: str) -> Article:
        """Add an uploaded .txt, .md or .html file."""
        return self._changed(add_article(self.settings.seeds_dir, draft_from_file(name, data), added_by))

    def remove(self, key: str) -> Article:
        """Remove the article with id or exact title `key` from seeds/."""
        return self._changed(remove_article(self.settings.seeds_dir, key))

    async def until_indexed(self, article_id: str, present: bool = True, timeout: float = INDEX_WAIT_SECONDS) -> bool:
        """Wait until new questions see the article (or, with present=False, no longer see it)."""
        deadline = time.monotonic() + timeout
        while self.service.has_article(article_id) != present:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(WAIT_STEP_SECONDS)
        return True

    def _changed(self, article: Article) -> Article:
        self.refresher.request()
        return article
