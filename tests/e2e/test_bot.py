"""The Telegram layer with the real model: what the fake embedder cannot decide.

Answers across languages (an English question quoting an Indonesian article), which passage
answers a group's question, and more sources than the first: these need real similarities.
The rest of the bot's behaviour is tested in tests/unit/test_bot.py with the fake embedder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import Application

from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import build_application
from tests.helpers.bot_driver import (
    ASK_EN,
    ASK_ID,
    GROUP,
    USER,
    ask,
    long_article_service,
    message_id,
    polling,
    press,
    seed_text,
)
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def service(real_service: QuoteService) -> QuoteService:
    return real_service


async def test_an_english_question_about_an_indonesian_article_gets_english_labels(
    fake: FakeTelegram, bot: Application
) -> None:
    [answer] = await ask(fake, ASK_EN, language_code="en")
    assert any("Amerika Serikat" in q for q in answer.spans("blockquote"))
    assert "Sources" in answer.spans("bold") and "paragraph 8" in answer.text
    assert "Full paragraph [1]" in [b["text"] for b in answer.buttons]


@pytest.mark.parametrize("fake_privacy", [True, False], ids=["privacy-on", "privacy-off"])
async def test_in_groups_only_messages_addressed_to_the_bot_are_answered(fake: FakeTelegram, bot: Application) -> None:
    group = {"chat_id": GROUP, "chat_type": "supergroup"}
    chatter = fake.push_message(text=ASK_ID, **group)  # a question, but not to the bot
    [by_mention] = await ask(fake, f"@kutip_test_bot {ASK_ID}", **group)
    [by_reply] = await ask(fake, ASK_EN, reply_to_message=by_mention.message_id, **group)
    [by_command] = await ask(fake, f"/ask@kutip_test_bot {ASK_ID}", **group)
    for answer in (by_mention, by_reply, by_command):
        assert any("Amerika Serikat" in q for q in answer.spans("blockquote"))
    # Updates of one chat are handled in order, so the chatter was skipped, not merely late.
    assert message_id(chatter) not in [m.reply_to_message_id for m in fake.sent]
    assert len(fake.sent) == 3


async def test_more_sources_button_shows_further_quotes(fake: FakeTelegram, bot: Application) -> None:
    [answer] = await ask(fake, ASK_ID, language_code="id")
    [more] = await press(fake, answer, "Sumber lain")
    assert more.spans("bold")[0] == "Bagian lain yang mungkin membantu:"
    assert more.spans("blockquote") and all(q in seed_text() for q in more.spans("blockquote"))
    numbers = [span for span in more.spans("bold") if span.startswith("[")]
    assert numbers and "[1]" not in numbers  # the further quotes go on from the answer's numbering


async def test_old_buttons_answer_politely_after_the_index_changed(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings, tmp_path: Path
) -> None:
    async with polling(build_application(service, bot_settings)):
        [answer] = await ask(fake, ASK_EN)
    other_index = long_article_service(tmp_path / "other")
    async with polling(build_application(other_index, bot_settings)):
        for label in ("Full paragraph [1]", "More sources"):
            [data] = [b["callback_data"] for b in answer.buttons if b["text"] == label]
            fake.push_callback_query(USER, answer.message_id, data)
        gone, no_more = await fake.wait_for_calls("answerCallbackQuery", 2)
    assert gone.params["text"] == "That article is no longer in my index."
    assert no_more.params["text"] == "No further sources for this question."
    assert len(fake.sent) == 1


async def test_the_answer_is_bold_inside_its_quote(fake: FakeTelegram, bot: Application) -> None:
    [answer] = await ask(fake, "Siapa CEO Kantor Berita Yonhap?", language_code="id")
    [quote] = [q for q in answer.spans("blockquote") if "Cho Sung-boo" in q]
    assert "Cho Sung-boo" in answer.spans("bold")
    assert quote in seed_text()
