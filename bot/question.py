"""What Kutip will search: a question stripped of spaces, not empty, not over MAX_QUESTION_CHARS."""

from __future__ import annotations

from bot.errors import EmptyQuestionError, LongQuestionError

# Every surface (Telegram, the terminal chat, `kutip ask`) shares it. The reader reads only the
# first 48 tokens anyway; the limit keeps a pasted article from being embedded as a question.
MAX_QUESTION_CHARS = 1000


def check_question(text: str) -> str:
    """The stripped question; raises EmptyQuestionError or LongQuestionError."""
    question = text.strip()
    if not question:
        raise EmptyQuestionError
    if len(question) > MAX_QUESTION_CHARS:
        raise LongQuestionError(len(question), MAX_QUESTION_CHARS)
    return question
