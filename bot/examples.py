"""Suggests questions for /start from who is quoted and what the articles name most often."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from bot.reply_language import ENGLISH, INDONESIAN
from index import Article

_NAME = re.compile(r"(?=\b([A-Z][a-z]+ [A-Z][a-z]+)\b)")  # two-word names: "Korea Utara"
_SPEAKER = re.compile(r"\b(?:kata|ujar|tukas|ucap|ungkap|tegas|said|says)\s+((?:[A-Z][a-z]+ ?){1,2})")
_TEMPLATES = {
    INDONESIAN: ("Apa kata {speaker} tentang {topic}?", "Apa yang diberitakan tentang {topic}?"),
    ENGLISH: ("What did {speaker} say about {topic}?", "What does the article report about {topic}?"),
}


def candidate_questions(articles: Sequence[Article], language: str) -> list[str]:
    """Questions in `language`, best first: a speaker on a topic, then other topics."""
    text = "\n".join(article.text for article in articles)
    topics = [name for name, _ in Counter(_NAME.findall(text)).most_common(3)]
    topics = topics or [article.title for article in articles[:2]]
    speakers = [name.strip() for name, _ in Counter(_SPEAKER.findall(text)).most_common(2)]
    about_speaker, about_topic = _TEMPLATES.get(language, _TEMPLATES[ENGLISH])
    pairs = [about_speaker.format(speaker=s, topic=t) for s in speakers for t in topics if s not in t]
    # One question about a speaker, one about another topic, then the rest as fallbacks.
    generic = [about_topic.format(topic=t) for t in topics[1 if pairs else 0 :]]
    return pairs[:1] + generic + pairs[1:]
