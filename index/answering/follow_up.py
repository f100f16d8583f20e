"""Follow-up questions: when a question continues an earlier exchange, and how it is asked in that context.

A follow-up ("kantornya di mana?" after "Siapa CEO Kantor Berita Yonhap?") names nothing of
its own, so it is asked as the question in context: its own words, then the content words the
earlier exchange was understood by and the answer it marked (or the fragment of it the user
quoted). That one text is both searched and read; the passages the earlier answer cited
are preferred, or set aside when the question asks for something else ("who else?"). Whether
a question needs the context at all is `reads_as_follow_up`, a rule on its words alone: no
model can tell here, and a self-contained question must be answered as if asked alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.answering.search import Hit
from index.text.lexical import tokenize

# Content words of the earlier exchange carried into a follow-up: enough for a chain of
# follow-ups to keep its subject, few enough that the follow-up's own words still count.
MAX_CONTEXT_WORDS = 12
MAX_ANSWER_WORDS = 6
# A question with at most this many content words is short: "itu", "-nya" or "juga" there
# point back, while in a longer question they belong to a subject it names itself.
SHORT_WORDS = 3
# A reply without such a word is elliptic only when one content word is left of it ("tahun
# berapa?"): "Bagaimana cara membuat rendang yang empuk?" is short too, and a question of its own.
ELLIPTIC_WORDS = 1
# Fused scores are min-max normalised per question (search.py): these nudge the earlier
# answer's article and passages ahead of equally good hits without outranking a clearly better
# one. Set by that reasoning, not measured: the seed is one article, and no conversation over
# several articles was written to measure them.
ARTICLE_BOOST = 0.1
PASSAGE_BOOST = 0.05
# Hits searched for a follow-up before the boost, so a boosted passage just below the cut can rise.
WIDER = 2

# Words that point back to something said before, wherever they stand in a question.
_POINTING = frozenset([
    "dia", "ia", "beliau", "mereka", "tersebut", "sana", "situ",
    "he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "it", "its", "else",
])  # fmt: skip
# Words that point back only in a short question that names nothing ("Apa maksud pernyataan
# itu?"; not "Di mana forum ekonomi tahunan itu diadakan?", nor "Di mana kantornya Yonhap?").
_POINTING_WHEN_SHORT = frozenset([
    "itu", "ini", "lagi", "lain", "lainnya", "juga",
    "that", "this", "those", "these", "other", "others", "also", "too",
])  # fmt: skip
_ASKS_FOR_MORE = frozenset(["else", "lagi", "lain", "lainnya", "selain", "other", "others"])
# Words that end in "nya" without the pronoun suffix.
_NOT_NYA = frozenset(["hanya", "punya", "tanya", "bertanya", "ditanya", "menanya"])
_CONTINUATION = re.compile(
    r"^\W*(dan|lalu|terus|trus|kalau|kalo|tapi|tetapi|sedangkan|(bagaimana|gimana|gmn)\s+dengan"
    r"|and|but|so|what\s+about|how\s+about)\b",
    re.IGNORECASE,
)
# "there" closing a question ("who else was there?"); "is there a deal?" asks whether one exists.
_THERE_AT_END = re.compile(r"\bthere\W*$", re.IGNORECASE)
# "apa itu KTT?" asks what something is: its "itu" points at the word after it.
_WHAT_IS = re.compile(r"\bapa\s+(itu|ini)\s+\w", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:[-']\w+)*")


@dataclass(frozen=True)
class Exchange:
    """An earlier question and what its answer cited: what a follow-up leans on."""

    question: str  # as the user asked it
    understood: str  # as it was searched: with its own context when it was a follow-up too
    article_ids: tuple[str, ...] = ()  # the cited articles, best first (none when declined)
    passage_ids: tuple[str, ...] = ()  # the cited passages
    answer: str | None = None  # the answer marked in the first quote


@dataclass(frozen=True)
class Context:
    """The exchange a question may continue, and how the user pointed at it."""

    earlier: Exchange
    replying: bool = True  # a reply to that exchange; False: the chat's last answer, a moment ago
    quoted: str | None = None  # the part of Kutip's answer the reply quotes


@dataclass(frozen=True)
class FollowUp:
    """A question answered as the continuation of an earlier exchange."""

    question: str  # as the user asked it
    context: Context
    understood: str  # the question with its context, as searched and read

    @property
    def of(self) -> str:
        """The question it continued, as the user asked that one."""
        return self.context.earlier.question


def reads_as_follow_up(question: str, replying: bool = False) -> bool:
    """Whether `question` leans on an earlier exchange: it points back (a third-person pronoun,
    "tersebut", "there", "else"; "itu", "-nya" or "juga" in a short question naming nothing),
    starts as a continuation ("dan", "what about"), or is no more than question words
    ("kenapa?"). A reply may also be elliptic, one content word naming nothing (no capitalised
    word after the first, no number): "tahun berapa?". Indonesian and English cues are both
    looked for, since chats mix them ("what about China?" in an Indonesian chat)."""
    words = [w.lower() for w in _WORD.findall(question)]
    content = tokenize(question)
    if not content or _CONTINUATION.search(question) or _THERE_AT_END.search(question):
        return True
    if any(w in _POINTING for w in words):
        return True
    if _names_something(question):
        return False
    if len(content) <= SHORT_WORDS and _points_back_when_short(question, words):
        return True
    return replying and len(content) <= ELLIPTIC_WORDS


def _points_back_when_short(question: str, words: Sequence[str]) -> bool:
    if any(w in _POINTING_WHEN_SHORT for w in words) and not _WHAT_IS.search(question):
        return True
    return any(w.endswith("nya") and len(w) > 4 and w not in _NOT_NYA for w in words)


def _names_something(question: str) -> bool:
    """A capitalised word after the first, or a number: a name or a date of its own."""
    words = _WORD.findall(question)
    return any(w[0].isdigit() for w in words) or any(w[0].isupper() for w in words[1:])


def in_context(question: str, context: Context) -> str:
    """The question followed by the earlier exchange's content words it lacks and the answer
    the earlier answer marked (or the fragment the user quoted): what is searched and read.
    A question asking for something else ("who else?") leaves the earlier answer out."""
    earlier = context.earlier
    focus = context.quoted or ("" if _asks_for_more(question) else _named(earlier.answer or ""))
    present = {w.lower() for w in _WORD.findall(question)}
    carried = [w for w in _content_words(earlier.understood) if w.lower() not in present]
    return " ".join([question, *_unique(carried)[:MAX_CONTEXT_WORDS], focus]).strip()


def _named(answer: str) -> str:
    """The first words of a marked answer: what a pronoun stands for is a name, a place or a
    date, while a long span is a clause whose words would outweigh the follow-up's own."""
    return " ".join(answer.split()[:MAX_ANSWER_WORDS])


