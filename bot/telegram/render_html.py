"""Renders answers as Telegram HTML: every article and user string escaped, no part over the limit."""

from __future__ import annotations

import html
import re

from bot.answers import Answer, Citation, group_by_article
from bot.messages import message
from bot.render_text import continued_line, paragraph_list
from bot.service import Source

MAX_MESSAGE_CHARS = 4096  # Telegram's limit, counted on the text after entity parsing
_TAG = re.compile(r"<[^>]+>")


def escape(text: str) -> str:
    """Text safe inside Telegram HTML: only <, > and & are special outside attributes."""
    return html.escape(text, quote=False)


def render_answer_html(answer: Answer, language: str) -> list[str]:
    """The answer as message parts: the quotes, under a heading saying so when they are only
    the closest passages; a refusal is one plain sentence, never quotes. A follow-up opens
    with a line naming the question it continued."""
    continued = continued_line(answer)
    preface = [f"<i>{escape(continued)}</i>"] if continued else []
    if answer.status == "none":
        return pack([*preface, escape(message(language, "declined"))])
    heading = message(language, "closest") if answer.status == "closest" else None
    return pack([*preface, *_citation_blocks(answer.citations, language, heading)])


def render_citations_html(citations: tuple[Citation, ...], language: str, heading: str | None = None) -> list[str]:
    """Numbered quotes in blockquotes, under `heading` if given, then the sources they came from."""
    return pack(_citation_blocks(citations, language, heading))


def _citation_blocks(citations: tuple[Citation, ...], language: str, heading: str | None = None) -> list[str]:
    blocks = [f"<b>{escape(heading)}</b>"] if heading else []
    blocks += [block for citation in citations for block in _quote_blocks(citation)]
    sources = [f"<b>{escape(message(language, 'sources_heading'))}</b>"]
    sources += [source_html(first, cited, language) for first, cited in group_by_article(citations)]
    return [*blocks, "\n".join(sources)]


def source_html(first: Citation, cited: list[Citation], language: str) -> str:
    """`Title: [1] paragraph 8, [3] paragraph 2`, the title linked when its url is known."""
    return f"{linked_title(first.title, first.url)}: {escape(paragraph_list(cited, language))}"


def linked_title(title: str, url: str | None) -> str:
    """The escaped title, a link when the article's url is known."""
    if not url:
        return escape(title)
    return f'<a href="{html.escape(url, quote=True)}">{escape(title)}</a>'


def render_paragraph_html(title: str, paragraph: int, text: str, language: str) -> list[str]:
    """A cited paragraph in full, folded in an expandable blockquote."""
    heading = f"<b>{escape(message(language, 'full_paragraph', n=paragraph, title=title))}</b>"
    return pack([heading, *_wrapped("<blockquote expandable>", "</blockquote>", text)])


def render_sources_html(sources: list[Source], language: str) -> list[str]:
    lines = [f"<b>{escape(message(language, 'sources_title'))}</b>"]
    for source in sources:
        article = source.article
        title = linked_title(article.title, article.url)
        details = [escape(d) for d in (article.published, message(language, "passages", count=source.passages)) if d]
        lines.append(f"• {title} ({', '.join(details)})")
    return pack(lines, separator="\n")


def html_to_plain(text: str) -> str:
    """What the reader would see, for resending when Telegram rejects the formatting."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units of the text after entity parsing."""
    return len(html_to_plain(text).encode("utf-16-le")) // 2


def pack(blocks: list[str], limit: int = MAX_MESSAGE_CHARS, separator: str = "\n\n") -> list[str]:
    """Join balanced blocks into as few parts as fit in `limit` each."""
    parts: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{separator}{block}" if current else block
        if current and visible_length(candidate) > limit:
            parts.append(current)
            candidate = block
        current = candidate
    return [*parts, current] if current else parts


def _quote_blocks(citation: Citation) -> list[str]:
    bold = (citation.answer.start, citation.answer.start + len(citation.answer.text)) if citation.answer else None
    return _wrapped(f"<b>[{citation.n}]</b>\n<blockquote>", "</blockquote>", citation.quote, bold)


def _wrapped(
    opening: str, closing: str, text: str, bold: tuple[int, int] | None = None, limit: int = MAX_MESSAGE_CHARS - 100
) -> list[str]:
    """`text` escaped inside the tags, its `bold` range in <b>, cut at word boundaries into
    blocks that each fit a message (a bold range cut in two is closed and reopened)."""
    blocks = []
    for start, end in _pieces(text, limit):
        inner = escape(text[start:end])
        if bold is not None and bold[0] < end and start < bold[1]:
            low, high = max(bold[0], start), min(bold[1], end)
            inner = f"{escape(text[start:low])}<b>{escape(text[low:high])}</b>{escape(text[high:end])}"
        blocks.append(f"{opening}{inner}{closing}")
    return blocks


def _pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """Offsets of the pieces of `text` cut at spaces, each at most `limit` UTF-16 units."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text[start:].encode("utf-16-le")) // 2 > limit:
        # Half the limit in characters is safe even if every character takes two UTF-16 units.
        cut = text.rfind(" ", start, start + limit // 2)
        cut = cut if cut > start else start + limit // 2
        pieces.append((start, cut))
        start = cut
        while start < len(text) and text[start] == " ":
            start += 1
    return [*pieces, (start, len(text))]
