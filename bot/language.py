"""Guesses whether a user writes Indonesian or English, to answer in the same language."""

from __future__ import annotations

import re

from index.lexical import WORD_PATTERN

INDONESIAN = "id"
ENGLISH = "en"
# Frequent function and question words that are unambiguous between the two languages.
_INDONESIAN_WORDS = frozenset(
    "apa apakah siapa siapakah kapan kapankah dimana di mana bagaimana mengapa kenapa berapa "
    "yang dan dengan untuk dari ke pada dalam tidak bukan ini itu adalah akan sudah telah "
    "oleh atas tentang saja juga karena menurut kata bisa ada".split()
)
_ENGLISH_WORDS = frozenset(
    "what who whom when where why how which is are was were the a an and of to in on for with "
    "did does do about say said says from by not this that will has have".split()
)
_LANGUAGE_CODE = re.compile(r"^(?P<base>[a-z]{2,3})")


def reply_language(text: str, language_code: str | None = None) -> str:
    """Indonesian when the user's Telegram language is Indonesian or the text clearly is."""
    if language_from_code(language_code) == INDONESIAN:
        return INDONESIAN
    words = WORD_PATTERN.findall(text.lower())
    indonesian = sum(word in _INDONESIAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    return INDONESIAN if indonesian > english else ENGLISH


def language_from_code(language_code: str | None) -> str:
    """Telegram's IETF language tag reduced to the two languages Kutip speaks."""
    match = _LANGUAGE_CODE.match((language_code or "").lower())
    return INDONESIAN if match and match["base"] in {"id", "in"} else ENGLISH
