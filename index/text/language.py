"""Guesses whether a text is Indonesian or English, from function words unambiguous between them."""

from __future__ import annotations

import re

from index.text.sentences import WORD_PATTERN

INDONESIAN = "id"
ENGLISH = "en"
_INDONESIAN_WORDS = frozenset(
    [
        "apa",
        "apakah",
        "siapa",
        "siapakah",
        "kapan",
        "kapankah",
        "dimana",
        "di",
        "mana",
        "bagaimana",
        "mengapa",
        "kenapa",
        "berapa",
        "yang",
        "dan",
        "dengan",
        "untuk",
        "dari",
        "ke",
        "pada",
        "dalam",
        "tidak",
        "bukan",
        "ini",
        "itu",
        "adalah",
        "akan",
        "sudah",
        "telah",
        "oleh",
        "atas",
        "tentang",
        "saja",
        "juga",
        "karena",
        "menurut",
        "kata",
        "bisa",
        "ada",
    ]
)
_ENGLISH_WORDS = frozenset(
    [
        "what",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "which",
        "is",
        "are",
        "was",
        "were",
        "the",
        "a",
        "an",
        "and",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "did",
        "does",
        "do",
        "about",
        "say",
        "said",
        "says",
        "from",
        "by",
        "not",
        "this",
        "that",
        "will",
        "has",
        "have",
    ]
)


def guess_language(text: str, default: str = INDONESIAN) -> str:
    """English when more of the text's words are English function words, Indonesian when
    more are Indonesian ones, `default` on a tie (e.g. a bare keyword)."""
    words = WORD_PATTERN.findall(text.lower())
    indonesian = sum(word in _INDONESIAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    if indonesian == english:
        return default
    return INDONESIAN if indonesian > english else ENGLISH


# Questions that ask for an explanation or a statement rather than a fact (a name, a place, a
# date, a number): the reader learnt from FacQA and IDK-MRC, which are almost all factoid.
_OPEN_QUESTION = re.compile(
    r"\b(mengapa|kenapa|bagaimana|apa\s+kata|apa\s+yang\s+(dikatakan|disampaikan|diserukan|diusulkan)"
    r"|apa\s+(pendapat|tanggapan|komentar|sikap)|jelaskan|ceritakan|why|explain|describe"
    r"|how(?!\s+(many|much|old|long|tall|far|big|large|often))"
    r"|what\s+(did|does|do|has|have)\s+.+\s+(say|said|think|call\s+for|propose|want))\b",
    re.IGNORECASE,
)


_QUESTION_WORD = re.compile(
    r"\b(apa\w*|siapa\w*|kapan\w*|dimana\w*|mana\w*|berapa\w*|who|whom|whose|what|when|where|which|how)\b",
    re.IGNORECASE,
)


def asks_for_a_fact(question: str) -> bool:
    """Whether `question` asks for a fact: it has a question word, and asks for neither an
    explanation nor what someone said (a bare keyword search asks for no fact either)."""
    return _QUESTION_WORD.search(question) is not None and _OPEN_QUESTION.search(question) is None
