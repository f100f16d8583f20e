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


# Questions whose answer is a statement rather than a fact (a name, a place, a date, a
# number): an explanation, what someone said, or a yes or a no that one sentence settles.
_OPEN_QUESTION = re.compile(
    r"\b(mengapa|kenapa|knp|bagaimana|gimana|apa\s+kata|apa\s+yang\s+(dikatakan|disampaikan|diserukan|diusulkan)"
    r"|apa\s+(pendapat|tanggapan|komentar|sikap|alasan|sebab|penyebab)|jelaskan|ceritakan|why|explain|describe"
    r"|how(?!\s+(many|much|old|long|tall|far|big|large|often))"
    r"|what\s+(did|does|do|has|have)\s+.+\s+(say|said|think|call\s+for|propose|want))\b",
    re.IGNORECASE,
)
# A yes/no question opens with its verb or with "apakah" and its kin.
_YES_NO_QUESTION = re.compile(
    r"^\W*(apakah|apa\s+benar|apa\s+iya|benarkah|betulkah|masa|emang|memang|is|isn't|are|aren't|was|wasn't|were|"
    r"did|didn't|does|doesn't|do|don't|has|hasn't|have|haven't|had|can|could|will|would|should)\b",
    re.IGNORECASE,
)


def asks_for_a_sentence(question: str) -> bool:
    """Whether a whole sentence answers `question`: a yes/no question, one asking why or how,
    or for what someone said (rather than for a name, a place, a date or a number)."""
    return _YES_NO_QUESTION.search(question) is not None or _OPEN_QUESTION.search(question) is not None
