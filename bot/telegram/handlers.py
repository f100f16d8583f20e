"""Telegram handlers: each turns one kind of update into a reply, using the quote service."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, ExtBot

from bot.answers import Answer
from bot.conversations import Conversations, Place
from bot.errors import EmptyQuestionError, LongQuestionError
from bot.messages import message
from bot.question import MAX_QUESTION_CHARS, check_question
from bot.reply_language import reply_language
from bot.service import QuoteService, article_key, paragraph_text
from bot.settings import Settings
from bot.telegram.buttons import MoreButton, ParagraphButton, parse_button
from bot.telegram.delivery import NO_RETRY, may_have_arrived
from bot.telegram.render_html import (
    escape,
    html_to_plain,
    pack,
    render_answer_html,
    render_citations_html,
    render_paragraph_html,
    render_sources_html,
)
from index import Context

log = logging.getLogger(__name__)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ASK_COMMAND = re.compile(r"^/ask(@\w+)?\s*", re.IGNORECASE)


class KutipHandlers:
    """The bot's handlers, sharing one service, one set of settings and the chats' conversations."""

    def __init__(self, service: QuoteService, settings: Settings, conversations: Conversations) -> None:
        self.service = service
        self.settings = settings
        self.conversations = conversations

    async def check_access(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Refuse chats outside ALLOWED_CHAT_IDS (admins pass everywhere); nothing is searched."""
        chat, user = update.effective_chat, update.effective_user
        allowed = self.settings.allowed_chat_ids
        if not allowed or (chat and chat.id in allowed) or (user and user.id in self.settings.admin_user_ids):
            return
        language = reply_language("", user.language_code if user else None)
        msg = update.effective_message
        sent = update.message or update.edited_message
        if sent and _is_command_for_another_bot(sent, context.bot.username):
            raise ApplicationHandlerStop  # not meant for Kutip: no refusal either
        if update.callback_query:
            await update.callback_query.answer(message(language, "refused"), show_alert=True)
        elif msg and chat and (chat.type == ChatType.PRIVATE or _is_addressed(msg, context)):
            # In groups only a message meant for the bot is refused; the rest stays silent.
            await msg.reply_text(message(language, "refused"))
        log.info("refused an update from chat %s", chat.id if chat else "?")
        raise ApplicationHandlerStop

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greet, list the articles and suggest two questions."""
        language = _language(update)
        titles = [f"• {escape(s.article.title)}" for s in self.service.sources()]
        # The first call per language checks candidates with the model: off the event loop.
        suggestions = await asyncio.to_thread(self.service.example_questions, language)
        examples = [f"• <code>{escape(q)}</code>" for q in suggestions]
        lines = [
            escape(message(language, "greeting")),
            "",
            f"<b>{escape(message(language, 'knows'))}</b>",
            *titles,
            "",
            f"<b>{escape(message(language, 'examples'))}</b>",
            *examples,
        ]
        await send_html(_message_of(update), pack(lines, separator="\n"))  # many articles: several parts

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain how to ask."""
        await send_html(_message_of(update), [escape(message(_language(update), "help"))])

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the indexed articles."""
        await send_html(_message_of(update), render_sources_html(self.service.sources(), _language(update)))

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Forget the chat's earlier questions: what follows is asked on its own."""
        msg = _message_of(update)
        await asyncio.to_thread(self.conversations.forget, msg.chat_id)
        await msg.reply_text(message(_language(update), "forgotten"))

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer `/ask <question>`, in any chat."""
        await self._answer(update, context, _ASK_COMMAND.sub("", _message_of(update).text or "", count=1))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a plain message: always in private chats, in groups only when addressed."""
        msg = _message_of(update)
        if msg.chat.type == ChatType.PRIVATE:
            await self._answer(update, context, msg.text or "")
        elif _addresses_bot(msg, context.bot.username, context.bot.id):
            await self._answer(update, context, _without_mention(msg.text or "", context.bot.username))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Hint that only text is read (stickers, photos...), in private chats only."""
        msg = _message_of(update)
        if msg.chat.type == ChatType.PRIVATE:
            await msg.reply_text(message(_language(update), "not_text"))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show a cited paragraph in full, or the further sources of an answer."""
        query = update.callback_query
        if query is None:
            raise ValueError("the button handler needs a callback query")
        pressed = parse_button(query.data)
        if pressed is None:
            log.info("ignored a button press with data Kutip never makes: %r", query.data)
            await _stop_spinner(query)
            return
        origin = query.message if isinstance(query.message, Message) else None
        question = _question_of(origin.reply_to_message) if origin and origin.reply_to_message else None
        # The button sits under quotes in the article's language: judge by the question instead.
        language = _language(update, question or " ")
        if isinstance(pressed, ParagraphButton):
            await self._show_paragraph(query, origin, pressed, language)
        else:
            await self._show_more(query, origin, question, language)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the traceback; tell the user something went wrong, without internals."""
        log.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update):
            return
        if context.error is not None and may_have_arrived(context.error):
            # The reply may have reached the user; an apology after it would say it did not.
            log.warning("no apology: Telegram may have delivered the reply that failed")
            return
        try:
            if update.callback_query:  # stop the button's spinner with the apology
                await update.callback_query.answer(message(_language(update), "error"), show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_text(message(_language(update), "error"))
        except Exception:  # the network may be what failed; the log already has it
            log.warning("could not tell the user about the error", exc_info=True)

    async def _show_paragraph(
        self, query: CallbackQuery, origin: Message | None, pressed: ParagraphButton, language: str
    ) -> None:
        article = self.service.article_by_key(pressed.article_key)
        text = paragraph_text(article, pressed.paragraph) if article else None
        if article is None or text is None or origin is None:
            await query.answer(message(language, "gone"))
            return
        await _stop_spinner(query)
        await send_html(origin, render_paragraph_html(article.title, pressed.paragraph, text, language))

    async def _show_more(
        self, query: CallbackQuery, origin: Message | None, question: str | None, language: str
    ) -> None:
        answer = await asyncio.to_thread(self._ask_again, origin, question)
        if answer is None or not answer.more or origin is None:
            await query.answer(message(language, "no_more"))
            return
        await _stop_spinner(query)
        await send_html(origin, render_citations_html(answer.more, language, message(language, "more_title")))

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        msg = _message_of(update)
        language = _language(update, question.strip())
        try:
            question = check_question(question)
        except EmptyQuestionError:
            example = (await asyncio.to_thread(self.service.example_questions, language))[0]
            await msg.reply_text(message(language, "empty_question", example=example))
            return
        except LongQuestionError as error:
            await msg.reply_text(message(language, "long_question", length=error.length, limit=MAX_QUESTION_CHARS))
            return
        await _show_typing(context.bot, msg.chat_id)
        place, replied = _place(msg), _replied_id(msg)
        quoted = msg.quote.text if msg.quote else None
        private = msg.chat.type == ChatType.PRIVATE
        # SQLite, encoding and searching: off the event loop, so other chats go on.
        earlier = await asyncio.to_thread(self._context, place, replied, quoted, private)
        answer = await asyncio.to_thread(self.service.ask_in_context, question, earlier)
        sent = await send_html(msg, render_answer_html(answer, language), _buttons(answer, language))
        message_ids = [msg.message_id, *(part.message_id for part in sent)]
        await asyncio.to_thread(self.conversations.remember, place, message_ids, answer)

    def _context(self, place: Place, replied: int | None, quoted: str | None, private: bool) -> Context | None:
        """The exchange a question may continue: the one it replies to; in a private chat,
        without a reply, the last answer if it came a moment ago. A reply to a message Kutip
        does not know (expired, forgotten, another bot's) continues nothing."""
        if replied is not None:
            remembered = self.conversations.recall(place, replied)
            return Context(remembered.exchange, replying=True, quoted=quoted) if remembered else None
        if not private or self.settings.follow_up_minutes <= 0:
            return None
        latest = self.conversations.latest(place, self.settings.follow_up_minutes * 60)
        return Context(latest.exchange, replying=False) if latest else None

    def _ask_again(self, origin: Message | None, question: str | None) -> Answer | None:
        """The answer `origin` holds asked again, in the context it was asked in when Kutip still
        remembers it; else the question it replied to, on its own."""
        remembered = self.conversations.recall(_place(origin), origin.message_id) if origin else None
        if remembered is not None:
            return self.service.ask_in_context(remembered.exchange.question, remembered.context)
        return self.service.ask(question) if question else None


def _buttons(answer: Answer, language: str) -> InlineKeyboardMarkup | None:
    if not answer.citations:
        return None
    rows = [
        [
            InlineKeyboardButton(
                message(language, "button_paragraph", n=c.n),
                callback_data=ParagraphButton(article_key(c.article_id), c.paragraph).data,
            )
        ]
        for c in answer.citations
    ]
    if answer.more:
        rows.append([InlineKeyboardButton(message(language, "button_more"), callback_data=MoreButton().data)])
    return InlineKeyboardMarkup(rows)


async def send_html(reply_to: Message, parts: list[str], markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Send each part as a reply; buttons go under the last. Rejected HTML is resent as plain text.
    Returns the messages sent, in order.

    The question may be deleted while it is answered: the answer is then sent without quoting it.
    """
    sent = []
    for index, part in enumerate(parts):
        buttons = markup if index == len(parts) - 1 else None
        try:
            sent.append(
                await _reply(
                    reply_to, part, parse_mode=ParseMode.HTML, reply_markup=buttons, link_preview_options=_NO_PREVIEW
                )
            )
        except BadRequest as error:
            if "can't parse entities" not in error.message.lower():
                raise
            log.warning("Telegram rejected the formatting (%s); sending plain text", error.message)
            sent.append(await _reply(reply_to, html_to_plain(part), reply_markup=buttons))
    return sent


async def _reply(reply_to: Message, text: str, **options: Any) -> Message:
    """Reply; the rate limiter retries what is safe to retry (see bot.telegram.delivery)."""
    return await reply_to.reply_text(text, do_quote=True, allow_sending_without_reply=True, **options)


async def _show_typing(bot: ExtBot[Any], chat_id: int) -> None:
    """Show "typing…" while the answer is searched: decoration, so its failure costs nothing.

    One attempt only: waiting out a flood limit or an outage for it would delay the answer.
    """
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING, rate_limit_args=NO_RETRY)
    except TelegramError as error:
        log.warning("could not show typing in chat %s (%s); answering anyway", chat_id, error)


async def _stop_spinner(query: CallbackQuery) -> None:
    """Answer a button press without text, to stop its spinner; what follows matters more.

    The press may be too old to answer (Telegram allows seconds), or the answer may fail
    after the retries: the paragraph or sources are still sent.
    """
    try:
        await query.answer()
    except TelegramError as error:
        log.warning("could not answer a button press (%s); going on", error)


def _message_of(update: Update) -> Message:
    """The update's message; every handler that calls this is registered for messages only."""
    if update.effective_message is None:
        raise ValueError("this handler needs an update with a message")
    return update.effective_message


def _language(update: Update, text: str = "") -> str:
    user = update.effective_user
    if not text and update.effective_message and update.effective_message.text:
        text = update.effective_message.text
    return reply_language(text, user.language_code if user else None)


def _is_addressed(msg: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A command, a mention of the bot, or a reply to it: what privacy mode lets through."""
    is_command = bool(msg.text and msg.text.startswith("/"))
    return is_command or _addresses_bot(msg, context.bot.username, context.bot.id)


def _is_command_for_another_bot(msg: Message, username: str) -> bool:
    """A command such as `/ask@otherbot`, which reaches Kutip too when privacy mode is off."""
    if not msg.entities or msg.entities[0].type != MessageEntityType.BOT_COMMAND or msg.entities[0].offset:
        return False
    target = msg.parse_entity(msg.entities[0]).partition("@")[2]
    return bool(target) and target.lower() != username.lower()


def _addresses_bot(msg: Message, username: str, bot_id: int) -> bool:
    replied = msg.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return True
    mentions = msg.parse_entities([MessageEntityType.MENTION]).values()
    return any(m.lower() == f"@{username}".lower() for m in mentions)


def _without_mention(text: str, username: str) -> str:
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def _place(msg: Message) -> Place:
    """The chat and forum topic of `msg`: conversations in different topics never mix."""
    topic = msg.message_thread_id if msg.is_topic_message else None
    return Place(msg.chat_id, topic or 0)


def _replied_id(msg: Message) -> int | None:
    """The message `msg` replies to. In a forum topic every message replies to the topic's
    first message unless it replies to another: that one is the topic, not a reply."""
    replied = msg.reply_to_message
    if replied is None or (msg.is_topic_message and replied.message_id == msg.message_thread_id):
        return None
    return replied.message_id


def _question_of(msg: Message) -> str | None:
    """The question an answer replied to, as the user asked it."""
    text = _ASK_COMMAND.sub("", msg.text or "", count=1)
    if msg.get_bot().username:
        text = _without_mention(text, msg.get_bot().username)
    return text.strip() or None
