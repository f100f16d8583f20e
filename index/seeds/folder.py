"""The seeds folder as a living library: articles added as plain files, duplicates refused, removal.

An added article becomes `<seeds>/added/<id>.md`, front matter then text, exactly what a person
would drop in by hand, so `kutip index --rebuild` reproduces the library from the folder alone.
The file is written beside its final name and renamed into place after an fsync: a crash leaves
either the whole article or nothing (hidden `.tmp` files are never read as articles).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from index.errors import (
    AmbiguousTitleError,
    ArticleNotFoundError,
    DuplicateError,
    ExtractionError,
    LastArticleError,
    SeedError,
)
from index.seeds.extraction import Draft, draft_from_page
from index.seeds.fetching import Fetcher, check_url
from index.store.base import file_lock
from index.text.articles import Article, clean_text, parse_document, read_articles, seed_files

ADDED_FOLDER = "added"
LOCK_NAME = ".library.lock"
MAX_SLUG_CHARS = 48
_JSONL_SOURCE = re.compile(r"(.+\.jsonl):(\d+)", re.IGNORECASE)  # how articles.py names a line
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)


def add_article(seeds_dir: Path, draft: Draft, added_by: str, extra: dict[str, str] | None = None) -> Article:
    """Write `draft` as a new seed file and return the article as the index will read it.

    Raises DuplicateError when an article with the same URL or the same text is already there.
    `extra` front matter keys (e.g. `feed`) are recorded for people; the reader ignores them.
    """
    text = clean_text(draft.text)
    if not text:
        raise ExtractionError("the article has no text")
    draft = replace(draft, text=text, title=" ".join(draft.title.split()))
    with library_lock(seeds_dir):
        existing = _current_articles(seeds_dir)
        if found := find_duplicate(existing, draft):
            raise DuplicateError(f"already in the library as {found.id!r} ({found.title})", found.id, found.title)
        article_id = _new_id(draft, {a.id for a in existing})
        fields = {
            "title": draft.title,
            "url": draft.url,
            "published": draft.published,
            "lang": draft.lang,
            "added_by": added_by,
            **(extra or {}),
        }
        content = _front_matter(fields) + "\n" + draft.text + "\n"
        path = seeds_dir / ADDED_FOLDER / f"{article_id}.md"
        article = parse_document(content.encode("utf-8"), article_id, f"{ADDED_FOLDER}/{path.name}")
        write_atomically(path, content.encode("utf-8"))
    return article


def remove_article(seeds_dir: Path, key: str) -> Article:
    """Remove the article whose id, or else exact title (any case), is `key`; return it.

    A whole-file article loses its file; a line of a .jsonl file is cut from that file.
    """
    with library_lock(seeds_dir):
        articles = _current_articles(seeds_dir)
        article = _find(articles, key.strip())
        if len(articles) == 1:
            raise LastArticleError(f"{article.id!r} is the only article: add another before removing it")
        if line := _JSONL_SOURCE.fullmatch(article.source):
            _remove_line(seeds_dir / line[1], int(line[2]))
        else:
            (seeds_dir / article.source).unlink()
    return article


def find_duplicate(articles: list[Article], draft: Draft) -> Article | None:
    """The article with the same URL (normalised) or the same text (ignoring spacing and case)."""
    url = normalise_url(draft.url) if draft.url else None
    fingerprint = text_fingerprint(draft.text)
    for article in articles:
        if url and article.url and normalise_url(article.url) == url:
            return article
        if text_fingerprint(article.text) == fingerprint:
            return article
    return None


def find_by_url(seeds_dir: Path, url: str) -> Article | None:
    """The article already added from `url`, before fetching it again."""
    wanted = normalise_url(url)
    return next((a for a in _current_articles(seeds_dir) if a.url and normalise_url(a.url) == wanted), None)


def normalise_url(url: str) -> str:
    """`url` without fragment, tracking parameters, default port or trailing slash; host lowercased."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/") or "/", query, ""))


def text_fingerprint(text: str) -> str:
    """A hash of the words of `text`, so that re-spaced or re-cased copies match."""
    words = unicodedata.normalize("NFKC", text).casefold().split()
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


@contextmanager
def library_lock(seeds_dir: Path) -> Iterator[None]:
    """One change to the library at a time, across the bot, its feed poller and `kutip add`."""
    with file_lock(seeds_dir / ADDED_FOLDER / LOCK_NAME):
        yield


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` so that readers see the old file, or none, or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _current_articles(seeds_dir: Path) -> list[Article]:
    try:
        return list(read_articles(seeds_dir, max_file_bytes=None).articles)
    except SeedError:
        if seeds_dir.is_dir():
            return []  # an empty library: the first article is welcome
        raise


def _find(articles: list[Article], key: str) -> Article:
    if by_id := [a for a in articles if a.id == key]:
        return by_id[0]
    by_title = [a for a in articles if a.title.casefold() == key.casefold()]
    if len(by_title) == 1:
        return by_title[0]
    if by_title:
        ids = ", ".join(a.id for a in by_title)
        raise AmbiguousTitleError(f"{len(by_title)} articles are titled {key!r} ({ids}): remove one by its id")
    raise ArticleNotFoundError(f"no article has the id or title {key!r}: see /sources or `kutip info`")


def _new_id(draft: Draft, taken: set[str]) -> str:
    """`<slug of the title>-<8 hex of the text>`: readable, stable, unique in the library."""
    ascii_title = unicodedata.normalize("NFKD", draft.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:MAX_SLUG_CHARS].strip("-") or "article"
    digest = text_fingerprint(draft.text)
    candidate = f"{slug}-{digest[:8]}"
    suffix = 2
    while candidate in taken:
        candidate, suffix = f"{slug}-{digest[:8]}-{suffix}", suffix + 1
    return candidate


def _front_matter(fields: dict[str, str | None]) -> str:
    """`---` lines of `key: "value"`; quoted so a value may hold colons or quotes of its own."""
    lines = [f'{key}: "{" ".join(value.split())}"' for key, value in fields.items() if value]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _remove_line(path: Path, number: int) -> None:
    lines = path.read_bytes().split(b"\n")
    kept = lines[: number - 1] + lines[number:]
    write_atomically(path, b"\n".join(kept))


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable: a crash after the confirmation must not undo it."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def describe_files(seeds_dir: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime in ns) of every article file: a cheap fingerprint of the library."""
    described = []
    for path in seed_files(seeds_dir):
        try:
            status = path.stat()
        except OSError:
            continue
        described.append((path.relative_to(seeds_dir).as_posix(), status.st_size, status.st_mtime_ns))
    return described


def read_json(path: Path, default: object) -> object:
    """A small JSON state file (e.g. the feed items seen), or `default` when missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def add_from_url(
    seeds_dir: Path,
    fetcher: Fetcher,
    url: str,
    added_by: str,
    *,
    title: str | None = None,
    published: str | None = None,
    extra: dict[str, str] | None = None,
) -> Article:
    """Fetch `url`, extract its article and add it; a feed's `title` and `published` win over the page's."""
    check_url(url)
    if found := find_by_url(seeds_dir, url):
        raise DuplicateError(f"already in the library as {found.id!r} ({found.title})", found.id, found.title)
    page = fetcher.fetch(url)
    draft = draft_from_page(page.content, page.content_type, page.url)
    draft = replace(draft, url=page.url, title=title or draft.title, published=published or draft.published)
    return add_article(seeds_dir, draft, added_by, extra)
