"""Guesses whether a text is Indonesian or English, from function words unambiguous between them."""

from __future__ import annotations

from index.sentences import WORD_PATTERN

INDONESIAN = "id"
ENGLISH = "en"
_INDONESIAN_WORDS = frozenset(
    ["apa", "apakah", "siapa", "siapakah", "kapan", "kapankah", "dimana", "di", "mana", "bagaimana", "mengapa", "kenapa", "berapa", "yang", "dan", "dengan", "untuk", "dari", "ke", "pada", "dalam", "tidak", "bukan", "ini", "itu", "adalah", "akan", "sudah", "telah", "oleh", "atas", "tentang", "saja", "juga", "karena", "menurut", "kata", "bisa", "ada"]
)
_ENGLISH_WORDS = frozenset(
    ["what", "who", "whom", "when", "where", "why", "how", "which", "is", "are", "was", "were", "the", "a", "an", "and", "of", "to", "in", "on", "for", "with", "did", "does", "do", "about", "say", "said", "says", "from", "by", "not", "this", "that", "will", "has", "have"]
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
