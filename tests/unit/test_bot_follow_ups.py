"""Follow-up questions through the Telegram layer: replies, quotes, private chats, groups and topics,
/forget and restarts, with the fake embedder."""

from __future__ import annotations

from dataclasses import replace

import pytest
from telegram.ext import Application

from bot.conversations import exchange_of
from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import build_application
from index import Context
from tests.helpers.bot_driver import ASK_ID, GROUP, USER, ask, message_id, polling, press, reply, say
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_telegram import FakeTelegram, SentMessage

pytestmark = pytest.mark.timeout(30)

YONHAP = "Siapa CEO Kantor Berita Yonhap?"
SEOUL = "Kantor Berita Yonhap di Seoul"
CONTINUED = f"↪ {YONHAP}"
IN_GROUP = {"chat_type": "supergroup"}


def first_quote(quotes: list[str]) -> str:
    return quotes[0] if quotes else ""


async def say_in_group(fake: FakeTelegram, text: str, topic: int | None = None) -> SentMessage:
    """Someone writes `text` in the group (in `topic`); the bot's reply."""
    update = fake.push_message(GROUP, text, topic=topic, **IN_GROUP)
    [answer] = await fake.wait_for_replies(GROUP, message_id(update))
    return answer


async def test_a_reply_to_an_answer_is_answered_as_its_follow_up(fake: FakeTelegram, bot: Application) -> None:
    answer = await say(fake, USER, YONHAP)
    follow_up = await reply(fake, USER, answer.message_id, "kantornya di mana?")
    assert follow_up.text.startswith(CONTINUED + "\n") and follow_up.spans("italic") == [CONTINUED]
    assert SEOUL in first_quote(follow_up.spans("blockquote"))
    alone = await say(fake, USER + 1, "kantornya di mana?")  # another chat: nothing to continue
    assert not alone.text.startswith("↪") and SEOUL not in first_quote(alone.spans("blockquote"))


async def test_a_reply_to_the_question_an_answer_replied_to_follows_it_up_too(
    fake: FakeTelegram, bot: Application
) -> None:
    update = fake.push_message(USER, YONHAP)
    await fake.wait_for_replies(USER, message_id(update))
    follow_up = await reply(fake, USER, message_id(update), "kantornya di mana?")
    assert follow_up.text.startswith(CONTINUED) and SEOUL in first_quote(follow_up.spans("blockquote"))


async def test_a_quoted_part_of_the_answer_is_what_the_follow_up_asks_about(
    fake: FakeTelegram, bot: Application
) -> None:
    answer = await say(fake, USER, ASK_ID)
    assert "menyalahkan Amerika Serikat" in first_quote(answer.spans("blockquote"))
    fragment = "runtuhnya KTT Hanoi pada 2019"  # from the second quote of the answer
    follow_up = await reply(fake, USER, answer.message_id, "maksudnya apa?", quote=fragment)
    assert follow_up.text.startswith(f"↪ {ASK_ID}") and fragment in first_quote(follow_up.spans("blockquote"))


async def test_a_self_contained_reply_is_answered_as_if_asked_alone(fake: FakeTelegram, bot: Application) -> None:
    answer = await say(fake, USER, YONHAP)
    after = await reply(fake, USER, answer.message_id, ASK_ID)
    alone = await say(fake, USER + 1, ASK_ID)
    assert (after.text, after.entities) == (alone.text, alone.entities)


async def test_in_a_private_chat_a_follow_up_needs_no_reply_a_moment_after(
    fake: FakeTelegram, bot: Application
) -> None:
    await say(fake, USER, ASK_ID)
    why = await say(fake, USER, "kenapa?")
    assert why.text.startswith(f"↪ {ASK_ID}") and why.spans("blockquote")
    new_question = await say(fake, USER, YONHAP)  # names its own subject: asked on its own
    assert not new_question.text.startswith("↪")


async def test_with_no_follow_up_window_only_replies_follow_up(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings
) -> None:
    async with polling(build_application(service, replace(bot_settings, follow_up_minutes=0))):
        answer = await say(fake, USER, ASK_ID)
        why = await say(fake, USER, "kenapa?")
        replied = await reply(fake, USER, answer.message_id, "kenapa?")
    assert why.spans("blockquote") == [] and not why.text.startswith("↪")
    assert replied.text.startswith(f"↪ {ASK_ID}")


