"""The terminal chat: the same answers as the bot, rendered for a terminal."""

from __future__ import annotations

from typing import TextIO

from bot.errors import EmptyQuestionError, LongQuestionError
from bot.messages import message
from bot.progress import progress_bar
from bot.question import MAX_QUESTION_CHARS, check_question
from bot.render_text import render_answer_text, render_sources_text
from bot.reply_language import reply_language
from bot.service import QuoteService, open_service
from bot.settings import Settings

PROMPT = "kutip> "


def run_chat(settings: Settings, stdin: TextIO, stdout: TextIO, service: QuoteService | None = None) -> int:
    """Read questions until /quit or end of input; answer each one."""
    service = service or open_service(settings, progress=progress_bar)
    language = "en"
    stdout.write(message(language, "chat_help") + "\n")
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        reply = chat_reply(service, line.strip(), language, emphasis=stdout.isatty())
        if reply is None:
            return 0
        stdout.write(reply + "\n\n")


def chat_reply(service: QuoteService, text: str, language: str, emphasis: bool = False) -> str | None:
    """The reply to one line of input; None when the user wants to leave."""
    command = text.split(maxsplit=1)[0].lower() if text else ""
    if command in {"/quit", "/exit", "/q"}:
        return None
    if command in {"/help", "/start"}:
        return message(language, "chat_help")
    if command == "/sources":
        return render_sources_text(service.sources(), language)
    if command == "/ask":
        text = text[len(command) :].strip()
    try:
        question = check_question(text)
    except EmptyQuestionError:
        return message(language, "empty_question", example=service.example_questions(language)[0])
    except LongQuestionError as error:
        return message(language, "long_question", length=error.length, limit=MAX_QUESTION_CHARS)
    answer = service.ask(question)
    return render_answer_text(answer, reply_language(question), emphasis=emphasis)
