"""The fake Bot API behaves like Telegram when python-telegram-bot's real client talks to it."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from tests.helpers.fake_telegram import FakeTelegram

USER = 1001
pytestmark = pytest.mark.timeout(10)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    fake.push_message(USER, "hello")  # a user must write first, or Telegram says "chat not found"
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def build_app(fake: FakeTelegram) -> Application:
    builder = ApplicationBuilder().token(fake.token).base_url(fake.base_url)
    return builder.base_file_url(fake.base_file_url).build()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back, in bold."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(f"<b>{update.effective_message.text}</b>")


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.username, me.is_bot, me.can_read_all_group_messages) == ("kutip_test_bot", True, False)


async def test_a_wrong_token_is_invalid(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:not-the-token", base_url=fake.base_url):
            pass
    assert fake.calls[-1].status == 401


async def test_html_becomes_text_and_entities(bot: Bot, fake: FakeTelegram) -> None:
    html = '<b>Kutipan</b>\n<blockquote>Harga &lt;naik&gt; 5%</blockquote>\n<a href="https://kompas.id/x">sumber</a>'
    message = await bot.send_message(USER, html, parse_mode="HTML")
    sent = fake.sent[-1]
    assert sent.text == message.text == "Kutipan\nHarga <naik> 5%\nsumber"
    assert (sent.spans("bold"), sent.spans("blockquote")) == (["Kutipan"], ["Harga <naik> 5%"])
    assert sent.entities[-1] == {"offset": 24, "length": 6, "type": "text_link", "url": "https://kompas.id/x"}
    assert sent.html == html and [e.type for e in message.entities] == ["bold", "blockquote", "text_link"]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ],
)
async def test_bad_html_cannot_be_parsed(bot: Bot, fake: FakeTelegram, html: str, reason: str) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(USER, html, parse_mode="HTML")
    assert fake.calls[-1].description == f"Bad Request: can't parse entities: {reason}"
    assert fake.sent == []


async def test_length_is_counted_in_utf16_after_parsing(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(USER, "😀" * 2048)  # two UTF-16 units each
    for too_long in ("a" * 4097, "😀" * 2048 + "a"):
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(USER, too_long)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>\n", parse_mode="HTML")
    assert len(fake.sent) == 2


async def test_callback_data_is_at_most_64_bytes(bot: Bot, fake: FakeTelegram) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Sumber", callback_data=data)]])

    await bot.send_message(USER, "ok", reply_markup=keyboard("a" * 64))
    for data in ("a" * 65, "é" * 33):
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(USER, "too much", reply_markup=keyboard(data))
    assert fake.sent[0].buttons == [{"text": "Sumber", "callback_data": "a" * 64}]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after_is_raised_then_honoured_by_the_rate_limiter(fake: FakeTelegram) -> None:
    fake.push_message(USER, "hi")
    fake.fail_next("sendMessage", 429, retry_after=1, times=2)
    async with ExtBot(fake.token, base_url=fake.base_url) as plain:
        with pytest.raises(RetryAfter):
            await plain.send_message(USER, "first")
    limiter = AIORateLimiter(max_retries=2)
    async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=limiter) as patient:
        started = time.monotonic()
        await patient.send_message(USER, "second")
    assert time.monotonic() - started >= 1
    assert [call.status for call in fake.calls_to("sendMessage")] == [429, 429, 200]


@pytest.mark.parametrize("inject", ["drop", "502"])
async def test_network_failures_become_network_errors(bot: Bot, fake: FakeTelegram, inject: str) -> None:
    if inject == "drop":
        fake.drop_next("sendMessage")
    else:
        fake.fail_next("sendMessage", 502)  # nginx's HTML page, which PTB cannot parse
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    assert (await bot.send_message(USER, "again")).text == "again"


async def test_a_response_dropped_after_delivery_is_a_network_error_too(bot: Bot, fake: FakeTelegram) -> None:
    fake.drop_next("sendMessage", after_delivery=True)
    with pytest.raises(NetworkError, match="Server disconnected without sending a response"):
        await bot.send_message(USER, "delivered")
    fake.drop_next("sendMessage")
    with pytest.raises(NetworkError, match="Server disconnected without sending a response"):
        await bot.send_message(USER, "lost")
    assert [m.text for m in fake.sent] == ["delivered"]
    assert [c.status for c in fake.calls_to("sendMessage")] == [0, 0]


async def test_edits_replace_text_and_drop_an_omitted_keyboard(bot: Bot, fake: FakeTelegram) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Lagi", callback_data="more")]])
    sent = await bot.send_message(USER, "<i>Mencari…</i>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await sent.edit_text("<i>Mencari…</i>", parse_mode="HTML", reply_markup=markup)
    await sent.edit_text("Ketemu")
    assert fake.message(USER, sent.message_id).buttons == []
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(USER + 1, "stranger")


async def test_a_reply_to_a_deleted_message_must_allow_sending_without_it(bot: Bot, fake: FakeTelegram) -> None:
    question = fake.push_message(USER, "pertanyaan")["message"]["message_id"]
    fake.delete_user_message(USER, question)
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(USER, "jawaban", reply_parameters=ReplyParameters(question))
    anyway = ReplyParameters(question, allow_sending_without_reply=True)
    assert (await bot.send_message(USER, "jawaban", reply_parameters=anyway)).reply_to_message is None
    [reply] = await fake.wait_for_messages(USER)
    assert reply.reply_to_message_id is None


async def test_a_reply_that_quotes_part_of_a_message_carries_the_quote(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "CEO Yonhap: <b>Cho Sung-boo</b> di Seoul", parse_mode="HTML")
    fake.push_message(USER, "siapa dia?", reply_to_message=sent.message_id, quote="Sung-boo di")
    [update] = [u for u in await bot.get_updates() if u.message and u.message.text == "siapa dia?"]
    quote = update.message.quote
    assert quote is not None and update.message.reply_to_message.message_id == sent.message_id
    assert (quote.text, quote.position, quote.is_manual) == ("Sung-boo di", 16, True)
    assert [(e.type, e.offset, e.length) for e in quote.entities] == [("bold", 0, 8)]  # clipped to the quote
    with pytest.raises(ValueError, match="copies its text"):
        fake.push_message(USER, "maksudnya?", reply_to_message=sent.message_id, quote="Busan")
    with pytest.raises(BadRequest, match="(?i)quote_text_invalid"):
        await bot.send_message(USER, "bukan", reply_parameters=ReplyParameters(sent.message_id, quote="Busan"))


async def test_forum_topics_keep_their_messages_and_replies(bot: Bot, fake: FakeTelegram) -> None:
    group = -1_001_234_567_890
    topic = fake.open_topic(group, "Nuklir")
    fake.push_message(group, "/ask@kutip_test_bot siapa?", chat_type="supergroup", topic=topic)
    [created, asked] = [u.message for u in await bot.get_updates() if u.message and u.message.chat.id == group]
    assert created.forum_topic_created.name == "Nuklir" and created.chat.is_forum
    assert (asked.is_topic_message, asked.message_thread_id) == (True, topic)
    assert asked.reply_to_message.message_id == topic  # every message in a topic replies to its first
    answer = await asked.reply_text("jawaban")
    assert (answer.message_thread_id, fake.sent[-1].message_thread_id) == (topic, topic)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(group, "ke mana?", message_thread_id=topic + 100)
    with pytest.raises(ValueError, match="no topic"):
        fake.push_message(group, "salah", chat_type="supergroup", topic=topic + 100)


async def test_group_privacy_and_automatic_entities(bot: Bot, fake: FakeTelegram) -> None:
    group = -1_001_234_567_890
    fake.push_message(group, "ngobrol biasa", chat_type="supergroup")
    fake.push_message(group, "/ask@kutip_test_bot harga beras?", chat_type="supergroup")
    fake.push_message(group, "@kutip_test_bot kapan?", chat_type="supergroup")
    in_group = [u.message for u in await bot.get_updates() if u.message and u.message.chat.id == group]
    assert [m.text for m in in_group] == ["/ask@kutip_test_bot harga beras?", "@kutip_test_bot kapan?"]
    assert [e.type for m in in_group for e in m.entities] == ["bot_command", "mention"]
    assert [u["message"]["text"] for u in fake.undelivered] == ["ngobrol biasa"]


async def test_an_application_answers_over_polling(fake: FakeTelegram) -> None:
    app = build_app(fake)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0)
        fake.push_message(USER, "Apa kata menteri?")
        [reply] = await fake.wait_for_messages(USER, 1)
        await app.updater.stop()
        await app.stop()
    assert (reply.text, reply.spans("bold")) == ("Apa kata menteri?", ["Apa kata menteri?"])
    methods = [call.method for call in fake.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"] and "getUpdates" in methods


async def test_webhook_updates_carry_the_secret(fake: FakeTelegram) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = build_app(fake)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="tg",
            webhook_url="https://kutip.example/tg", secret_token="s3cret",
        )  # fmt: skip
        update = fake.push_message(USER, "lewat webhook")
        local = f"http://127.0.0.1:{port}/tg"
        assert await fake.post_webhook(local, update, secret_token="wrong") == 403
        assert await fake.post_webhook(local, update, secret_token=fake.webhook_secret) == 200
        [reply] = await fake.wait_for_messages(USER, 1)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "lewat webhook"
    with pytest.raises(BadRequest, match="(?i)HTTPS URL must be provided"):
        async with Bot(fake.token, base_url=fake.base_url) as plain:
            await plain.set_webhook(local)  # what PTB registers when no webhook_url is given
