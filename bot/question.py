"""What Kutip will search: a question stripped of spaces, not empty, not over MAX_QUESTION_CHARS."""

from __future__ import annotations

# Every surface (Telegram, the terminal chat, `kutip ask`) shares it. The reader reads only the
# first 48 tokens anyway; the limit keeps a pasted article from being embedded as a question.
MAX_QUESTION_CHARS = 1000


class QuestionError(ValueError):
    """Raised by check_question for text Kutip will not search."""


class EmptyQuestionError(QuestionError):
    """Raised when the question is empty or only spaces."""

    def __init__(self) -> None:
        super().__init__("the question is empty")


class LongQuestionError(QuestionError):
    """Raised when the question is over MAX_QUESTION_CHARS characters."""

    def __init__(self, length: int) -> None:
        super().__init__(f"the question has {length} characters; the limit is {MAX_QUESTION_CHARS}")
        self.length = length


def check_question(text: str) -> str:
    """The stripped question; raises EmptyQuestionError or LongQuestionError."""
    question = text.strip()
    if not question:
        raise EmptyQuestionError
    if len(question) > MAX_QUESTION_CHARS:
        raise LongQuestionError(len(question))
    return question
