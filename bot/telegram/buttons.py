"""Inline button data, built and parsed in one place: only data Kutip made is acted on.

``p|<article key>|<paragraph>`` shows a cited paragraph in full; ``m`` re-asks the question the
answer replied to. Both survive a restart and fit Telegram's 64 bytes of callback data. Anyone
can send any callback data, so whatever does not parse strictly is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MORE_DATA = "m"
# ASCII digits only: "²".isdigit() is true, but int("²") raises. No leading zero, so one
# paragraph has one spelling; keys are service.article_key's hex digits.
_PARAGRAPH_DATA = re.compile(r"p\|([0-9a-f]{1,40})\|([1-9][0-9]{0,5})")


@dataclass(frozen=True)
class ParagraphButton:
    """Show paragraph `paragraph` (1-based) of the article whose key is `article_key`."""

    article_key: str
    paragraph: int

    @property
    def data(self) -> str:
        return f"p|{self.article_key}|{self.paragraph}"


@dataclass(frozen=True)
class MoreButton:
    """Show the further sources of the question the answer replied to."""

    @property
    def data(self) -> str:
        return MORE_DATA


def parse_button(data: str | None) -> ParagraphButton | MoreButton | None:
    """The button that `data` describes, or None when Kutip never makes such data."""
    if data == MORE_DATA:
        return MoreButton()
    found = _PARAGRAPH_DATA.fullmatch(data or "")
    return ParagraphButton(found[1], int(found[2])) if found else None
