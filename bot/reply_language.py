"""Guesses whether a user writes Indonesian or English, to answer in the same language."""

from __future__ import annotations

import re

from index import ENGLISH as ENGLISH
from index import INDONESIAN as INDONESIAN
from index import guess_language

_LANGUAGE_CODE = re.compile(r"^(?P<base>[a-z]{2,3})")


def reply_language(text: str, language_code: str | None = None) -> str:
    """Indonesian when the user's Telegram language is Indonesian or the text clearly is."""
    if language_from_code(language_code) == INDONESIAN:
        return INDONESIAN
    return guess_language(text, default=ENGLISH)


def language_from_code(language_code: str | None) -> str:
    """Telegram's IETF language tag reduced to the two languages Kutip speaks."""
    match = _LANGUAGE_CODE.match((language_code or "").lower())
    return INDONESIAN if match and match["base"] in {"id", "in"} else ENGLISH
