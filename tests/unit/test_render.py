"""Rendering for Telegram and the terminal: escaping, numbering, sources, splitting under the limit."""

from __future__ import annotations

import re

from bot.answers import Answer, AnswerSpan, Citation
from bot.render_text import render_answer_text
from bot.telegram.render_html import (
    MAX_MESSAGE_CHARS,
    html_to_plain,
    render_answer_html,
    render_paragraph_html,
    visible_length,
)


def citation(
    n: int,
    quote: str,
    title: str = "Judul <b>tebal</b> & co",
    url: str | None = "https://x.id/a?b=1&c=2",
    span: str | None = None,
) -> Citation:
    answer = AnswerSpan(span, quote.index(span)) if span else None
    return Citation(n, "a", title, url, n + 2, f"a#{n}", quote, 0, len(quote), 0.9, answer)


def answer(*citations: Citation, status: str = "answered") -> Answer:
    return Answer("q", status, citations, (), ())


def balanced(html: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z-]+)[^>]*>", html):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_article_and_user_text_is_escaped() -> None:
    [part] = render_answer_html(answer(citation(1, 'Dia berkata "<script>" & pergi')), "en")
    assert 'berkata "&lt;script&gt;" &amp; pergi' in part
    assert "Judul &lt;b&gt;tebal&lt;/b&gt; &amp; co" in part
    assert 'href="https://x.id/a?b=1&amp;c=2"' in part
    assert html_to_plain(part).count('"<script>"') == 1


def test_quotes_are_numbered_blockquotes_followed_by_cited_sources() -> None:
    [part] = render_answer_html(answer(citation(1, "Satu."), citation(2, "Dua.", url=None)), "id")
    assert part.index("<b>[1]</b>\n<blockquote>Satu.</blockquote>") < part.index("<b>[2]</b>")
    assert "<b>Sumber</b>\n<a href=" in part
    # Both quotes come from one article: one line, its title linked, each quote's paragraph.
    assert part.endswith(
        '<a href="https://x.id/a?b=1&amp;c=2">Judul &lt;b&gt;tebal&lt;/b&gt; &amp; co</a>: '
        "[1] paragraf 3, [2] paragraf 4"
    )


def test_long_answers_are_split_into_balanced_parts_under_the_limit() -> None:
    long_quote = "Kalimat panjang sekali dengan banyak kata. " * 60  # ~2,600 characters each
    parts = render_answer_html(answer(*(citation(n, long_quote) for n in range(1, 5))), "en")
    assert len(parts) > 1
    assert all(visible_length(p) <= MAX_MESSAGE_CHARS and balanced(p) for p in parts)
    assert "".join(html_to_plain(p) for p in parts).count(long_quote.strip()) == 4


def test_a_quote_longer_than_a_message_is_cut_at_words_in_separate_blockquotes() -> None:
    huge = "kata " * 3000
    parts = render_paragraph_html("T", 3, huge, "en")
    assert len(parts) >= 2
    assert all(visible_length(p) <= MAX_MESSAGE_CHARS and balanced(p) for p in parts)
    assert all("<blockquote expandable>" in p for p in parts)


def test_visible_length_counts_utf16_units_after_entities() -> None:
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("😀") == 2


def test_declining_shows_no_quotes() -> None:
    declined = Answer("q", "none", (), (), ())
    assert render_answer_html(declined, "en") == [render_answer_text(declined, "en")]
    assert "/sources" in render_answer_text(declined, "id")


def test_the_closest_passages_are_said_to_be_only_that_and_mark_nothing() -> None:
    closest = answer(citation(1, "Satu dua tiga."), citation(2, "Empat lima."), status="closest")
    html = render_answer_html(closest, "en")[0]
    assert html.startswith("<b>No sentence answers this directly; the closest passages:</b>")
    assert "<blockquote>Satu dua tiga.</blockquote>" in html and "<blockquote>Empat lima.</blockquote>" in html
    text = render_answer_text(closest, "id")
    assert text.startswith("Tidak ada kalimat yang menjawabnya secara langsung") and "[2] “Empat lima.”" in text


def test_terminal_answer_lists_quotes_then_sources() -> None:
    text = render_answer_text(answer(citation(1, "Satu dua tiga.")), "en")
    assert text.startswith("[1] “Satu dua tiga.”")
    assert text.endswith("Sources:\nJudul <b>tebal</b> & co: [1] paragraph 3\n  https://x.id/a?b=1&c=2")


def test_the_answer_is_bold_and_escaped_inside_its_quote() -> None:
    quote = "kata Putin ketika diminta oleh Cho <Sung> & boo, CEO Yonhap"
    [part] = render_answer_html(answer(citation(1, quote, span="Cho <Sung> & boo")), "en")
    assert (
        "<blockquote>kata Putin ketika diminta oleh <b>Cho &lt;Sung&gt; &amp; boo</b>, CEO Yonhap</blockquote>" in part
    )
    assert balanced(part)


def test_a_bold_answer_cut_between_two_messages_stays_balanced() -> None:
    quote = "awal " * 700 + "JAWABAN PANJANG " * 10 + "akhir " * 700
    span = ("JAWABAN PANJANG " * 10).strip()
    parts = render_answer_html(answer(citation(1, quote, span=span)), "en")
    assert len(parts) >= 2
    assert all(visible_length(p) <= MAX_MESSAGE_CHARS and balanced(p) for p in parts)
    quoted = "".join(re.findall(r"<blockquote>(.*?)</blockquote>", "".join(parts), re.S))
    bold = " ".join(re.findall(r"<b>([^<]*)</b>", quoted))
    assert bold.split() == span.split()


def test_the_terminal_marks_the_answer_only_when_asked() -> None:
    quoted = answer(citation(1, "Ditanya oleh Cho Sung-boo, CEO Yonhap.", span="Cho Sung-boo"))
    assert "\x1b[1mCho Sung-boo\x1b[0m, CEO" in render_answer_text(quoted, "en", emphasis=True)
    assert "\x1b" not in render_answer_text(quoted, "en")
