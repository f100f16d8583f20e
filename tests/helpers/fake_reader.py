"""A deterministic reader for unit tests: it "finds" the answers it was told about."""

from __future__ import annotations

from collections.abc import Sequence

from index.models.reader import Reading

UNANSWERED = 0.02


class FakeReader:
    """A passage answers when it contains one of `answers` (answer text -> (answerable,
    span probability)); the span is that text, and the reader looks there. Records what it was
    asked to read."""

    def __init__(self, answers: dict[str, tuple[float, float]]) -> None:
        self.answers = answers
        self.read_calls: list[tuple[str, list[str]]] = []

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        self.read_calls.append((question, list(passages)))
        return [self._reading(text) for text in passages]

    def _reading(self, text: str) -> Reading:
        for answer, (answerable, span_probability) in self.answers.items():
            start = text.find(answer)
            if start >= 0:
                end = start + len(answer)
                return Reading(answerable, start, end, span_probability, ((start, end, 1.0),))
        return Reading(UNANSWERED, 0, min(len(text), 5), 0.01)
