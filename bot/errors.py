"""The application's exceptions, under one base; the library's own tree is index/errors.py.

AppError
├── SettingsError           raised when a variable holds a value Kutip cannot use
├── QuestionError           raised for text Kutip will not search
│   ├── EmptyQuestionError  raised when the question is empty or only spaces
│   └── LongQuestionError   raised when the question is over the length limit
└── UsageError              raised for command-line input the user can fix (exit code 2)

The edges turn them into the user's words: the CLI prints one line, the chat and the bot reply.
"""

from __future__ import annotations


class AppError(Exception):
    """Base class of every error the application raises on purpose."""


class SettingsError(AppError):
    """Raised when a variable holds a value Kutip cannot use."""


class QuestionError(AppError):
    """Raised by check_question for text Kutip will not search."""


class EmptyQuestionError(QuestionError):
    """Raised when the question is empty or only spaces."""

    def __init__(self) -> None:
        super().__init__("the question is empty")


class LongQuestionError(QuestionError):
    """Raised when the question is over the length limit."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the question has {length} characters; the limit is {limit}")
        self.length = length


class UsageError(AppError):
    """Raised for command-line input the user can fix: an empty or overlong question, a file too large."""
