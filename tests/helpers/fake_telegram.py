"""A local fake of the Telegram Bot API that rejects what Telegram rejects, for PTB's real client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.helpers.fake_telegram_text import (
    ApiError,
    api_entities,
    check_callback_data,
    entity_text,
    find_entities,
    format_text,
    parse_inline_keyboard,
    utf16_length,
)

HOST = "127.0.0.1"  # the only address this fake binds to or posts to
DEFAULT_TOKEN = "123456789:AAF-fake-token-for-kutip-tests_0000"
DEFAULT_USER_ID = 424242  # the default sender in group chats
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files on the cloud Bot API
LONG_POLL_CAP = 0.2  # PTB's Updater.stop() awaits the poll in flight, so never hold one long
WAIT_STEP = 0.005

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
NGINX_PHRASES = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: POLL_CONFLICT,
    500: "Internal Server Error",
}
UPDATE_TYPES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
]
# Telegram's default when allowed_updates is unset or empty.
DEFAULT_ALLOWED = frozenset(UPDATE_TYPES) - {"chat_member", "message_reaction", "message_reaction_count"}
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)

JSON_FIELDS = frozenset(
    [
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
    ]
)
INT_FIELDS = frozenset(
    [
        "message_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
    ]
)
# The entities a reply's quote keeps of the quoted message (Bot API, TextQuote.entities).
QUOTE_ENTITY_TYPES = frozenset(["bold", "italic", "underline", "strikethrough", "spoiler", "custom_emoji"])
TOPIC_ICON_COLOR = 7322096  # one of the six colours Telegram allows for a topic's icon
BOOL_FIELDS = frozenset(
    [
        "drop_pending_updates",
        "show_alert",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
    ]
)

T = TypeVar("T")
LOGGER = logging.getLogger(__name__)


def error_response(error: ApiError) -> web.Response:
    """Telegram's error answer for ``error``, as the bot's HTTP client receives it."""
    if error.status in (502, 503, 504):  # nginx answers these, in HTML, before the Bot API does
        page = NGINX_PAGE.format(status=error.status, phrase=error.description)
        return web.Response(status=error.status, text=page, content_type="text/html")
    body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.status)


@dataclass(frozen=True)
class Call:
    """One request the bot made: method, decoded parameters, HTTP status and error description."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """A message as Telegram stored it after a successful sendMessage or edit."""

    chat_id: int
    message_id: int
    text: str
    entities: tuple[dict[str, Any], ...]
    html: str  # the text parameter exactly as the bot sent it
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None
    edited: bool = False
    message_thread_id: int | None = None  # the forum topic it was sent to

    def spans(self, entity_type: str) -> list[str]:
        """The pieces of text covered by entities of one type, e.g. ``spans("bold")``."""
        return [entity_text(self.text, e) for e in self.entities if e["type"] == entity_type]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: float | None
    remaining: int
    drop: bool = False
    delivered: bool = False  # with drop: the method is carried out, then its answer is lost


def _number(value: Any, default: float) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    """A replied-to message as Telegram embeds it: one level deep, without its own reply."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def text_quote(message: dict[str, Any], fragment: str, position: int | None = None) -> dict[str, Any]:
    """The ``quote`` of a reply that quotes ``fragment`` of ``message`` (a TextQuote): where it
    starts in UTF-16 units, and the formatting it keeps. Telegram only lets a user quote text the
    message holds; ``position`` (a UTF-16 offset) picks one of several occurrences."""
    text = message.get("text") or message.get("caption") or ""
    starts = [i for i in range(len(text)) if text.startswith(fragment, i)] if fragment.strip() else []
    start = next((i for i in starts if position in (None, utf16_length(text[:i]))), None)
    if start is None:
        raise ValueError(f"{fragment!r} is not in message {message['message_id']}: a quote copies its text")
    low = utf16_length(text[:start])
    high = low + utf16_length(fragment)
    kept = []
    for entity in message.get("entities") or message.get("caption_entities") or []:
        begin, end = max(entity["offset"], low), min(entity["offset"] + entity["length"], high)
        if entity["type"] in QUOTE_ENTITY_TYPES and begin < end:
            kept.append({**entity, "offset": begin - low, "length": end - begin})
    quote: dict[str, Any] = {"text": fragment, "position": low, "is_manual": True}
    return {**quote, "entities": kept} if kept else quote


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Form fields arrive as strings, with non-string values JSON-encoded; type them per field."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str) and name in JSON_FIELDS:
            try:
                value = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if name == "reply_markup" else name.replace("_", " ")
                raise ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
        elif isinstance(value, str) and (name in INT_FIELDS or name in ("chat_id", "user_id")):
            value = int(value) if re.fullmatch(r"-?\d+", value.strip()) else value
        elif isinstance(value, str) and name in BOOL_FIELDS:
            value = value.strip().lower() in ("true", "1")
        params[name] = value
    return params


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
    else:
        form = await request.post()
        for name, value in form.items():
            params[name] = value if isinstance(value, str) else value.file.read()
    return params


