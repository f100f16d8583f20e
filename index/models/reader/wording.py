"""Writes the question's words the way the passage writes them, before the reader reads the pair.

The reader learnt from FacQA, whose questions copy their passage's wording, so it doubts a
question that asks in another inflection ("diuji coba" for the passage's "Uji coba",
"runtuh" for "runtuhnya"). Two changes keep the meaning, and only they are made: a clitic
added or dropped ("runtuh", "runtuhnya"; "persenkah", "persen"), and a verb's prefix dropped
("diuji", "uji"; "mengimpor", "impor"). Other derivations change it: a voice change
turns "siapa yang disalahkan Putin" (whom Putin blamed) into "siapa yang menyalahkan Putin"
(who blamed Putin), "menewaskan" (killed) is not "tewas" (died), "tinggi" (height) is not
"tertinggi" (highest), nor "pendiri" (founder) "diri" (self).
"""

from __future__ import annotations

import re

from index.text.lexical import STOPWORDS, stem
from index.text.sentences import WORD_PATTERN

_CLITIC = re.compile(r"(nya|lah|kah|pun)$")
_VERB = re.compile(r"^(di|me)")  # passive and active verbs; ber- and ter- make new words


def align_wording(question: str, passage: str) -> str:
    """`question` with each word the passage holds only in another plain form of its stem written in that form."""
    words = WORD_PATTERN.findall(passage)
    present = {word.lower() for word in words}
    forms: dict[str, list[str]] = {}
    for word in words:
        if word.lower() not in STOPWORDS:
            forms.setdefault(stem(word.lower()), []).append(word)

    def rewrite(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if lower in STOPWORDS or lower in present:
            return word
        root = stem(lower)
        return next((form for form in forms.get(root, ()) if _same_meaning(lower, form.lower(), root)), word)

    return WORD_PATTERN.sub(rewrite, question)


def _same_meaning(word: str, form: str, root: str) -> bool:
    """Whether the passage's `form` says what the question's `word` says (both share `root`)."""
    prefixed_only = form == root and word.endswith(root) and bool(_VERB.match(word))
    return prefixed_only or _without_clitic(word) == _without_clitic(form)


def _without_clitic(word: str) -> str:
    return _CLITIC.sub("", word) if len(word) > 5 else word
