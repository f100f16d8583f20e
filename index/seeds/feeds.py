"""Reads RSS and Atom feeds (feedparser): each item's key, link, title and date."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from index.errors import FetchError


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: `key` (its guid, else its link) says whether it was seen before."""

    key: str
    link: str
    title: str | None
    published: str | None  # ISO date, YYYY-MM-DD


def parse_feed(content: bytes, url: str) -> list[FeedItem]:
    """The items of an RSS or Atom document that have a link, in feed order.

    `content` is always the fetched bytes: given a URL string, feedparser would fetch it itself,
    past the size limit and the check for private addresses.
    """
    import feedparser  # here: 10 MiB that a bot without feeds need not carry

    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FetchError(f"{url} is not an RSS or Atom feed ({problem})")
    items = []
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link.startswith(("http://", "https://")):
            continue
        key = (entry.get("id") or "").strip() or link
        title = (entry.get("title") or "").strip() or None
        items.append(FeedItem(key, link, title, _date(entry)))
    return items


def _date(entry: Mapping[str, Any]) -> str | None:
    for field in ("published_parsed", "updated_parsed"):
        value = entry.get(field)
        if isinstance(value, time.struct_time):
            return time.strftime("%Y-%m-%d", value)
    return None
