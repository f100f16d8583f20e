"""Wires the Telegram application: handlers, per-chat ordering, rate limits, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections import Counter
from collections.abc import Awaitable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.conversations import Conversations
from bot.live.library import LiveLibrary
from bot.messages import ADMIN_COMMANDS, COMMANDS, message
from bot.progress import progress_bar
from bot.reply_language import ENGLISH, INDONESIAN
from bot.service import QuoteService, open_service
from bot.settings import Settings
from bot.telegram.admin import URL_ONLY, AdminHandlers
from bot.telegram.delivery import CONNECTION_POOL_SIZE, DeliveryLimiter, DeliveryRequest, RetryPolicy
from bot.telegram.handlers import KutipHandlers
from index import Embedder

log = logging.getLogger(__name__)
MAX_CONCURRENT_UPDATES = 32
# PTB's Application is generic in its bot, context, data and job queue types; Kutip uses the defaults.
KutipApplication = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class PerChatProcessor(BaseUpdateProcessor):
    """Processes updates concurrently across chats, and in arrival order within one chat."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        # A lock per chat with updates in flight, dropped when the chat goes quiet, so a
        # long-running bot does not keep one for every chat it ever saw.
        self._locks: dict[int, asyncio.Lock] = {}
        self._pending: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        self._pending[chat.id] += 1
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            self._pending[chat.id] -= 1
            if not self._pending[chat.id]:
                del self._pending[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class RedactSecrets(logging.Filter):
    """Removes the bot token and the webhook secret from every log record, whatever library wrote it."""

    def __init__(self, placeholders: Mapping[str, str]) -> None:
        super().__init__()
        self.placeholders = {secret: shown for secret, shown in placeholders.items() if secret}

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.placeholders:
            return True
        rendered = record.getMessage()
        if any(secret in rendered for secret in self.placeholders):
            record.msg, record.args = self.redact(rendered), None
        if record.exc_info and not record.exc_text:
            # Tracebacks quote it too (PTB's InvalidToken names the token): format them now, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def redact(self, text: str) -> str:
        for secret, shown in self.placeholders.items():
            text = text.replace(secret, shown)
        return text


def build_application(
    service: QuoteService,
    settings: Settings,
    retry: RetryPolicy = RetryPolicy(),
    library: LiveLibrary | None = None,
) -> KutipApplication:
    """The application with every handler registered; nothing is sent to Telegram yet.

    `retry` is how long each request to Telegram may be retried (see bot.telegram.delivery). `library`
    (default: one over `service`) is started and stopped with the application by run_polling
    and run_webhook; whoever drives the application otherwise starts it.
    """
    library = library or LiveLibrary(service, settings)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token or "")
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_url)
        .request(DeliveryRequest(connection_pool_size=CONNECTION_POOL_SIZE))
        .rate_limiter(DeliveryLimiter(retry))
        .concurrent_updates(PerChatProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(lambda application: _start(application, library, settings))
        .post_shutdown(lambda application: asyncio.to_thread(library.stop))
        .build()
    )
    handlers = KutipHandlers(service, settings, Conversations.open(settings))
    admin = AdminHandlers(library, service, settings)
    new_messages = filters.UpdateType.MESSAGE  # an edited /add or link must not add twice
    application.add_handler(TypeHandler(Update, handlers.check_access), group=-1)
    application.add_handlers(
        [
            CommandHandler("start", handlers.start),
            CommandHandler("help", handlers.help),
            CommandHandler("sources", handlers.sources),
            CommandHandler("ask", handlers.ask_command),
            CommandHandler("forget", handlers.forget),
            CommandHandler("add", admin.add_command, filters=new_messages),
            CommandHandler("remove", admin.remove_command, filters=new_messages),
            CommandHandler("feeds", admin.feeds_command, filters=new_messages),
            MessageHandler(new_messages & filters.ChatType.PRIVATE & filters.Regex(URL_ONLY), admin.url_message),
            MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text),
            MessageHandler(new_messages & filters.Document.ALL, admin.document),
            MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.not_text),
            CallbackQueryHandler(handlers.button),
        ]
    )
    application.add_error_handler(handlers.error)
    return application


async def _start(application: KutipApplication, library: LiveLibrary, settings: Settings) -> None:
    await set_commands(application, settings.admin_user_ids)
    library.start()


async def set_commands(application: KutipApplication, admin_user_ids: frozenset[int] = frozenset()) -> None:
    """The command menu: English by default, Indonesian for Indonesian-speaking users.

    Admins' private chats also list the commands that change the library.
    """
    for language, code in ((ENGLISH, None), (INDONESIAN, INDONESIAN)):
        commands = [BotCommand(name, message(language, f"command_{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=code)
        extra = [BotCommand(name, message(language, f"command_{name}")) for name in ADMIN_COMMANDS]
        for user_id in sorted(admin_user_ids):
            await application.bot.set_my_commands(commands + extra, BotCommandScopeChat(user_id), language_code=code)


def install_redaction(token: str | None, webhook_secret: str | None = None) -> None:
    """Keep the token and the webhook secret out of everything the root logger's handlers write.

    Call after configuring the handlers. PTB logs the parameters of setWebhook at DEBUG.
    """
    placeholders = {token or "": "<token>", webhook_secret or "": "<webhook secret>"}
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(placeholders))


def run_bot(settings: Settings, embedder: Embedder | None = None) -> int:
    """Run until interrupted: long polling, or a webhook when WEBHOOK_URL is set.

    With an index on disk the bot answers at once, the refresher catching up; `embedder`
    defaults to the model (`open_embedder`).
    """
    if not settings.telegram_token:
        return _fail("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and put it in .env")
    settings = _with_webhook_secret(settings)
    install_redaction(settings.telegram_token, settings.webhook_secret)
    try:
        asyncio.run(_verify_token(settings))
        service = open_service(settings, embedder, wait_for_build=False, progress=progress_bar)
        _run(build_application(service, settings), settings)
    except InvalidToken:
        return _fail("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather")
    except NetworkError as error:
        return _fail(
            f"cannot reach Telegram at {settings.telegram_api_base_url} ({error.message}): "
            "check the network, or TELEGRAM_API_BASE_URL"
        )
    except OSError as error:
        if not settings.webhook_url:
            raise
        return _fail(
            f"cannot listen for the webhook on {settings.webhook_listen}:{settings.webhook_port} "
            f"({error.strerror}): choose another WEBHOOK_PORT"
        )
    return 0


async def _verify_token(settings: Settings) -> None:
    """getMe before the model loads, so a bad token is reported in seconds, not after indexing."""
    async with Bot(settings.telegram_token or "", base_url=settings.telegram_api_base_url):
        pass


def _run(application: KutipApplication, settings: Settings) -> None:
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=webhook_path(settings),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)


def _with_webhook_secret(settings: Settings) -> Settings:
    """Webhook mode always checks a secret: a random one unless WEBHOOK_SECRET_TOKEN is set.

    Chosen before logging starts, so that a random secret is redacted like a configured one.
    """
    if not settings.webhook_url or settings.webhook_secret:
        return settings
    return replace(settings, webhook_secret=secrets.token_urlsafe(32))


def _fail(problem: str) -> int:
    """Tell the operator what stopped the bot, in one line; the exit code is 1."""
    print(f"kutip: {problem}", file=sys.stderr)
    return 1


def webhook_path(settings: Settings) -> str:
    """The local path the webhook listens on: the public URL's path."""
    return urlsplit(settings.webhook_url or "").path.lstrip("/")
