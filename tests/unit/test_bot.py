"""The Telegram layer: the real application, driven through PTB's own client by the fake Bot API,
with the fake embedder."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import ALLOWED_UPDATES, build_application, install_redaction, set_commands
from tests.helpers.bot_driver import (
    ADMIN,
    ASK_EN,
    ASK_ID,
    GROUP,
    OFF_TOPIC,
    PARAGRAPH_8,
    SECRET,
    SEED_TITLE,
    USER,
    ask,
    long_article_service,
    message_id,
    polling,
    press,
    seed_text,
)
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.fake_telegram_text import format_text

pytestmark = pytest.mark.timeout(30)

# Start-up failures need no model: a stub service keeps each `kutip bot` run near one second.
RUN_BOT_WITHOUT_MODEL = (
    "import sys; from bot import cli; from bot.telegram import app; "
    "app.open_service = lambda *args, **kwargs: None; sys.exit(cli.main(['bot']))"
)


def many_articles_service(root: Path, count: int) -> QuoteService:
    """The fake embedder over `count` short articles with long titles, as from a JSONL export."""
    (root / "seeds").mkdir(parents=True)
    rows = [
        {"id": f"a{n}", "title": f"Berita nomor {n} tentang harga beras di pasar Jakarta pekan ini",
         "text": f"Harga beras di pasar {n} naik."}
        for n in range(count)
    ]  # fmt: skip
    (root / "seeds" / "news.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return QuoteService.open(Settings(seeds_dir=root / "seeds", data_dir=root / "data"), FakeEmbedder())[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- commands and answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language_code", "greeting", "examples"),
    [("en", "Hi! I'm Kutip.", "What did Putin say about"), ("id", "Halo! Saya Kutip.", "Apa kata Putin tentang")],
)
async def test_start_greets_lists_the_article_and_suggests_two_questions(
    fake: FakeTelegram, bot: Application, language_code: str, greeting: str, examples: str
) -> None:
    [reply] = await ask(fake, "/start", language_code=language_code)
    assert reply.text.startswith(greeting)
    assert SEED_TITLE in reply.text
    suggestions = reply.spans("code")
    assert len(suggestions) == 2 and suggestions[0].startswith(examples)
    assert all(q.endswith("?") for q in suggestions)


async def test_the_command_menu_is_set_in_both_languages(fake: FakeTelegram, bot: Application) -> None:
    await set_commands(bot)
    menus = {key.split("|")[1]: [c["command"] for c in commands] for key, commands in fake.commands.items()}
    everyone = ["start", "ask", "sources", "forget", "help"]
    assert menus == {"": everyone, "id": everyone}


async def test_help_and_sources_describe_the_bot(fake: FakeTelegram, bot: Application) -> None:
    [help_text] = await ask(fake, "/help")
    [sources] = await ask(fake, "/sources", language_code="id")
    assert "/ask" in help_text.spans("bot_command") and "/sources" in help_text.text
    assert sources.spans("bold") == ["Artikel yang saya ketahui:"]
    assert SEED_TITLE in sources.text and "bagian" in sources.text


async def test_start_with_many_articles_is_split_into_messages(
    fake: FakeTelegram, bot_settings: Settings, tmp_path: Path
) -> None:
    async with polling(build_application(many_articles_service(tmp_path / "many", 150), bot_settings)):
        fake.push_message(USER, "/start")
        parts = await fake.wait_for_messages(USER, 3)
    assert all(len(p.text.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert parts[0].text.startswith("Hi! I'm Kutip.") and len(parts[-1].spans("code")) == 2
    listed = "\n".join(p.text for p in parts)
    assert all(f"Berita nomor {n} tentang" in listed for n in range(150))


async def test_a_question_is_answered_with_numbered_quotes_sources_and_buttons(
    fake: FakeTelegram, bot: Application
) -> None:
    update = fake.push_message(USER, ASK_ID, language_code="id")
    [answer] = await fake.wait_for_replies(USER, message_id(update))
    quotes = answer.spans("blockquote")
    assert any("menyalahkan Amerika Serikat" in q for q in quotes)
    assert all(q in seed_text() for q in quotes), "quotes are copied word for word"
    assert "[1]" in answer.spans("bold") and "Sumber" in answer.spans("bold")
    assert "[1] " in answer.text and "paragraf 8" in answer.text
    assert next(b["text"] for b in answer.buttons) == "Paragraf lengkap [1]"
    methods = [(c.method, c.params.get("action")) for c in fake.calls if c.method != "getUpdates"]
    assert methods.index(("sendChatAction", "typing")) < methods.index(("sendMessage", None))


@pytest.mark.parametrize(
    ("question", "language_code", "expected"),
    [
        (OFF_TOPIC, "en", "Saya tidak menemukan jawabannya"),  # an Indonesian question
        ("What is the capital of Australia?", "en", "I couldn't find an answer"),
        ("What is the capital of Australia?", "id", "Saya tidak menemukan jawabannya"),  # Telegram in Indonesian
    ],
)
async def test_an_off_topic_question_is_declined_in_the_users_language(
    fake: FakeTelegram, bot: Application, question: str, language_code: str, expected: str
) -> None:
    [reply] = await ask(fake, question, language_code=language_code)
    assert reply.text.startswith(expected)
    assert reply.spans("blockquote") == [] and reply.buttons == []
    assert "/sources" in reply.spans("bot_command")


async def test_an_edited_question_is_answered_like_a_new_one(fake: FakeTelegram, bot: Application) -> None:
    update = fake.push_message(USER, OFF_TOPIC)
    await fake.wait_for_replies(USER, message_id(update))
    fake.push_message(USER, ASK_ID, edited=True)
    declined, answered = await fake.wait_for_replies(USER, message_id(update), count=2)
    assert declined.spans("blockquote") == []
    assert any("menyalahkan Amerika Serikat" in q for q in answered.spans("blockquote"))


async def test_a_question_deleted_before_the_answer_still_gets_it(fake: FakeTelegram, bot: Application) -> None:
    update = fake.push_message(USER, ASK_ID)
    fake.delete_user_message(USER, message_id(update))
    [answer] = await fake.wait_for_messages(USER)
    assert answer.reply_to_message_id is None
    assert any("menyalahkan Amerika Serikat" in q for q in answer.spans("blockquote"))


async def test_questions_in_one_chat_are_answered_in_order(fake: FakeTelegram, bot: Application) -> None:
    first = fake.push_message(USER, ASK_ID)
    second = fake.push_message(USER, OFF_TOPIC)
    other = fake.push_message(USER + 1, ASK_EN)
    await fake.wait_for_replies(USER + 1, message_id(other))
    replies = await fake.wait_for_messages(USER, 2)
    assert [r.reply_to_message_id for r in replies] == [message_id(first), message_id(second)]


# -- groups -----------------------------------------------------------------------------------


# -- buttons ----------------------------------------------------------------------------------


async def test_full_paragraph_button_shows_the_whole_paragraph(fake: FakeTelegram, bot: Application) -> None:
    [answer] = await ask(fake, ASK_ID, language_code="id")
    [paragraph] = await press(fake, answer, "Paragraf lengkap [1]")
    assert paragraph.spans("expandable_blockquote") == [PARAGRAPH_8]
    assert paragraph.spans("bold")[0].startswith("Paragraf 8 dari ")
    [answered] = await fake.wait_for_calls("answerCallbackQuery")
    assert answered.status == 200 and not answered.params.get("text")


async def test_button_data_fits_telegrams_64_bytes(fake: FakeTelegram, bot: Application) -> None:
    for question in (ASK_ID, ASK_EN, "Apa kata Putin tentang Korea Utara?"):
        await ask(fake, question)
    data = [b["callback_data"] for m in fake.sent for b in m.buttons]
    assert len(data) >= 6 and all(1 <= len(d.encode()) <= 64 for d in data)


async def test_buttons_keep_working_after_a_restart(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings
) -> None:
    async with polling(build_application(service, bot_settings)):
        [answer] = await ask(fake, ASK_ID, language_code="id")
    async with polling(build_application(service, bot_settings)):
        [paragraph] = await press(fake, answer, "Paragraf lengkap [1]")
        more = (await press(fake, answer, "Sumber lain", count=2))[1]
    assert paragraph.spans("expandable_blockquote") == [PARAGRAPH_8]
    assert more.spans("blockquote")


# -- long answers, rate limits, formatting ----------------------------------------------------


async def test_a_long_answer_is_split_into_messages_within_the_limits(
    fake: FakeTelegram, bot_settings: Settings, tmp_path: Path
) -> None:
    service = long_article_service(tmp_path / "long")
    async with polling(build_application(service, bot_settings)):
        first, last = await ask(fake, "Berapa persen harga beras naik di pasar Jakarta?", count=2)
        paragraph = await press(fake, last, "Paragraf lengkap [1]", count=2)
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in [first, last, *paragraph])
    assert first.buttons == [] and "Paragraf lengkap [1]" in [b["text"] for b in last.buttons]
    quoted = " ".join(first.spans("blockquote") + last.spans("blockquote"))
    assert "naik 1 persen" in quoted and "naik 120 persen" in quoted
    assert "Harga <beras> & minyak: [1] paragraf 2" in last.text
    assert last.entities[-1]["url"] == "https://contoh.id/harga?a=1&b=2"
    assert all(m.spans("expandable_blockquote") for m in paragraph)
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [200] * 4


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own retry_after
async def test_flood_control_is_waited_out_then_the_answer_sent(fake: FakeTelegram, bot: Application) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    update = fake.push_message(USER, ASK_ID)
    [answer] = await fake.wait_for_replies(USER, message_id(update), timeout=6)
    assert time.monotonic() - started >= 1
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]
    assert any("menyalahkan Amerika Serikat" in q for q in answer.spans("blockquote"))


async def test_rejected_formatting_is_resent_as_plain_text(fake: FakeTelegram, bot: Application) -> None:
    fake.fail_next("sendMessage", 400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0')
    [answer] = await ask(fake, ASK_ID, language_code="id")
    rejected, resent = fake.calls_to("sendMessage")
    assert (rejected.status, resent.status) == (400, 200) and "parse_mode" not in resent.params
    assert answer.text == format_text(rejected.params["text"], "HTML", None)[0], "the same words, unformatted"
    assert answer.spans("blockquote") == []
    assert "<" not in answer.text and "menyalahkan Amerika Serikat" in answer.text
    assert "[1]" in answer.text and "paragraf 8" in answer.text
    assert "Paragraf lengkap [1]" in [b["text"] for b in answer.buttons]


async def test_html_in_a_question_never_breaks_the_reply(fake: FakeTelegram, bot: Application) -> None:
    [answer] = await ask(fake, "Siapa yang disalahkan Putin <b>x</b> & <i>?")
    [declined] = await ask(fake, "Bagaimana cara membuat <b>rendang</b> & <blockquote>padang?")
    [tags_only] = await ask(fake, "/ask <b></b>")
    assert all(c.status == 200 for c in fake.calls)
    assert answer.spans("blockquote") and "x" not in answer.spans("bold")
    assert declined.spans("blockquote") == [] == tags_only.spans("blockquote")


# -- access and odd input ---------------------------------------------------------------------


async def test_unknown_chats_are_refused_and_admins_allowed(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings
) -> None:
    private = replace(bot_settings, allowed_chat_ids=frozenset({GROUP}), admin_user_ids=frozenset({ADMIN}))
    async with polling(build_application(service, private)):
        [refusal] = await ask(fake, ASK_ID)
        typing_before = len(fake.calls_to("sendChatAction"))
        [admin_answer] = await ask(fake, ASK_ID, chat_id=ADMIN)
        [group_answer] = await ask(fake, f"/ask {ASK_ID}", chat_id=GROUP, chat_type="supergroup")
    assert refusal.text == "Sorry, this bot is private." and refusal.buttons == []
    assert typing_before == 0, "nothing is searched for a refused chat"
    assert admin_answer.spans("blockquote") and group_answer.spans("blockquote")


async def test_an_unknown_group_that_addresses_the_bot_is_refused(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings
) -> None:
    other_group = -1_009_999_999_999
    private = replace(bot_settings, allowed_chat_ids=frozenset({GROUP}))
    async with polling(build_application(service, private)):
        fake.push_message(other_group, "@kutip_test_bot " + ASK_ID, chat_type="supergroup")
        [refusal] = await fake.wait_for_messages(other_group, 1)
    assert refusal.text == "Sorry, this bot is private."
    assert not fake.calls_to("sendChatAction")


@pytest.mark.parametrize("kind", ["sticker", "photo"])
async def test_a_sticker_or_photo_gets_a_one_line_hint(fake: FakeTelegram, bot: Application, kind: str) -> None:
    if kind == "sticker":
        fake.push_sticker(USER)
    else:
        fake.push_photo(USER, caption="lihat ini")
    [hint] = await fake.wait_for_messages(USER)
    assert hint.text == "I can only read text. Please send your question as a message."


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("/ask", "Please ask a question, for example: /ask What did Putin say about"),
        ("/ask@kutip_test_bot", "Please ask a question, for example: /ask What did Putin say about"),
        (("Putin " * 200)[:1001], "That question is too long (1001 characters). Please keep it under 1000"),
    ],
    ids=["empty", "addressed", "1001-characters"],
)
async def test_empty_and_overlong_questions_get_polite_messages(
    fake: FakeTelegram, bot: Application, question: str, expected: str
) -> None:
    [reply] = await ask(fake, question)
    assert reply.text.startswith(expected)
    assert fake.calls_to("sendChatAction") == []


# -- webhook, tokens and logs -----------------------------------------------------------------


@pytest.fixture
async def webhook(fake: FakeTelegram, service: QuoteService, bot_settings: Settings) -> AsyncIterator[str]:
    """Kutip receiving updates by webhook; yields the local URL Telegram would post to."""
    port = free_port()
    async with build_application(service, bot_settings) as application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="kutip/hook", secret_token=SECRET,
            webhook_url="https://example.invalid/kutip/hook", allowed_updates=ALLOWED_UPDATES,
        )  # fmt: skip
        try:
            yield f"http://127.0.0.1:{port}/kutip/hook"
        finally:
            await application.updater.stop()
            await application.stop()


async def test_webhook_updates_with_the_secret_are_answered(fake: FakeTelegram, webhook: str) -> None:
    assert fake.webhook is not None and fake.webhook["url"] == "https://example.invalid/kutip/hook"
    update = fake.push_message(USER, ASK_ID)
    assert await fake.post_webhook(webhook, update, secret_token=SECRET) == 200
    [answer] = await fake.wait_for_replies(USER, message_id(update))
    assert any("menyalahkan Amerika Serikat" in q for q in answer.spans("blockquote"))


async def test_webhook_updates_without_the_secret_are_refused(fake: FakeTelegram, webhook: str) -> None:
    forged = fake.push_message(USER, OFF_TOPIC)
    assert await fake.post_webhook(webhook, forged, secret_token="wrong") == 403
    assert await fake.post_webhook(webhook, forged) == 403
    genuine = fake.push_message(USER, ASK_ID)
    assert await fake.post_webhook(webhook, genuine, secret_token=SECRET) == 200
    await fake.wait_for_replies(USER, message_id(genuine))
    assert [m.reply_to_message_id for m in fake.sent] == [message_id(genuine)]


async def test_the_token_never_appears_in_the_logs(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("", "httpx", "httpcore", "telegram"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    install_redaction(fake.token)  # as run_bot does once logging is configured
    async with polling(build_application(service, bot_settings)):
        [answer] = await ask(fake, ASK_ID)
        await press(fake, answer, "Paragraf lengkap [1]")
    assert "HTTP Request: POST" in caplog.text and "/bot<token>/sendMessage" in caplog.text
    assert fake.token not in caplog.text


def bot_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment of `kutip bot`, without any Telegram or Kutip variable of the test run."""
    prefixes = ("TELEGRAM_", "KUTIP_", "WEBHOOK_", "ALLOWED_", "ADMIN_")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    folders = {"KUTIP_SEEDS_DIR": str(tmp_path / "seeds"), "KUTIP_DATA_DIR": str(tmp_path / "data")}
    return {**kept, **folders, "KUTIP_LOG_LEVEL": "DEBUG", **variables}