def favour(hits: Sequence[Hit], question: str, context: Context, k: int) -> tuple[Hit, ...]:
    """The best `k` hits once the earlier answer's article and passages are nudged ahead (their
    scores raised); when the question asks for something else, its passages are left out
    instead, unless nothing else was found. Ranks follow the new order."""
    articles, passages = set(context.earlier.article_ids), set(context.earlier.passage_ids)
    if _asks_for_more(question):
        hits = [hit for hit in hits if hit.passage.id not in passages] or list(hits)
        passages = set()

    def boosted(hit: Hit) -> float:
        article = ARTICLE_BOOST if hit.passage.article_id in articles else 0.0
        return hit.score + article + (PASSAGE_BOOST if hit.passage.id in passages else 0.0)

    ranked = sorted(hits, key=lambda hit: (-boosted(hit), hit.rank))[:k]
    return tuple(replace(hit, rank=rank, score=boosted(hit)) for rank, hit in enumerate(ranked, start=1))


def _asks_for_more(question: str) -> bool:
    return any(w.lower() in _ASKS_FOR_MORE for w in _WORD.findall(question))


def _content_words(text: str) -> list[str]:
    """The words of `text` that are not stopwords, as written (names keep their case and hyphens)."""
    return [w for w in _WORD.findall(text) if tokenize(w)]


def _unique(words: Sequence[str]) -> list[str]:
    """`words` without repeats (case aside), in order: the earlier question's own words first."""
    first: dict[str, str] = {}
    for word in words:
        first.setdefault(word.lower(), word)
    return list(first.values())