async def test_in_groups_a_reply_to_kutip_follows_up_and_a_mention_does_not(
    fake: FakeTelegram, bot: Application
) -> None:
    answer = await say_in_group(fake, f"@kutip_test_bot {YONHAP}")
    follow_up = await reply(fake, GROUP, answer.message_id, "kantornya di mana?", **IN_GROUP)
    mention = await say_in_group(fake, "@kutip_test_bot kantornya di mana?")
    assert follow_up.text.startswith(CONTINUED) and SEOUL in first_quote(follow_up.spans("blockquote"))
    assert not mention.text.startswith("↪")


async def test_forum_topics_keep_their_own_conversations(fake: FakeTelegram, bot: Application) -> None:
    nuclear, other = fake.open_topic(GROUP, "Nuklir"), fake.open_topic(GROUP, "Lain")
    answer = await say_in_group(fake, f"/ask {YONHAP}", topic=nuclear)
    follow_up = await reply(fake, GROUP, answer.message_id, "kantornya di mana?", topic=nuclear, **IN_GROUP)
    elsewhere = await say_in_group(fake, "/ask kantornya di mana?", topic=other)
    assert (answer.message_thread_id, follow_up.message_thread_id, elsewhere.message_thread_id) == (
        nuclear,
        nuclear,
        other,
    )
    assert follow_up.text.startswith(CONTINUED) and not elsewhere.text.startswith("↪")


async def test_forget_clears_the_chats_history_only(fake: FakeTelegram, bot: Application) -> None:
    answer = await say(fake, USER, YONHAP)
    other = await say(fake, USER + 1, YONHAP)
    [forgotten] = await ask(fake, "/forget")
    assert forgotten.text.startswith("Done: I have forgotten this chat's earlier questions.")
    after = await reply(fake, USER, answer.message_id, "kantornya di mana?")
    assert not after.text.startswith("↪")
    assert (await reply(fake, USER + 1, other.message_id, "kantornya di mana?")).text.startswith(CONTINUED)


async def test_a_reply_to_a_message_that_is_no_exchange_is_a_plain_question(
    fake: FakeTelegram, bot: Application
) -> None:
    [help_text] = await ask(fake, "/help")
    after_help = await reply(fake, USER, help_text.message_id, "kantornya di mana?")
    chatter = fake.push_message(GROUP, "Yonhap itu apa ya", user_id=777, **IN_GROUP)["message"]["message_id"]
    in_group = await reply(fake, GROUP, chatter, "@kutip_test_bot kenapa?", **IN_GROUP)
    assert not after_help.text.startswith("↪") and after_help.spans("blockquote")
    assert not in_group.text.startswith("↪")
    assert all(call.status == 200 for call in fake.calls)


async def test_more_sources_of_a_follow_up_come_from_the_question_in_its_context(
    fake: FakeTelegram, bot: Application, service: QuoteService
) -> None:
    answer = await say(fake, USER, YONHAP)
    follow_up = await reply(fake, USER, answer.message_id, "kantornya di mana?")
    [more] = await press(fake, follow_up, "Sumber lain")
    expected = service.ask_in_context("kantornya di mana?", Context(exchange_of(service.ask(YONHAP))))
    assert more.spans("blockquote") == [c.quote for c in expected.more]
    assert expected.more != service.ask("kantornya di mana?").more


async def test_a_reply_to_an_answer_from_before_a_restart_still_follows_it_up(
    fake: FakeTelegram, settings: Settings, bot_settings: Settings, embedder: FakeEmbedder
) -> None:
    async with polling(build_application(QuoteService.open(settings, embedder)[0], bot_settings)):
        answer = await say(fake, USER, YONHAP)
    restarted = QuoteService.open(settings, embedder)[0]  # a new process: the index and conversations from disk
    async with polling(build_application(restarted, bot_settings)):
        follow_up = await reply(fake, USER, answer.message_id, "kantornya di mana?")
    assert follow_up.text.startswith(CONTINUED) and SEOUL in first_quote(follow_up.spans("blockquote"))
