"""The kept exchanges: found by any of their messages, only in their own chat and topic, until they expire."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers import Answer
from bot.conversations import HOUR, Conversations, Place, exchange_of
from bot.service import QuoteService
from index import Context

CHAT = Place(1001)
KEEP = 24 * HOUR


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def conversations(tmp_path: Path, clock: Clock) -> Conversations:
    return Conversations(tmp_path / "data" / "conversations.sqlite", KEEP, clock)


@pytest.fixture
def answer(service: QuoteService) -> Answer:
    return service.ask("Siapa CEO Kantor Berita Yonhap?")


def test_an_exchange_is_found_by_its_question_and_every_part_of_its_answer(
    conversations: Conversations, answer: Answer
) -> None:
    conversations.remember(CHAT, [5, 6, 7], answer)
    for message_id in (5, 6, 7):
        remembered = conversations.recall(CHAT, message_id)
        assert remembered is not None and remembered.exchange == exchange_of(answer)
    assert conversations.recall(CHAT, 8) is None


def test_nothing_crosses_chats_or_topics(conversations: Conversations, answer: Answer) -> None:
    group_topic = Place(-1_001_234_567_890, topic_id=3)
    conversations.remember(group_topic, [10, 11], answer)
    assert conversations.recall(Place(-1_001_234_567_890, topic_id=4), 11) is None
    assert conversations.recall(Place(-1_001_234_567_890), 11) is None
    assert conversations.recall(Place(-1_009_999_999_999, topic_id=3), 11) is None
    assert conversations.latest(Place(-1_001_234_567_890, topic_id=4), HOUR) is None
    assert conversations.recall(group_topic, 11) is not None


def test_exchanges_expire(conversations: Conversations, answer: Answer, clock: Clock) -> None:
    conversations.remember(CHAT, [5, 6], answer)
    clock.now += KEEP - 1
    assert conversations.recall(CHAT, 6) is not None
    clock.now += 2
    assert conversations.recall(CHAT, 6) is None and conversations.latest(CHAT, KEEP) is None


def test_the_latest_exchange_only_counts_within_the_window(
    conversations: Conversations, service: QuoteService, clock: Clock
) -> None:
    conversations.remember(CHAT, [1, 2], service.ask("Siapa CEO Kantor Berita Yonhap?"))
    clock.now += 60
    conversations.remember(CHAT, [3, 4], service.ask("Rudal apa yang diuji Korea Utara?"))
    latest = conversations.latest(CHAT, 600)
    assert latest is not None and latest.exchange.question == "Rudal apa yang diuji Korea Utara?"
    clock.now += 601
    assert conversations.latest(CHAT, 600) is None and conversations.recall(CHAT, 1) is not None


def test_forget_clears_one_chat_in_every_topic(conversations: Conversations, answer: Answer) -> None:
    conversations.remember(CHAT, [1, 2], answer)
    conversations.remember(Place(-1_001_234_567_890, topic_id=3), [1, 2], answer)
    conversations.remember(Place(2002), [1, 2], answer)
    conversations.forget(-1_001_234_567_890)
    assert conversations.recall(Place(-1_001_234_567_890, topic_id=3), 2) is None
    assert conversations.recall(CHAT, 2) is not None and conversations.recall(Place(2002), 2) is not None


def test_a_follow_up_keeps_the_context_it_was_asked_in_across_a_restart(
    conversations: Conversations, answer: Answer, service: QuoteService, tmp_path: Path, clock: Clock
) -> None:
    context = Context(exchange_of(answer), replying=True, quoted="Kantor Berita Yonhap")
    follow_up = service.ask_in_context("kantornya di mana?", context)
    conversations.remember(CHAT, [9, 10], follow_up)
    reopened = Conversations(tmp_path / "data" / "conversations.sqlite", KEEP, clock)
    remembered = reopened.recall(CHAT, 10)
    assert remembered is not None and remembered.context == context
    assert follow_up.follow_up is not None and remembered.exchange.understood == follow_up.follow_up.understood


def test_nothing_is_kept_when_context_hours_is_zero(tmp_path: Path, answer: Answer) -> None:
    off = Conversations(tmp_path / "off.sqlite", 0)
    off.remember(CHAT, [1], answer)
    assert off.recall(CHAT, 1) is None and off.latest(CHAT, 600) is None
