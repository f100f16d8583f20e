"""Drives Kutip's application through the fake Bot API as a user would: write, press, read the replies."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.live.library import LiveLibrary
from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import ALLOWED_UPDATES, build_application
from index import Embedder
from tests.helpers import SEED
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_telegram import FakeTelegram, SentMessage

USER = 1001  # a private chat's id is its user's id
ADMIN = 2002
GROUP = -1_001_234_567_890
ASK_ID = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
ASK_EN = "Who did Putin blame for the deadlock in the nuclear negotiations?"
OFF_TOPIC = "Bagaimana cara membuat rendang padang yang empuk?"
PARAGRAPH_8 = (
    "Vladimir Putin menyalahkan Amerika Serikat (AS) atas kebuntuan dalam negosiasi nuklir, "
    "menyebut janji yang tidak dipenuhi."
)
SEED_TITLE = "Presiden Rusia Vladimir Putin menyerukan jaminan keamanan Korea Utara"
SECRET = "kutip-webhook-secret_1"


@asynccontextmanager
async def polling(application: Application) -> AsyncIterator[Application]:
    """The application running with long polling, as `run_bot` starts it, stopped cleanly after."""
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, allowed_updates=ALLOWED_UPDATES)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


def message_id(update: dict[str, Any]) -> int:
    return int((update.get("message") or update["edited_message"])["message_id"])


async def ask(fake: FakeTelegram, text: str, chat_id: int = USER, count: int = 1, **user: Any) -> list[SentMessage]:
    """A user writes `text`; the bot's next `count` messages in that chat (quoting it or not)."""
    before = len([m for m in fake.sent if m.chat_id == chat_id])
    fake.push_message(chat_id, text, **user)
    return (await fake.wait_for_messages(chat_id, before + count))[before:]


async def reply(
    fake: FakeTelegram, chat_id: int, to: int, text: str, quote: str | None = None, **user: Any
) -> SentMessage:
    """A user replies `text` to message `to` (quoting `quote` of it); the bot's reply to that reply."""
    update = fake.push_message(chat_id, text, reply_to_message=to, quote=quote, **user)
    [answer] = await fake.wait_for_replies(chat_id, message_id(update))
    return answer


async def press(fake: FakeTelegram, answer: SentMessage, label: str, count: int = 1) -> list[SentMessage]:
    """Press the button `label` under `answer`; the bot's first `count` replies to that message."""
    [data] = [b["callback_data"] for b in answer.buttons if b["text"] == label]
    fake.push_callback_query(answer.chat_id, answer.message_id, data)
    return await fake.wait_for_replies(answer.chat_id, answer.message_id, count)


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def seed_service(root: Path, embedder: Embedder | None = None) -> QuoteService:
    """A service over a copy of the real seed article, in `root`, with `embedder` (default: the fake one)."""
    (root / "seeds").mkdir(parents=True)
    shutil.copy(SEED, root / "seeds" / SEED.name)
    settings = Settings(seeds_dir=root / "seeds", data_dir=root / "data")
    return QuoteService.open(settings, embedder or FakeEmbedder())[0]


def long_article_service(root: Path) -> QuoteService:
    """The fake embedder over one article whose second paragraph is a single 7,600-character sentence."""
    (root / "seeds").mkdir(parents=True)
    clauses = ", ".join(f"pasar nomor {n} di Jakarta mencatat harga beras naik {n} persen" for n in range(1, 121))
    article = (
        "---\ntitle: Harga <beras> & minyak\nurl: https://contoh.id/harga?a=1&b=2\n---\n\n"
        "Pedagang di Jakarta mengeluh. Pemerintah berjanji menurunkan harga.\n\n"
        f"Menurut data dinas, {clauses}.\n\nBanjir merendam Bekasi.\n"
    )
    (root / "seeds" / "harga.md").write_text(article, encoding="utf-8")
    return QuoteService.open(Settings(seeds_dir=root / "seeds", data_dir=root / "data"), FakeEmbedder())[0]


@asynccontextmanager
async def running(settings: Settings, embedder: Embedder) -> AsyncIterator[QuoteService]:
    """`kutip bot` as run_bot starts it: the service, its live library and long polling."""
    service = QuoteService.open(settings, embedder)[0]
    library = LiveLibrary(service, settings)
    async with build_application(service, settings, library=library) as application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, allowed_updates=ALLOWED_UPDATES)
        library.start()
        try:
            yield service
        finally:
            library.stop()
            await application.updater.stop()
            await application.stop()


async def say(fake: FakeTelegram, chat_id: int, text: str, timeout: float = 10.0) -> SentMessage:
    """A user writes `text`; the bot's reply."""
    update = fake.push_message(chat_id, text)
    [reply] = await fake.wait_for_replies(chat_id, update["message"]["message_id"], timeout=timeout)
    return reply


async def quoted(fake: FakeTelegram, question: str, sentence: str, within: float = 10.0) -> bool:
    """Whether `question` gets `sentence` quoted, asking again until `within` seconds have passed."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        answer = await say(fake, USER, question)
        if any(sentence in quote for quote in answer.spans("blockquote")):
            return True
    return False
