"""Cut an article into overlapping windows of whole sentences, the units the embedder sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.text.articles import Article
from index.text.sentences import split_paragraphs, split_sentences

DEFAULT_MAX_TOKENS = 96
# Bump when sentence or passage rules change: indexes record it and re-split when it differs.
SPLITTER_VERSION = 2
DEFAULT_OVERLAP = 1


@dataclass(frozen=True)
class Sentence:
    """One sentence as article offsets, with its 1-based paragraph number."""

    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class Passage:
    """A window of consecutive sentences; `text == article.text[start:end]`."""

    id: str
    article_id: str
    paragraph: int
    paragraph_end: int
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]


def locate_sentences(text: str) -> list[Sentence]:
    """Return every sentence of `text` in order, numbered by paragraph."""
    return [
        Sentence(span.start, span.end, number)
        for number, paragraph in enumerate(split_paragraphs(text), start=1)
        for span in split_sentences(text, paragraph.start, paragraph.end)
    ]


def split_passages(
    article: Article,
    count_tokens: Callable[[str], int],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap: int = DEFAULT_OVERLAP,
) -> list[Passage]:
    """Cover every sentence of `article` with windows of at most `max_tokens` tokens.

    Consecutive windows share up to `overlap` sentences; a sentence longer than `max_tokens`
    becomes a window on its own and is left to the embedder to truncate.
    """
    if max_tokens < 1 or overlap < 0:
        raise ValueError(f"need max_tokens >= 1 and overlap >= 0, got {max_tokens}, {overlap}")
    sentences = locate_sentences(article.text)
    windows = _Windows(article.text, sentences, count_tokens, max_tokens)
    return [
        _passage(article, n, tuple(sentences[first : last + 1]))
        for n, (first, last) in enumerate(windows.plan(overlap))
    ]


@dataclass(frozen=True)
class _Windows:
    """Greedy planning of sentence windows under a token budget."""

    text: str
    sentences: list[Sentence]
    count_tokens: Callable[[str], int]
    max_tokens: int

    def plan(self, overlap: int) -> list[tuple[int, int]]:
        """Return (first, last) sentence indexes of each window, in order."""
        windows: list[tuple[int, int]] = []
        first = 0
        while first < len(self.sentences):
            last = first
            while last + 1 < len(self.sentences) and self.fits(first, last + 1):
                last += 1
            windows.append((first, last))
            if last == len(self.sentences) - 1:
                break
            first = self.next_first(first, last, overlap)
        return windows

    def next_first(self, first: int, last: int, overlap: int) -> int:
        """Pick where the window after (first, last) starts."""
        # Reach back `overlap` sentences, but not so far that sentence last + 1 no longer
        # fits: that window could not advance past this one and would repeat a subset of it.
        start = max(last + 1 - overlap, first + 1)
        while start <= last and not self.fits(start, last + 1):
            start += 1
        return start

    def fits(self, first: int, last: int) -> bool:
        """Tell whether sentences first..last together stay within the token budget."""
        chunk = self.text[self.sentences[first].start : self.sentences[last].end]
        return self.count_tokens(chunk) <= self.max_tokens


def _passage(article: Article, number: int, sentences: tuple[Sentence, ...]) -> Passage:
    """Build passage `number` of `article` from its sentences."""
    start, end = sentences[0].start, sentences[-1].end
    return Passage(
        id=f"{article.id}#{number}",
        article_id=article.id,
        paragraph=sentences[0].paragraph,
        paragraph_end=sentences[-1].paragraph,
        start=start,
        end=end,
        text=article.text[start:end],
        sentences=sentences,
    )
