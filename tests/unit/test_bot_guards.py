"""What the bot refuses to act on: forged button data, other bots' commands, secrets in logs.

The application with the fake embedder, polling the fake Bot API through PTB's real client.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.buttons import MoreButton, ParagraphButton, parse_button
from bot.telegram.delivery import RetryPolicy
from tests.helpers.bot_driver import polling, seed_service
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(30)

USER = 1001
GROUP = -1_001_234_567_890
OTHER_GROUP = -1_009_999_999_999
ASK_ID = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
REFUSAL = "Sorry, this bot is private."


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> QuoteService:
    return seed_service(tmp_path_factory.mktemp("guards"))


@pytest.fixture
def fake_privacy() -> bool:
    return True


@pytest.fixture
async def fake(fake_privacy: bool) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(privacy_mode=fake_privacy) as server:
        yield server


@pytest.fixture
def allowed() -> frozenset[int]:
    return frozenset()


@pytest.fixture
async def bot(
    service: QuoteService, fake: FakeTelegram, allowed: frozenset[int], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Application]:
    """Kutip polling the fake; fails the test if a handler crashed."""
    settings = Settings(
        data_dir=tmp_path, telegram_token=fake.token, telegram_api_base_url=fake.base_url, allowed_chat_ids=allowed
    )
    async with polling(build_application(service, settings, RetryPolicy(budget=1.0))) as application:
        yield application
    # Kutip's own errors only: PTB may log a final getUpdates that timed out while stopping.
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot.")]
    assert not crashes, crashes


# -- button data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "p|0123456789ab|²",
        "p|0123456789ab|٣",
        "p|0123456789ab|08",
        "p|0123456789ab|3|",
        "p||3",
        "p|0123456789ab",
        "m|x",
        "M",
        "x",
        "",
        "p|0123456789ab| 3",
    ],
)
def test_only_data_kutip_makes_parses(data: str) -> None:
    assert parse_button(data) is None


def test_button_data_round_trips() -> None:
    for button in (ParagraphButton("0123456789ab", 12), MoreButton()):
        assert parse_button(button.data) == button


@pytest.mark.parametrize("data", ["p|{key}|²", "p|{key}|0", "zzz", "m|extra"])
async def test_forged_button_data_is_ignored(fake: FakeTelegram, bot: Application, data: str) -> None:
    update = fake.push_message(USER, ASK_ID)
    [answer] = await fake.wait_for_replies(USER, update["message"]["message_id"])
    key = answer.buttons[0]["callback_data"].split("|")[1]
    fake.push_callback_query(USER, answer.message_id, data.format(key=key), forged=True)
    [stopped] = await fake.wait_for_calls("answerCallbackQuery")
    assert stopped.status == 200 and not stopped.params.get("text"), "the spinner stops, silently"
    await asyncio.sleep(0.2)
    assert len(fake.sent) == 1, "nothing searched, nothing sent"


# -- commands for other bots in refused chats -------------------------------------------------


@pytest.mark.parametrize("allowed", [frozenset({GROUP})])
@pytest.mark.parametrize("fake_privacy", [False])  # with privacy mode on, Telegram keeps them from Kutip
async def test_refused_chats_ignore_commands_for_other_bots(fake: FakeTelegram, bot: Application) -> None:
    chats = {USER: "private", OTHER_GROUP: "supergroup"}
    for chat_id, chat_type in chats.items():
        fake.push_message(chat_id, f"/ask@other_bot {ASK_ID}", chat_type=chat_type)
        fake.push_message(chat_id, "/start@Other_Bot", chat_type=chat_type)
        fake.push_message(chat_id, f"/ask@kutip_test_bot {ASK_ID}", chat_type=chat_type)
    for chat_id in chats:
        await fake.wait_for_messages(chat_id)
    await asyncio.sleep(0.2)  # each chat's updates are handled in order: the refusal came last
    assert sorted((m.chat_id, m.text) for m in fake.sent) == [(OTHER_GROUP, REFUSAL), (USER, REFUSAL)]


# -- secrets in logs --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("configured", [True, False], ids=["configured-secret", "random-secret"])
async def test_the_webhook_secret_never_appears_in_the_logs(
    fake: FakeTelegram, tmp_path: Path, configured: bool
) -> None:
    prefixes = ("TELEGRAM_", "KUTIP_", "WEBHOOK_", "ALLOWED_", "ADMIN_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        KUTIP_LOG_LEVEL="DEBUG", TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url,
        WEBHOOK_URL="https://example.invalid/kutip/hook", WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(free_port()),
        **({"WEBHOOK_SECRET_TOKEN": "kutip-webhook-secret_1"} if configured else {}),
    )  # fmt: skip
    # No model is needed to register a webhook: a stub service keeps the run near one second.
    code = (
        "import sys; from bot import cli; from bot.telegram import app; "
        "app.open_service = lambda *args, **kwargs: None; sys.exit(cli.main(['bot']))"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake.wait_for_calls("setWebhook", timeout=20)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    secret = fake.webhook_secret
    logs = stderr.decode()
    assert secret and (secret == "kutip-webhook-secret_1") == configured
    assert "setWebhook" in logs and "<webhook secret>" in logs
    assert secret not in logs and fake.token not in logs
