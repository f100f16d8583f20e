"""Telegram handlers that change the library: /add (a link, pasted text, a file), /remove, /feeds.

Only users in ADMIN_USER_IDS, and only in a private chat; everyone else is told so politely and
nothing changes. Each change is written to seeds/ first, then confirmed once it answers.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, cast

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes, ExtBot

from bot.live.library import LiveLibrary
from bot.messages import message
from bot.reply_language import reply_language
from bot.service import QuoteService
from bot.settings import MEGABYTE, Settings
from bot.telegram.delivery import NO_RETRY
from index import (
    Article,
    ArticleNotFoundError,
    DuplicateError,
    ExtractionError,
    FetchError,
    LibraryError,
    PrivateAddressError,
    RemovalError,
    TooLargeError,
    UnsupportedTypeError,
)

log = logging.getLogger(__name__)
URL_ONLY = re.compile(r"^\s*(https?://\S+)\s*$", re.IGNORECASE)
_COMMAND = re.compile(r"^/\w+(@\w+)?[ \t]*", re.IGNORECASE)


class AdminHandlers:
    """The handlers that add and remove articles, sharing the running bot's live library."""

    def __init__(self, library: LiveLibrary, service: QuoteService, settings: Settings) -> None:
        self.library = library
        self.service = service
        self.settings = settings

    async def add_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/add <url>`, or `/add` with the title and text on the following lines."""
        msg, language = _message_and_language(update)
        if not await self._may_edit(msg, language):
            return
        rest = _COMMAND.sub("", msg.text or "", count=1).strip()
        if found := URL_ONLY.match(rest):
            await self._add(msg, language, self.library.add_url, found[1])
        elif rest:
            await self._add(msg, language, self.library.add_text, rest)
        else:
            await _reply(msg, message(language, "add_usage"))

    async def url_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A private message that is only a link: add the article it points to."""
        msg, language = _message_and_language(update)
        if await self._may_edit(msg, language):
            found = URL_ONLY.match(msg.text or "")
            await self._add(msg, language, self.library.add_url, found[1] if found else "")

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An uploaded .txt, .md or .html file, with or without the caption /add."""
        msg, language = _message_and_language(update)
        if msg.chat.type != ChatType.PRIVATE and not (msg.caption or "").startswith("/add"):
            return  # a file shared in a group is not meant for the library
        if not await self._may_edit(msg, language) or msg.document is None:
            return
        name = msg.document.file_name or "upload.txt"
        if (msg.document.file_size or 0) > self.settings.max_fetch_bytes:
            await _reply(msg, message(language, "too_large", limit=self._limit_mb()))
            return
        file = await msg.document.get_file()
        data = bytes(await file.download_as_bytearray())
        if len(data) > self.settings.max_fetch_bytes:  # file_size is the sender's claim
            await _reply(msg, message(language, "too_large", limit=self._limit_mb()))
            return
        await self._add(msg, language, lambda payload, who: self.library.add_file(name, payload, who), data)

    async def remove_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/remove <article id or exact title>`."""
        msg, language = _message_and_language(update)
        if not await self._may_edit(msg, language):
            return
        key = _COMMAND.sub("", msg.text or "", count=1).strip()
        if not key:
            await _reply(msg, message(language, "remove_usage"))
            return
        try:
            article = await asyncio.to_thread(self.library.remove, key)
        except ArticleNotFoundError:
            await _reply(msg, message(language, "not_found", wanted=key))
            return
        except RemovalError as error:  # several articles so titled, or the only one
            await _reply(msg, message(language, "cannot_remove", reason=error))
            return
        gone = await self.library.until_indexed(article.id, present=False)
        log.info("user %s removed %s", _user_id(msg), article.id)
        await _reply(msg, message(language, "removed" if gone else "removed_pending", title=article.title))

    async def feeds_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the feeds polled and what their last poll found."""
        msg, language = _message_and_language(update)
        if not await self._may_edit(msg, language):
            return
        statuses = list(self.library.feeds.status.values())
        if not statuses:
            await _reply(msg, message(language, "no_feeds"))
            return
        lines = [message(language, "feeds_title", minutes=f"{self.settings.feed_seconds / 60:g}")]
        for status in statuses:
            lines.append(
                "• "
                + (
                    message(language, "feed_error", url=status.url, error=status.error)
                    if status.error
                    else message(language, "feed_line", url=status.url, items=status.items, added=status.added)
                )
            )
        await _reply(msg, "\n".join(lines), disable_web_page_preview=True)

    async def _may_edit(self, msg: Message, language: str) -> bool:
        """Admins in a private chat may; everyone else is told why not."""
        if _user_id(msg) not in self.settings.admin_user_ids:
            log.info("refused a library change from user %s", _user_id(msg))
            await _reply(msg, message(language, "admin_only"))
            return False
        if msg.chat.type != ChatType.PRIVATE:
            await _reply(msg, message(language, "private_only"))
            return False
        return True

    async def _add(self, msg: Message, language: str, add: Callable[[Any, str], Article], payload: Any) -> None:
        """Run `add(payload, added_by)` off the event loop, then confirm once the article answers."""
        await _show_typing(msg)
        added_by = f"telegram user {_user_id(msg)}"
        try:
            article = await asyncio.to_thread(add, payload, added_by)
        except LibraryError as error:
            log.info("could not add an article for user %s: %s", _user_id(msg), error)
            await _reply(msg, self._explain(error, language))
            return
        indexed = await self.library.until_indexed(article.id)
        log.info("user %s added %s (%s)", _user_id(msg), article.id, article.title)
        await _reply(msg, self._confirmation(article, indexed, language))

    def _confirmation(self, article: Article, indexed: bool, language: str) -> str:
        if not indexed:
            return message(language, "added_pending", title=article.title, id=article.id)
        passages = next((s.passages for s in self.service.sources() if s.article.id == article.id), 0)
        return message(language, "added", title=article.title, passages=passages, id=article.id)

    def _explain(self, error: LibraryError, language: str) -> str:
        """The reason an article was not added, in the user's words."""
        if isinstance(error, DuplicateError):
            return message(language, "duplicate", title=error.existing_title, id=error.existing_id)
        if isinstance(error, PrivateAddressError):
            return message(language, "private_address")
        if isinstance(error, TooLargeError):
            return message(language, "too_large", limit=self._limit_mb())
        if isinstance(error, UnsupportedTypeError):
            return message(language, "unsupported")
        if isinstance(error, ExtractionError):
            return message(language, "no_article")
        if isinstance(error, FetchError):
            return message(language, "fetch_failed", reason=error)
        return message(language, "no_article")

    def _limit_mb(self) -> str:
        return f"{self.settings.max_fetch_bytes / MEGABYTE:g}"


async def _reply(msg: Message, text: str, **options: Any) -> None:
    """Reply quoting the admin's message (a link or file may be one of several sent at once)."""
    await msg.reply_text(text, do_quote=True, allow_sending_without_reply=True, **options)


def _message_and_language(update: Update) -> tuple[Message, str]:
    msg = update.effective_message
    if msg is None:
        raise ValueError("this handler needs an update with a message")
    user = update.effective_user
    # The user's Telegram language: the text of an article added says nothing about the admin's.
    return msg, reply_language("", user.language_code if user else None)


def _user_id(msg: Message) -> int | None:
    return msg.from_user.id if msg.from_user else None


async def _show_typing(msg: Message) -> None:
    """Decoration while fetching and indexing; its failure costs nothing (see handlers)."""
    try:
        bot = cast(ExtBot[Any], msg.get_bot())  # the application's bot, with the rate limiter
        await bot.send_chat_action(msg.chat_id, ChatAction.TYPING, rate_limit_args=NO_RETRY)
    except TelegramError as error:
        log.warning("could not show typing in chat %s (%s)", msg.chat_id, error)
