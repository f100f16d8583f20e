"""Updates run concurrently across chats and in order within one chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.telegram.app import PerChatProcessor


def update_in(chat_id: int, update_id: int) -> Update:
    message = Message(update_id, datetime.now(UTC), Chat(chat_id, Chat.PRIVATE), text="q")
    return Update(update_id, message=message)


async def test_one_chat_waits_for_its_earlier_update_while_another_chat_goes_on() -> None:
    processor = PerChatProcessor(8)
    finished: list[str] = []

    async def handle(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    await asyncio.gather(
        processor.process_update(update_in(1, 1), handle("chat 1, first (slow)", 0.2)),
        processor.process_update(update_in(1, 2), handle("chat 1, second", 0.0)),
        processor.process_update(update_in(2, 3), handle("chat 2", 0.05)),
    )
    assert finished == ["chat 2", "chat 1, first (slow)", "chat 1, second"]
    assert processor._locks == {}, "no lock is kept for a quiet chat"
