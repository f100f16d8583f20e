"""Turns a fetched page, an uploaded file or pasted text into a draft article (trafilatura for HTML)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePath

import lxml.html

from index.errors import ExtractionError, UnsupportedTypeError
from index.text.articles import parse_document

MIN_ARTICLE_CHARS = 150  # less is a teaser, a login wall or a page of links, not an article
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
FILE_SUFFIXES = (".txt", ".md", ".html", ".htm")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Draft:
    """An article about to be added: what a seed file's front matter and body hold."""

    title: str
    text: str
    url: str | None = None
    published: str | None = None
    lang: str | None = None


def extract_html(html: bytes | str, url: str | None = None) -> Draft:
    """The article in a news page: title, paragraphs (one per line), date and language."""
    # Imported here: trafilatura and its date parsers take some 26 MiB that a bot which is
    # never sent a link would carry all its life.
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    text = getattr(document, "text", None) or ""
    title = (getattr(document, "title", None) or "").strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if lines and title and lines[0] == title:
        lines = lines[1:]  # the headline repeated as the first paragraph
    body = "\n\n".join(lines)
    if len(body) < MIN_ARTICLE_CHARS:
        raise ExtractionError(
            "no article text found on the page (it may need JavaScript, a login, or be a list of links)"
        )
    published = getattr(document, "date", None) or None
    return Draft(title=title or _first_line(body), text=body, url=url, published=published, lang=_html_language(html))


def draft_from_text(text: str) -> Draft:
    """Pasted text: the first line is the title, the rest the article."""
    title, _, body = _clean(text).strip().partition("\n")
    body = body.strip()
    if not title.strip() or len(body) < MIN_ARTICLE_CHARS:
        raise ExtractionError(
            f"paste the title on the first line and at least {MIN_ARTICLE_CHARS} characters of article text below it"
        )
    return Draft(title=title.strip(), text=body)


def draft_from_file(name: str, data: bytes) -> Draft:
    """An uploaded .txt, .md (read as a seed file is, front matter included) or .html file."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise UnsupportedTypeError(f"{name}: send a {', '.join(FILE_SUFFIXES[:-1])} file")
    if suffix in (".html", ".htm"):
        return extract_html(data)
    return draft_from_document(data, name)


def draft_from_page(content: bytes, content_type: str, url: str) -> Draft:
    """A fetched page: HTML through the extractor, plain text as a seed file; nothing else."""
    if content_type in HTML_TYPES or (not content_type and content.lstrip()[:1] == b"<"):
        return extract_html(content, url)
    if content_type in TEXT_TYPES:
        return replace(draft_from_document(content, url), url=url)
    raise UnsupportedTypeError(f"{url} is {content_type or 'of an unknown type'}, not a web page or text")


def draft_from_document(data: bytes, name: str) -> Draft:
    """The article in .txt or .md bytes, with its front matter."""
    try:
        article = parse_document(data, PurePath(name).stem or "upload", name)
    except ValueError as error:
        raise ExtractionError(f"{name}: {error}") from None
    if len(article.text) < MIN_ARTICLE_CHARS:
        raise ExtractionError(f"{name} holds less than {MIN_ARTICLE_CHARS} characters of text")
    return Draft(article.title, article.text, article.url, article.published, article.lang)


def _clean(text: str) -> str:
    """Text without control characters (which would make the seed file read as binary)."""
    return _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _first_line(body: str) -> str:
    return body.split("\n", 1)[0][:90]


def _html_language(html: bytes | str) -> str | None:
    """The page's declared language (`<html lang="id-ID">` gives "id"), if any."""
    try:
        declared = lxml.html.fromstring(html).get("lang") or ""
    except (ValueError, lxml.etree.ParserError):
        return None
    code = declared.strip().split("-")[0].split("_")[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
