"""The terminal chat: the same answers as the bot, rendered for a terminal."""

from __future__ import annotations

from typing import TextIO

from bot.conversations import exchange_of
from bot.errors import EmptyQuestionError, LongQuestionError
from bot.messages import message
from bot.progress import progress_bar
from bot.question import MAX_QUESTION_CHARS, check_question
from bot.render_text import render_answer_text, render_sources_text
from bot.reply_language import reply_language
from bot.service import QuoteService, open_service
from bot.settings import Settings
from index import Context, Exchange

PROMPT = "kutip> "


def run_chat(settings: Settings, stdin: TextIO, stdout: TextIO, service: QuoteService | None = None) -> int:
    """Read questions until /quit or end of input; answer each one."""
    session = ChatSession(service or open_service(settings, progress=progress_bar), emphasis=stdout.isatty())
    stdout.write(message(session.language, "chat_help") + "\n")
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        reply = session.reply(line.strip())
        if reply is None:
            return 0
        stdout.write(reply + "\n\n")


class ChatSession:
    """One terminal conversation: a question that reads as a follow-up continues the last answer,
    as in a private chat with the bot (there are no replies in a terminal)."""

    def __init__(self, service: QuoteService, language: str = "en", emphasis: bool = False) -> None:
        self.service = service
        self.language = language
        self.emphasis = emphasis
        self.last: Exchange | None = None

    def reply(self, text: str) -> str | None:
        """The reply to one line of input; None when the user wants to leave."""
        command = text.split(maxsplit=1)[0].lower() if text else ""
        if command in {"/quit", "/exit", "/q"}:
            return None
        if command in {"/help", "/start"}:
            return message(self.language, "chat_help")
        if command == "/sources":
            return render_sources_text(self.service.sources(), self.language)
        if command == "/forget":
            self.last = None
            return message(self.language, "chat_forgotten")
        if command == "/ask":
            text = text[len(command) :].strip()
        try:
            question = check_question(text)
        except EmptyQuestionError:
            return message(self.language, "empty_question", example=self.service.example_questions(self.language)[0])
        except LongQuestionError as error:
            return message(self.language, "long_question", length=error.length, limit=MAX_QUESTION_CHARS)
        context = Context(self.last, replying=False) if self.last else None
        answer = self.service.ask_in_context(question, context)
        self.last = exchange_of(answer)
        return render_answer_text(answer, reply_language(question), emphasis=self.emphasis)
