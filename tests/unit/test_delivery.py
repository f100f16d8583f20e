"""Answers are never lost to a typing action, never doubled by a lost response, and wait out floods.

The application with the fake embedder, polling the fake Bot API through PTB's real client.
A short retry policy keeps outages quick; flood waits are Telegram's whole seconds.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application

from bot.messages import message
from bot.reply_language import INDONESIAN
from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.delivery import DeliveryRequest, RetryPolicy, may_have_arrived, was_not_carried_out
from tests.helpers.bot_driver import polling, seed_service
from tests.helpers.fake_telegram import FakeTelegram, SentMessage

pytestmark = [
    pytest.mark.timeout(30),
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),  # PTB's own retry_after
]

USER = 1001
ASK_ID = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
QUOTED = "menyalahkan Amerika Serikat"
APOLOGY = message(INDONESIAN, "error")  # the questions are Indonesian
QUICK = RetryPolicy(budget=6.0, first_backoff=0.01, max_backoff=0.05)  # room for four 1 s floods


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> QuoteService:
    return seed_service(tmp_path_factory.mktemp("delivery"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(service: QuoteService, fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Application]:
    settings = Settings(data_dir=tmp_path, telegram_token=fake.token, telegram_api_base_url=fake.base_url)
    async with polling(build_application(service, settings, QUICK)) as application:
        yield application


async def question_answered(fake: FakeTelegram, question: str = ASK_ID, timeout: float = 3.0) -> SentMessage:
    """A user asks; the bot's reply to that question."""
    update = fake.push_message(USER, question)
    [reply] = await fake.wait_for_replies(USER, update["message"]["message_id"], timeout=timeout)
    return reply


async def logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 3.0) -> None:
    """Wait until a log record contains `text`: the handler has got that far."""
    deadline = time.monotonic() + timeout
    while not any(text in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, f"nothing logged with {text!r}"
        await asyncio.sleep(0.01)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the typing action is decoration ----------------------------------------------------------


@pytest.mark.parametrize("failure", ["reset", "502", "429s"])
async def test_a_failed_typing_action_never_costs_the_answer(
    fake: FakeTelegram, bot: Application, failure: str
) -> None:
    if failure == "reset":
        fake.drop_next("sendChatAction")
    elif failure == "502":
        fake.fail_next("sendChatAction", 502)
    else:
        fake.fail_next("sendChatAction", 429, retry_after=5, times=4)
    started = time.monotonic()
    answer = await question_answered(fake)
    assert any(QUOTED in quote for quote in answer.spans("blockquote"))
    assert len(fake.calls_to("sendChatAction")) == 1, "tried once: a flood wait would delay the answer"
    assert time.monotonic() - started < 2
    assert [m.text for m in fake.sent] == [answer.text], "no apology"


# -- a retry must not double an answer --------------------------------------------------------


@pytest.mark.parametrize("after_delivery", [True, False], ids=["after-delivery", "before-delivery"])
async def test_a_dropped_response_is_never_sent_again(
    fake: FakeTelegram, bot: Application, caplog: pytest.LogCaptureFixture, after_delivery: bool
) -> None:
    fake.drop_next("sendMessage", after_delivery=after_delivery)
    fake.push_message(USER, ASK_ID)
    # The bot cannot tell the two apart: either way it may have been delivered.
    await logged(caplog, "no apology")
    await asyncio.sleep(0.2)  # QUICK would have retried by now
    assert [c.status for c in fake.calls_to("sendMessage")] == [0], "not retried, no apology"
    assert len(fake.sent) == (1 if after_delivery else 0)


async def test_an_outage_is_waited_out_then_the_answer_sent_once(fake: FakeTelegram, bot: Application) -> None:
    fake.fail_next("sendMessage", 502, times=5)
    fake.fail_next("sendMessage", 503)
    answer = await question_answered(fake)
    assert any(QUOTED in quote for quote in answer.spans("blockquote"))
    assert [c.status for c in fake.calls_to("sendMessage")] == [502] * 5 + [503, 200]
    assert len(fake.sent) == 1


async def test_a_gateway_time_out_is_treated_as_a_time_out(
    fake: FakeTelegram, bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("sendMessage", 504)  # the front end stopped waiting; Telegram may still send
    fake.push_message(USER, ASK_ID)
    await logged(caplog, "no apology")
    await asyncio.sleep(0.2)
    assert [c.status for c in fake.calls_to("sendMessage")] == [504]


# -- flood limits -----------------------------------------------------------------------------


async def test_four_flood_waits_in_a_row_still_deliver_the_answer(fake: FakeTelegram, bot: Application) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1, times=4)
    started = time.monotonic()
    answer = await question_answered(fake, timeout=8)
    assert time.monotonic() - started >= 4, "each retry_after was honoured"
    assert any(QUOTED in quote for quote in answer.spans("blockquote"))
    assert [c.status for c in fake.calls_to("sendMessage")] == [429] * 4 + [200]


async def test_four_flood_waits_in_a_row_still_show_the_paragraph(fake: FakeTelegram, bot: Application) -> None:
    answer = await question_answered(fake)
    [data] = [b["callback_data"] for b in answer.buttons if b["text"] == "Paragraf lengkap [1]"]
    fake.fail_next("answerCallbackQuery", 429, retry_after=1, times=4)
    fake.push_callback_query(USER, answer.message_id, data)
    [paragraph] = await fake.wait_for_replies(USER, answer.message_id, timeout=8)
    assert any(QUOTED in quote for quote in paragraph.spans("expandable_blockquote"))
    assert [c.status for c in fake.calls_to("answerCallbackQuery")] == [429] * 4 + [200]


async def test_a_flood_wait_beyond_the_budget_ends_in_one_apology(fake: FakeTelegram, bot: Application) -> None:
    fake.fail_next("sendMessage", 429, retry_after=QUICK.budget + 1)
    started = time.monotonic()
    fake.push_message(USER, ASK_ID)
    [apology] = await fake.wait_for_messages(USER)
    assert apology.text == APOLOGY
    assert time.monotonic() - started < QUICK.budget, "gave up at once instead of waiting in vain"


# -- which errors prove that nothing was sent -------------------------------------------------


async def failure_of(fake: FakeTelegram, base_url: str) -> TelegramError:
    """What sendMessage raises through PTB's real HTTP client, as Kutip builds it, at `base_url`."""
    async with DeliveryRequest() as request:
        bot = Bot(fake.token, base_url=base_url, request=request)  # not initialised: no getMe first
        with pytest.raises(TelegramError) as raised:
            await bot.send_message(USER, "x", connect_timeout=1, read_timeout=1)
    return raised.value


@pytest.mark.parametrize(
    ("inject", "retried", "may_have_arrived_"),
    [
        ("refused", True, False),
        ("502", True, False),
        ("500", True, False),
        ("504", False, True),
        ("dropped", False, True),
        ("400", False, False),
    ],
)
async def test_only_errors_proving_nothing_was_sent_are_retried(
    fake: FakeTelegram, inject: str, retried: bool, may_have_arrived_: bool
) -> None:
    base_url = fake.base_url
    fake.push_message(USER, "a chat to send to")
    if inject == "refused":
        base_url = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    elif inject == "dropped":
        fake.drop_next("sendMessage", after_delivery=True)
    else:
        fake.fail_next("sendMessage", int(inject))
    error = await failure_of(fake, base_url)
    assert isinstance(error, NetworkError)
    assert (was_not_carried_out(error), may_have_arrived(error)) == (retried, may_have_arrived_)