async def run_kutip(tmp_path: Path, code: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run Python with `code` in a folder without .env; its exit code and standard error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, *code, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    return int(process.returncode or 0), stderr.decode()


async def test_a_missing_token_is_explained(tmp_path: Path) -> None:
    code, stderr = await run_kutip(tmp_path, ["-m", "bot.cli", "bot"], bot_environment(tmp_path))
    assert code == 1
    assert stderr.splitlines()[-1] == (
        "kutip: TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and put it in .env"
    )


async def test_a_rejected_token_is_explained_without_logging_it(fake: FakeTelegram, tmp_path: Path) -> None:
    wrong = "987654321:AAH-a-revoked-token-that-must-stay-secret"
    env = bot_environment(tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=fake.base_url)
    code, stderr = await run_kutip(tmp_path, ["-c", RUN_BOT_WITHOUT_MODEL], env)
    assert code == 1
    assert stderr.splitlines()[-1] == "kutip: Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather"
    assert [c.status for c in fake.calls_to("getMe")] == [401]
    assert "DEBUG" in stderr and wrong.split(":")[1] not in stderr


async def test_an_unreachable_telegram_is_explained(fake: FakeTelegram, tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    env = bot_environment(tmp_path, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=nowhere)
    code, stderr = await run_kutip(tmp_path, ["-c", RUN_BOT_WITHOUT_MODEL], env)
    assert code == 1
    assert stderr.splitlines()[-1].startswith(f"kutip: cannot reach Telegram at {nowhere} (")
    assert fake.token.split(":")[1] not in stderr


async def test_a_taken_webhook_port_is_explained(fake: FakeTelegram, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_environment(
            tmp_path, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url,
            WEBHOOK_URL="https://example.invalid/kutip/hook", WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
        )  # fmt: skip
        code, stderr = await run_kutip(tmp_path, ["-c", RUN_BOT_WITHOUT_MODEL], env)
    assert code == 1
    assert stderr.splitlines()[-1].startswith(f"kutip: cannot listen for the webhook on 127.0.0.1:{port} (")
