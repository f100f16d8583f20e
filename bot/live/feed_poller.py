"""Polls RSS and Atom feeds and adds each new item's page to the library once.

An item is known by its guid, else its link. Its key is recorded in `seeds/added/feed-items.json`
once the item is added, or turns out to be a duplicate, a page without an article, too large or
refused; a fetch that fails for a passing reason (a time-out, a 503) is tried again next poll.
So an item an admin removed never comes back, and the record is backed up with the articles.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import (
    ADDED_FOLDER,
    Article,
    FeedItem,
    Fetcher,
    FetchError,
    LibraryError,
    PrivateAddressError,
    TooLargeError,
    add_from_url,
    parse_feed,
    read_json,
    write_atomically,
)

log = logging.getLogger(__name__)
SEEN_NAME = "feed-items.json"


@dataclass
class FeedStatus:
    """What the last poll of one feed found, for /feeds."""

    url: str
    items: int = 0
    added: int = 0
    error: str | None = None
    added_titles: list[str] = field(default_factory=list)


class FeedPoller:
    """A background thread polling `feeds` every `interval` seconds; `on_added` runs after new articles."""

    def __init__(
        self,
        feeds: Sequence[str],
        seeds_dir: Path,
        fetcher: Fetcher,
        interval: float,
        on_added: Callable[[], None],
    ) -> None:
        self.feeds = tuple(feeds)
        self.seeds_dir = seeds_dir
        self.fetcher = fetcher
        self.interval = interval
        self.on_added = on_added
        self.status = {url: FeedStatus(url) for url in self.feeds}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.feeds:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="kutip-feeds", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def poll_once(self) -> list[Article]:
        """Fetch every feed and add its new items; returns the articles added."""
        added: list[Article] = []
        for url in self.feeds:
            added += self._poll_feed(url)
        if added:
            self.on_added()
        return added

    def _poll_feed(self, url: str) -> list[Article]:
        status = self.status[url]
        try:
            page = self.fetcher.fetch(url)
            items = parse_feed(page.content, url)
        except LibraryError as error:
            status.error = str(error)
            log.warning("feed %s: %s", url, error)
            return []
        status.items, status.error = len(items), None
        seen = self._seen()
        added = [
            article
            for item in items
            if item.key not in seen
            if (article := self._add_item(url, item, seen)) is not None
        ]
        status.added += len(added)
        status.added_titles = ([a.title for a in added] + status.added_titles)[:5]
        return added

    def _add_item(self, feed: str, item: FeedItem, seen: set[str]) -> Article | None:
        try:
            article = add_from_url(
                self.seeds_dir,
                self.fetcher,
                item.link,
                f"feed {feed}",
                title=item.title,
                published=item.published,
                extra={"feed": feed},
            )
        except (PrivateAddressError, TooLargeError) as error:
            log.warning("feed item %s skipped: %s", item.link, error)
        except FetchError as error:
            log.warning("feed item %s not fetched, trying again next poll: %s", item.link, error)
            return None
        except LibraryError as error:  # a duplicate, no article on the page, an unreadable type
            log.info("feed item %s skipped: %s", item.link, error)
        else:
            log.info("feed %s: added %s (%s)", feed, article.id, article.title)
            self._mark_seen(item.key, seen)
            return article
        self._mark_seen(item.key, seen)
        return None

    def _seen(self) -> set[str]:
        raw = read_json(self.seeds_dir / ADDED_FOLDER / SEEN_NAME, {})
        keys = raw.get("seen", []) if isinstance(raw, dict) else []
        return {key for key in keys if isinstance(key, str)}

    def _mark_seen(self, key: str, seen: set[str]) -> None:
        seen.add(key)
        payload = json.dumps({"seen": sorted(seen)}, ensure_ascii=False, indent=1)
        write_atomically(self.seeds_dir / ADDED_FOLDER / SEEN_NAME, payload.encode("utf-8"))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:  # a background thread must not die: the next poll may succeed
                log.exception("polling the feeds failed")
            self._stopping.wait(self.interval)