# ---------------------------------------------------------------------------------------------


class FakeTelegram:
    """A Bot API server on 127.0.0.1 with controls to play the users and to watch the bot.

    Point PTB at it with ``ApplicationBuilder().token(fake.token).base_url(fake.base_url)
    .base_file_url(fake.base_file_url)``. Texts and keyboards are checked by ``fake_telegram_text``:
    a port of tdlib's ``parse_html`` (the code behind the Bot API server), error texts included,
    then tdlib's ``fix_formatted_text`` steps (control characters, whitespace trimming, bold/italic
    cut around code, the 100-entity cap, automatic url/email/mention/hashtag/bot_command entities).
    Simplifications: no MarkdownV2 (a clear 400), approximate link normalisation, no flood
    limits (inject them with ``fail_next``), no inline-mode messages.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "kutip_test_bot",
        bot_name: str = "Kutip",
        privacy_mode: bool = True,
        long_poll_cap: float = LONG_POLL_CAP,
    ) -> None:
        self.token = token
        self.privacy_mode = privacy_mode  # Telegram's default: groups show a bot only what concerns it
        self.long_poll_cap = long_poll_cap
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":")[0]), "is_bot": True, "first_name": bot_name,
            "username": bot_username,
        }  # fmt: skip
        self.port = 0
        self.sent: list[SentMessage] = []  # every accepted sendMessage, in order
        self.edits: list[SentMessage] = []  # every accepted edit, in order
        self.deleted: list[tuple[int, int]] = []  # (chat_id, message_id) of deleted messages
        self.calls: list[Call] = []  # every request, accepted or not
        self.undelivered: list[dict[str, Any]] = []  # updates Telegram would not hand to this bot
        self.commands: dict[str, list[dict[str, str]]] = {}  # scope+language -> setMyCommands list
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(700_000_001)
        self._query_ids = itertools.count(5_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.downloads: list[str] = []  # file paths downloaded, token checked
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._topics: set[tuple[int, int]] = set()  # (chat_id, thread_id) of open forum topics
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._latest: dict[tuple[int, int], SentMessage] = {}
        self._queries: dict[str, bool] = {}  # callback query id -> answered
        self._allowed: frozenset[str] = DEFAULT_ALLOWED
        self._allowed_set_explicitly = False
        self._faults: dict[str, list[_Fault]] = {}
        self._wakeup = asyncio.Event()
        self._poll_generation = 0
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Awaitable[Any]]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me, "logOut": self._true, "close": self._true,
                "getUpdates": self._get_updates, "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message, "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action, "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands, "deleteMyCommands": self._delete_my_commands,
                "getFile": self._get_file,
            }.items()
        }  # fmt: skip

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{HOST}:{self.port}/file/bot"

    @property
    def username(self) -> str:
        return str(self.bot_user["username"])

    # -- playing the users ----------------------------------------------------------------------

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Ani",
        language_code: str = "en",
        chat_type: str = "private",
        entities: list[dict[str, Any]] | None = None,
        reply_to_message: int | None = None,
        edited: bool = False,
        message_id: int | None = None,
        quote: str | None = None,
        topic: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text``; entities default to what Telegram would detect in it.

        With ``edited=True`` the user edits ``message_id`` (default: their latest message there).
        ``quote`` is the part of the ``reply_to_message`` the reply quotes; ``topic`` the forum
        topic it is written in (see ``open_topic``).
        Returns the update, also when privacy mode keeps it from the bot (see ``undelivered``).
        """
        found = entities if entities is not None else api_entities(text, find_entities(text))
        content = {"text": text, **({"entities": found} if found else {})}
        return self._push_user_message(
            chat_id, content, user_id=user_id, first_name=first_name, language_code=language_code,
            chat_type=chat_type, reply_to_message=reply_to_message, edited=edited, message_id=message_id,
            quote=quote, topic=topic,
        )  # fmt: skip

    def open_topic(self, chat_id: int, name: str, *, user_id: int = DEFAULT_USER_ID) -> int:
        """A user opens a forum topic in supergroup ``chat_id`` (made a forum): its thread id.

        Like Telegram, the topic starts with a service message whose id is the thread's id, and
        every message in the topic that replies to nothing else replies to that one.
        """
        chat = self._ensure_chat(chat_id, "supergroup", self._user(user_id))
        chat["is_forum"] = True
        thread_id = self._next_message_id(chat_id)
        created = {
            "message_id": thread_id, "from": self._user(user_id), "chat": chat, "date": int(time.time()),
            "message_thread_id": thread_id, "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": TOPIC_ICON_COLOR},
        }  # fmt: skip
        self._messages[(chat_id, thread_id)] = created
        self._topics.add((chat_id, thread_id))
        self._enqueue("message", created)  # service messages reach a bot whatever its privacy mode
        return thread_id

    def push_sticker(
        self, chat_id: int, *, emoji: str = "👍", user_id: int | None = None,
        chat_type: str = "private", reply_to_message: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A user sends a sticker: a message without text."""
        file_id = next(self._file_ids)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAF{file_id:06d}", "file_unique_id": f"AgAD{file_id:06d}",
            "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False,
            "emoji": emoji, "file_size": 23456,
        }  # fmt: skip
        return self._push_user_message(
            chat_id, {"sticker": sticker}, user_id=user_id, chat_type=chat_type, reply_to_message=reply_to_message
        )

    def push_photo(
        self, chat_id: int, *, caption: str | None = None, user_id: int | None = None,
        chat_type: str = "private", reply_to_message: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A user sends a photo, with an optional caption: a message without text."""
        file_id = next(self._file_ids)
        sizes = [(90, 67, 1200), (800, 600, 48000)]
        photo = [
            {"file_id": f"AgACAgIAAxkBAAF{file_id:06d}{i}", "file_unique_id": f"AQAD{file_id:06d}{i}",
             "width": w, "height": h, "file_size": size}
            for i, (w, h, size) in enumerate(sizes)
        ]  # fmt: skip
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
            if found := api_entities(caption, find_entities(caption)):
                content["caption_entities"] = found
        return self._push_user_message(
            chat_id, content, user_id=user_id, chat_type=chat_type, reply_to_message=reply_to_message
        )

    def push_document(
        self,
        chat_id: int,
        file_name: str,
        content: bytes,
        *,
        mime_type: str = "text/plain",
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        """A user sends a file; the bot can fetch it with getFile and the file URL.

        ``declared_size`` overrides the ``file_size`` Telegram reports (it reports the real size).
        """
        number = next(self._file_ids)
        file_id = f"BQACAgIAAxkBAAF{number:06d}"
        self._files[file_id] = (f"documents/file_{number}{_suffix(file_name)}", content)
        document = {
            "file_id": file_id, "file_unique_id": f"AgAD{number:06d}", "file_name": file_name,
            "mime_type": mime_type, "file_size": len(content) if declared_size is None else declared_size,
        }  # fmt: skip
        payload: dict[str, Any] = {"document": document}
        if caption:
            payload["caption"] = caption
            if found := api_entities(caption, find_entities(caption)):
                payload["caption_entities"] = found
        return self._push_user_message(
            chat_id, payload, user_id=user_id, chat_type=chat_type, reply_to_message=None, language_code=language_code
        )

    def push_callback_query(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, forged: bool = False
    ) -> dict[str, Any]:
        """A user presses the button carrying ``data`` under the bot's message ``message_id``.

        With ``forged=True`` a modified client sends ``data`` that no button carries: Telegram
        does not check callback data against the keyboard, so the bot receives it all the same.
        """
        message = self._messages.get((chat_id, message_id))
        if message is None or message["from"]["id"] != self.bot_user["id"]:
            raise ValueError(f"no message {message_id} from the bot in chat {chat_id}")
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if not forged and not any(b.get("callback_data") == data for b in buttons):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}: {buttons}")
        chat = self._chats[chat_id]
        sender = self._user(user_id or (chat_id if chat["type"] == "private" else DEFAULT_USER_ID))
        query_id = str(next(self._query_ids))
        self._queries[query_id] = False
        query = {"id": query_id, "from": sender, "message": message,
                 "chat_instance": str(-4_000_000_000_000 - abs(chat_id)), "data": data}  # fmt: skip
        return self._enqueue("callback_query", query)

    def delete_user_message(self, chat_id: int, message_id: int) -> None:
        """A user deletes their message: the bot is not told, but replying to it now fails."""
        message = self._messages.get((chat_id, message_id))
        if message is None or message["from"]["id"] == self.bot_user["id"]:
            raise ValueError(f"no user message {message_id} in chat {chat_id}")
        del self._messages[(chat_id, message_id)]

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any update as given; an ``update_id`` is added when missing."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._wakeup.set()
        return update

    # -- watching the bot -----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """The bot's message as it stands now, after any edits."""
        return self._latest[(chat_id, message_id)]

    async def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 3.0) -> list[SentMessage]:
        """The first ``count`` messages the bot sent to ``chat_id``, once they exist."""

        def ready() -> list[SentMessage] | None:
            mine = [m for m in self.sent if m.chat_id == chat_id]
            return mine[:count] if len(mine) >= count else None

        return await self._wait_until(ready, timeout, f"{count} message(s) to chat {chat_id}")

    async def wait_for_replies(
        self, chat_id: int, message_id: int, count: int = 1, timeout: float = 3.0
    ) -> list[SentMessage]:
        """The first ``count`` messages the bot sent in reply to ``message_id``, once they exist."""

        def ready() -> list[SentMessage] | None:
            mine = [m for m in self.sent if (m.chat_id, m.reply_to_message_id) == (chat_id, message_id)]
            return mine[:count] if len(mine) >= count else None

        return await self._wait_until(ready, timeout, f"{count} repl(ies) to {message_id} in chat {chat_id}")

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 3.0) -> list[Call]:
        """The first ``count`` calls of ``method``, accepted or not, once they exist."""

        def ready() -> list[Call] | None:
            mine = self.calls_to(method)
            return mine[:count] if len(mine) >= count else None

        return await self._wait_until(ready, timeout, f"{count} call(s) of {method}")

    async def _wait_until(self, ready: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while (result := ready()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; {self._summary()}")
            await asyncio.sleep(WAIT_STEP)
        return result

    def _summary(self) -> str:
        sent = [f"{m.chat_id}:{m.text[:60]!r}" for m in self.sent[-5:]]
        rejected = [f"{c.method} -> {c.status} {c.description}" for c in self.calls if c.status != 200]
        return f"last sent: {sent or 'nothing'}; rejected calls: {rejected[-5:] or 'none'}"

    # -- failure injection and webhooks ---------------------------------------------------------

    def fail_next(
        self, method: str, status: int = 400, description: str | None = None, *,
        retry_after: float | None = None, times: int = 1,
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` with a Telegram-shaped error.

        429 gets ``parameters.retry_after`` (1 s unless given; Telegram sends whole seconds);
        502, 503 and 504 get nginx's HTML page, as from the real front end.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None and status == 429:
            description = f"Too Many Requests: retry after {retry_after}"
        if description is None:
            description = NGINX_PHRASES.get(status) or DEFAULT_DESCRIPTIONS.get(status, "Error")
        self._faults.setdefault(method.lower(), []).append(_Fault(status, description, retry_after, times))

    def drop_next(self, method: str, times: int = 1, *, after_delivery: bool = False) -> None:
        """Reset the connection on the next ``times`` calls of ``method``: a network error.

        By default the request is dropped before Telegram acts on it. With ``after_delivery``
        Telegram carries it out (a message is sent) and the connection drops before the answer:
        the bot sees the same error ("Server disconnected without sending a response").
        """
        description = "connection reset after delivery" if after_delivery else "connection reset"
        fault = _Fault(0, description, None, times, drop=True, delivered=after_delivery)
        self._faults.setdefault(method.lower(), []).append(fault)

    @property
    def webhook_secret(self) -> str | None:
        return (self.webhook or {}).get("secret_token")

    async def post_webhook(self, url: str, update: dict[str, Any], secret_token: str | None = None) -> int:
        """POST ``update`` to the bot's webhook server as Telegram does; return the HTTP status."""
        if urlsplit(url).hostname not in (HOST, "localhost"):
            raise ValueError(f"post_webhook only posts to {HOST}, not {url}")
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=json.dumps(update), headers=headers) as response,
        ):
            status = response.status
        if 200 <= status < 300 and update in self._updates:
            self._updates.remove(update)  # delivered, so no longer pending
        return status

    # -- HTTP plumbing --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        entry = self._methods.get(request.match_info["method"].lower())
        name = entry[0] if entry else request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            params = await _read_params(request)
            token = request.match_info["token"]
            if token != self.token:
                # Telegram: 401 for a well-formed token it does not know, 404 for a malformed one.
                well_formed = re.fullmatch(r"\d+:[\w-]+", token)
                raise ApiError(401, "Unauthorized") if well_formed else ApiError(404, "Not Found")
            if entry is None:
                raise ApiError(404, "Not Found")
            params = decode_params(params)
            fault = self._take_fault(name)
            if fault is not None and fault.drop:
                if fault.delivered:
                    await entry[1](params)
                self.calls.append(Call(name, params, 0, fault.description))
                if request.transport is not None:
                    request.transport.abort()
                return web.Response()  # never reaches the client
            if fault is not None:
                raise ApiError(fault.status, fault.description, fault.retry_after)
            result = await entry[1](params)
        except ApiError as error:
            self.calls.append(Call(name, params, error.status, error.description))
            return error_response(error)
        except Exception as crash:  # a bug in the fake must not pass for a network error
            LOGGER.exception("fake Telegram failed on %s", name)
            error = ApiError(500, f"Internal Server Error: the fake crashed: {crash!r}")
            self.calls.append(Call(name, params, error.status, error.description))
            return error_response(error)
        self.calls.append(Call(name, params, 200))
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    # -- chats, users, messages, updates --------------------------------------------------------

    def _user(self, user_id: int, first_name: str = "Ani", language_code: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}

    def _ensure_chat(self, chat_id: int, chat_type: str, user: dict[str, Any]) -> dict[str, Any]:
        if chat_type == "private" and chat_id != user["id"]:
            raise ValueError(f"a private chat's id is its user's id: chat {chat_id}, user {user['id']}")
        too_high = {"group": 0, "supergroup": -1_000_000_000_000}.get(chat_type)
        if too_high is not None and chat_id >= too_high:
            raise ValueError(f"a {chat_type}'s id is negative (supergroups: -100…); got {chat_id}")
        if chat_type not in ("private", "group", "supergroup"):
            raise ValueError(f"unknown chat type {chat_type!r}")
        chat = self._chats.get(chat_id)
        if chat is not None and chat["type"] != chat_type:
            raise ValueError(f"chat {chat_id} is a {chat['type']}, not a {chat_type}")
        if chat is None:
            chat = {"id": chat_id, "type": chat_type}
            private = chat_type == "private"
            chat.update({"first_name": user["first_name"]} if private else {"title": "Test group"})
            self._chats[chat_id] = chat
        return chat

    def _push_user_message(
        self, chat_id: int, content: dict[str, Any], *, user_id: int | None, chat_type: str,
        reply_to_message: int | None, first_name: str = "Ani", language_code: str = "en",
        edited: bool = False, message_id: int | None = None, quote: str | None = None,
        topic: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        default_id = chat_id if chat_type == "private" else DEFAULT_USER_ID
        sender_id = default_id if user_id is None else user_id
        sender = self._user(sender_id, first_name, language_code)
        chat = self._ensure_chat(chat_id, chat_type, sender)
        if edited:
            original = self._messages.get((chat_id, message_id or self._latest_from(chat_id, sender_id)))
            if original is None:
                raise ValueError(f"no message {message_id} in chat {chat_id} to edit")
            kept = {k: v for k, v in original.items() if k not in ("text", "entities")}
            message = {**kept, **content, "edit_date": int(time.time())}
        else:
            message_id = self._next_message_id(chat_id)
            message = {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time())}
            message.update(self._threading(chat_id, reply_to_message, quote, topic))
            message.update(content)
        self._messages[(chat_id, message["message_id"])] = message
        kind = "edited_message" if edited else "message"
        if not self._concerns_bot(message):
            update = {"update_id": next(self._update_ids), kind: message}
            self.undelivered.append(update)
            return update
        return self._enqueue(kind, message)

    def _threading(
        self, chat_id: int, reply_to_message: int | None, quote: str | None, topic: int | None
    ) -> dict[str, Any]:
        """The fields that place a new user message: the topic it is in, the message it replies
        to (in a topic, the topic's first message unless another), and the part it quotes."""
        if topic is not None and (chat_id, topic) not in self._topics:
            raise ValueError(f"no topic {topic} in chat {chat_id}: open one with open_topic")
        if quote is not None and reply_to_message is None:
            raise ValueError("a quote belongs to a reply: give reply_to_message")
        fields: dict[str, Any] = {"message_thread_id": topic, "is_topic_message": True} if topic else {}
        target = reply_to_message if reply_to_message is not None else topic
        if target is None:
            return fields
        replied = self._messages.get((chat_id, target))
        if replied is None:
            raise ValueError(f"no message {target} in chat {chat_id} to reply to")
        if replied.get("message_thread_id") != topic and (chat_id, replied.get("message_thread_id")) in self._topics:
            raise ValueError(f"message {target} is in another topic: a reply stays in its topic")
        fields["reply_to_message"] = _without_reply(replied)
        return {**fields, **({"quote": text_quote(replied, quote)} if quote is not None else {})}

    def _latest_from(self, chat_id: int, user_id: int) -> int:
        mine = [
            mid for (cid, mid), message in self._messages.items()
            if cid == chat_id and message["from"]["id"] == user_id
        ]  # fmt: skip
        if not mine:
            raise ValueError(f"user {user_id} has no message in chat {chat_id} to edit")
        return max(mine)

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _concerns_bot(self, message: dict[str, Any]) -> bool:
        """Privacy mode: in groups a bot sees commands, mentions of it and replies to it only."""
        if message["chat"]["type"] == "private" or not self.privacy_mode or "forum_topic_created" in message:
            return True
        if message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_user["id"]:
            return True
        text = message.get("text") or message.get("caption") or ""
        for entity in message.get("entities") or message.get("caption_entities") or []:
            piece = entity_text(text, entity)
            if entity["type"] == "mention" and piece[1:].lower() == self.username.lower():
                return True
            if entity["type"] == "bot_command":
                target = piece.partition("@")[2]
                if target.lower() == self.username.lower() or (not target and entity["offset"] == 0):
                    return True
        return False

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        # Telegram filters by allowed_updates when the update is created, not when it is fetched.
        (self._updates if kind in self._allowed else self.undelivered).append(update)
        self._wakeup.set()
        return update

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            anyway = params.get("allow_sending_without_reply", False)
            reply = {"message_id": params["reply_to_message_id"], "allow_sending_without_reply": anyway}
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
        original = self._messages.get((chat_id, reply["message_id"]))
        if original is None and not reply.get("allow_sending_without_reply"):
            raise ApiError(400, "Bad Request: message to be replied not found")
        if original is not None and "quote" in reply:
            try:
                text_quote(original, str(reply["quote"]), reply.get("quote_position"))
            except ValueError:
                raise ApiError(400, "Bad Request: QUOTE_TEXT_INVALID") from None
        return None if original is None else _without_reply(original)

    def _topic_of(self, chat: dict[str, Any], params: dict[str, Any], replied: dict[str, Any] | None) -> int | None:
        """The forum topic a message goes to: the one asked for, else the replied message's."""
        topic = params.get("message_thread_id")
        if topic is None:
            return replied.get("message_thread_id") if replied and chat.get("is_forum") else None
        if not chat.get("is_forum") or (chat["id"], topic) not in self._topics:
            raise ApiError(400, "Bad Request: message thread not found")
        return int(topic)

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not implemented by the fake")
        chat = self._chat(params)
        if not isinstance(params.get("message_id"), int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get((chat["id"], params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _record(self, message: dict[str, Any], params: dict[str, Any], edited: bool) -> None:
        record = SentMessage(
            chat_id=message["chat"]["id"], message_id=message["message_id"],
            text=message.get("text", ""), entities=tuple(message.get("entities", ())),
            html=str(params.get("text", "")), parse_mode=params.get("parse_mode"),
            reply_markup=message.get("reply_markup"),
            reply_to_message_id=message.get("reply_to_message", {}).get("message_id"), edited=edited,
            message_thread_id=message.get("message_thread_id"),
        )  # fmt: skip
        (self.edits if edited else self.sent).append(record)
        self._latest[(record.chat_id, record.message_id)] = record

    # -- Bot API methods ------------------------------------------------------------------------

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user, "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False,
        }  # fmt: skip

    def _set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return  # omitted: the previous setting stays
        if not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed updates JSON object")
        self._allowed = frozenset(allowed) & frozenset(UPDATE_TYPES) or DEFAULT_ALLOWED
        self._allowed_set_explicitly = bool(allowed)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset, limit = _number(params.get("offset"), 0), _number(params.get("limit"), 100)
        self._set_allowed(params.get("allowed_updates"))
        if offset < 0:
            self._updates = self._updates[int(offset) :]  # the last -offset updates; the rest forgotten
        elif offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wakeup.set()  # a poll still waiting is now superseded
        self._wakeup = wakeup = asyncio.Event()
        wait = min(_number(params.get("timeout"), 0), self.long_poll_cap)
        if not self._updates and wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), wait)
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
        return self._updates[: min(max(int(limit), 1), 100)]

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        try:
            parts = urlsplit(url)
            port = parts.port or 443
        except ValueError:
            raise ApiError(400, "Bad Request: bad webhook: Wrong port number specified in the URL") from None
        if parts.scheme.lower() != "https":
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if port not in (80, 88, 443, 8443):
            raise ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token") or None
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self._set_allowed(params.get("allowed_updates"))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        connections = params.get("max_connections", 40)
        self.webhook = {"url": url, "secret_token": secret, "max_connections": connections}
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        pending = len(self._updates)
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        if self.webhook is not None:
            info.update(url=self.webhook["url"], max_connections=self.webhook["max_connections"])
            info["ip_address"] = HOST
        if self._allowed_set_explicitly:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities, markup = _formatted(params)
        replied = self._reply_target(chat["id"], params)
        topic = self._topic_of(chat, params, replied)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]), "from": self.bot_user, "chat": chat,
            "date": int(time.time()), "text": text,
        }  # fmt: skip
        message.update({"message_thread_id": topic, "is_topic_message": True} if topic else {})
        message.update({"entities": entities} if entities else {})
        message.update({"reply_to_message": replied} if replied else {})
        reply = params.get("reply_parameters") or {}
        if replied and "quote" in reply:  # checked by _reply_target
            message["quote"] = text_quote(replied, str(reply["quote"]), reply.get("quote_position"))
        message.update({"reply_markup": markup} if markup else {})
        self._messages[(chat["id"], message["message_id"])] = message
        self._record(message, params, edited=False)
        return message

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        text, entities, markup = _formatted(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        current = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if (text, entities, markup) == current:
            raise ApiError(400, NOT_MODIFIED)
        # Omitting reply_markup removes the keyboard: Telegram does not keep the old one.
        return self._replace(message, params, text=text, entities=entities or None, reply_markup=markup)

    async def _edit_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        markup = parse_inline_keyboard(params.get("reply_markup"))
        check_callback_data(markup)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        return self._replace(message, params, reply_markup=markup)

    def _replace(self, message: dict[str, Any], params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        edited = {**message, "edit_date": int(time.time()), **fields}
        edited = {k: v for k, v in edited.items() if v is not None}
        self._messages[(message["chat"]["id"], message["message_id"])] = edited
        self._record(edited, {**params, "text": params.get("text", message.get("text", ""))}, edited=True)
        return edited

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        if self._messages.pop((chat["id"], params.get("message_id")), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.deleted.append((chat["id"], params["message_id"]))
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._queries.get(query_id, True):  # unknown, or answered already
            raise ApiError(400, QUERY_INVALID)
        if len(str(params.get("text", ""))) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._queries[query_id] = True
        return True

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self._files[file_id]
        if len(content) > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": "AgAD" + file_id[-6:],
            "file_size": len(content),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """GET /file/bot<token>/<file_path>: the file's bytes, as api.telegram.org serves them."""
        files = {path: content for path, content in self._files.values()}
        if request.match_info["token"] != self.token or request.match_info["path"] not in files:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        self.downloads.append(request.match_info["path"])
        return web.Response(body=files[request.match_info["path"]], content_type="application/octet-stream")

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _commands_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code", ""))

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True


def _suffix(file_name: str) -> str:
    """Telegram keeps the extension of an uploaded file in its file_path."""
    _, dot, extension = file_name.rpartition(".")
    return f".{extension.lower()}" if dot and extension.isalnum() else ""


def _formatted(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]], dict[str, Any] | None]:
    """Text, entities and keyboard of a send or edit, checked as Telegram checks them."""
    markup = parse_inline_keyboard(params.get("reply_markup"))
    text, entities = format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
    check_callback_data(markup)
    return text, entities, markup
