"""Renders answers and source lists as plain text for a terminal or the JSON `answer` field."""

from __future__ import annotations

import textwrap

from bot.answers import Answer, Citation, group_by_article
from bot.messages import message
from bot.service import Source

WIDTH = 88
CONTINUED_WIDTH = 80  # the line naming the question a follow-up continued stays one short line
ANSI_BOLD = "\x1b[1m"
ANSI_RESET = "\x1b[0m"
_BOLD_MARK = "\ue000"  # private-use characters: never in article text
_PLAIN_MARK = "\ue001"


def render_answer_text(answer: Answer, language: str, width: int = WIDTH, emphasis: bool = False) -> str:
    """Numbered quotes (under a heading saying so when they are only the closest passages),
    then the sources; or the plain refusal. With `emphasis` (a terminal), the answer inside
    each quote is bold. A follow-up's first line names the question it continued."""
    continued = continued_line(answer)
    preface = f"{continued}\n\n" if continued else ""
    if answer.status == "none":
        return preface + message(language, "declined")
    heading = [message(language, "closest")] if answer.status == "closest" else []
    quotes = heading + [_quote_block(c, width, emphasis) for c in answer.citations]
    sources = [message(language, "sources_heading") + ":"]
    for first, cited in group_by_article(answer.citations):
        sources.append(f"{first.title}: {paragraph_list(cited, language)}")
        if first.url:
            sources.append(f"  {first.url}")
    return preface + "\n\n".join(quotes) + "\n\n" + "\n".join(sources)


def continued_line(answer: Answer) -> str | None:
    """`↪ Siapa CEO Kantor Berita Yonhap?` for a follow-up: the question it continued, shortened
    to one line; None for a question asked on its own."""
    if answer.follow_up_of is None:
        return None
    return "↪ " + textwrap.shorten(answer.follow_up_of, width=CONTINUED_WIDTH, placeholder=" …")


def paragraph_list(cited: list[Citation], language: str) -> str:
    """`[1] paragraph 8, [3] paragraph 2`: which quote comes from where in one article."""
    return ", ".join(f"[{c.n}] {message(language, 'paragraph', n=c.paragraph)}" for c in cited)


def render_sources_text(sources: list[Source], language: str) -> str:
    lines = [message(language, "sources_title")]
    for source in sources:
        details = [d for d in (source.article.published, message(language, "passages", count=source.passages)) if d]
        lines.append(f"- {source.article.title} ({', '.join(details)})")
        if source.article.url:
            lines.append(f"  {source.article.url}")
    return "\n".join(lines)


def _quote_block(citation: Citation, width: int, emphasis: bool) -> str:
    quote = citation.quote
    if emphasis and citation.answer is not None:
        # Markers that wrapping treats as letters, turned into ANSI codes once the lines are cut.
        start, end = citation.answer.start, citation.answer.start + len(citation.answer.text)
        quote = f"{quote[:start]}{_BOLD_MARK}{quote[start:end]}{_PLAIN_MARK}{quote[end:]}"
    wrapped = textwrap.wrap(f"“{quote}”", width=width - 6) or [""]
    block = "\n".join((f"[{citation.n}] " if i == 0 else "    ") + line for i, line in enumerate(wrapped))
    return block.replace(_BOLD_MARK, ANSI_BOLD).replace(_PLAIN_MARK, ANSI_RESET)
