"""Split article text into paragraphs and sentences, as character spans into that text.

Paragraph rule: every non-blank line is a paragraph. News scrapes put one paragraph per line,
with or without blank lines between them, and JSONL datasets often join paragraphs with a
single newline; a photo caption block ("korea utara" over the caption line) is therefore two
paragraphs, the alt-text heading and the caption. The price is that hard-wrapped prose gets a
paragraph per line, so seeds should keep each paragraph on one line.

Sentence rules (pure regex, no NLP library): a sentence ends at `.`, `!`, `?` or `…` (runs
such as `?!` or `...` included), together with any closing quotes or brackets, when
whitespace follows and the next visible character is not lowercase. A single `.` after a
known abbreviation (`St.`, `Dr.`, `Jl.`), a capital initial (`J.`) or a dotted
abbreviation (`U.S.`, `a.n.`, `e.g.`) never ends one. A newline always ends a sentence. A
bracketed piece right after a sentence (a photo credit) stays with that sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD_PATTERN = re.compile(r"\w+", re.UNICODE)  # a word, for BM25 and for guessing the language

# Abbreviations normally followed by a name, number or more of the sentence; compared
# lowercased and without the dot. List closers such as `dll.`, `dsb.`, `tsb.` and `etc.` are
# deliberately absent: they often end a sentence, and the lowercase rule already keeps
# "dll. yang ..." together.
ABBREVIATIONS: tuple[str, ...] = (
    # English titles and places
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "mt",
    "sen",
    "rep",
    "gov",
    "gen",
    "lt",
    "col",
    "capt",
    "sgt",
    "jr",
    "sr",
    "vs",
    "no",
    # Indonesian titles, addresses and administrative units
    "jl",
    "kec",
    "kab",
    "kel",
    "prov",
    "rp",
    "drs",
    "dra",
    "ir",
    "hj",
    "kh",
    "sdr",
    "bpk",
    "tn",
    "ny",
    "kol",
)
_ABBREVIATIONS = frozenset(ABBREVIATIONS)

# Terminal punctuation plus closing quotes/brackets, only where whitespace or the end follows,
# so decimals (3.5), thousands (1.000.000) and domains (csis.org) never match.
_TERMINAL = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)")
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # U.S, a.n, e.g, S.H (final dot excluded)
_INITIAL = re.compile(r"[A-Z]")
_OPENERS = "\"'“‘«(["


@dataclass(frozen=True)
class Span:
    """A unit of text as `text[start:end]`, with no leading or trailing whitespace."""

    start: int
    end: int


def split_paragraphs(text: str) -> list[Span]:
    """Return one span per non-blank line of `text`."""
    spans = (_trim(text, start, end) for start, end in _lines(text, 0, len(text)))
    return [span for span in spans if span is not None]


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Return the sentences of `text[start:end]` as spans with offsets into `text`."""
    stop = len(text) if end is None else end
    spans: list[Span] = []
    for line_start, line_end in _lines(text, start, stop):
        spans.extend(_sentences_in_line(text, line_start, line_end))
    return spans


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the (start, end) of each line within `text[start:end]`, newlines excluded."""
    lines: list[tuple[int, int]] = []
    while start <= end:
        newline = text.find("\n", start, end)
        line_end = end if newline == -1 else newline
        lines.append((start, line_end))
        start = line_end + 1
    return lines


def _sentences_in_line(text: str, start: int, end: int) -> list[Span]:
    """Split one line into sentence spans."""
    pieces: list[Span | None] = []
    piece_start = start
    for match in _TERMINAL.finditer(text, start, end):
        if _ends_sentence(text, match, end):
            pieces.append(_trim(text, piece_start, match.end()))
            piece_start = match.end()
    pieces.append(_trim(text, piece_start, end))
    return _attach_credits(text, [piece for piece in pieces if piece is not None])


def _attach_credits(text: str, spans: list[Span]) -> list[Span]:
    """A bracketed piece after a sentence, "(Sumber: ...)" or "(AP Photo)", belongs to it."""
    merged: list[Span] = []
    for span in spans:
        piece = text[span.start : span.end]
        if merged and piece.startswith("(") and piece.endswith(")"):
            merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def _ends_sentence(text: str, match: re.Match[str], line_end: int) -> bool:
    """Decide whether the punctuation in `match` closes a sentence."""
    following = _next_visible(text, match.end(), line_end)
    if following is None:
        return True
    # A lowercase continuation means an attribution ("?" tanya dia) or a mid-sentence "...".
    if following.islower():
        return False
    return not (match.group() == "." and _is_abbreviation(_word_before(text, match.start())))


def _next_visible(text: str, position: int, end: int) -> str | None:
    """Return the first non-whitespace character in `text[position:end]`, if any."""
    for char in text[position:end]:
        if not char.isspace():
            return char
    return None


def _word_before(text: str, position: int) -> str:
    """Return the whitespace-delimited word ending at `position`, opening marks removed."""
    start = position
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:position].lstrip(_OPENERS)


def _is_abbreviation(word: str) -> bool:
    """Tell whether a word followed by a dot is an abbreviation rather than a sentence end."""
    return word.lower() in _ABBREVIATIONS or _INITIAL.fullmatch(word) is not None or _DOTTED.fullmatch(word) is not None


def _trim(text: str, start: int, end: int) -> Span | None:
    """Shrink `text[start:end]` past surrounding whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None
