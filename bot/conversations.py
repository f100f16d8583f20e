"""The exchanges a follow-up can continue, kept per chat, forum topic and message in SQLite."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.answers import Answer
from bot.settings import Settings
from index import Context, Exchange

CONVERSATIONS_FILE = "conversations.sqlite"  # in the data folder, beside the index
HOUR = 3600.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    asked_at REAL NOT NULL,
    exchange TEXT NOT NULL,
    context TEXT
);
CREATE INDEX IF NOT EXISTS exchanges_by_place ON exchanges (chat_id, topic_id, asked_at);
CREATE TABLE IF NOT EXISTS messages (
    chat_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    exchange_id INTEGER NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, topic_id, message_id)
);
CREATE INDEX IF NOT EXISTS messages_by_exchange ON messages (exchange_id);
"""


@dataclass(frozen=True)
class Place:
    """Where a conversation goes on: a chat, and the forum topic in it (0 outside topics)."""

    chat_id: int
    topic_id: int = 0


@dataclass(frozen=True)
class Remembered:
    """An answered question, and the context it was answered in when it was a follow-up."""

    exchange: Exchange
    context: Context | None


def exchange_of(answer: Answer) -> Exchange:
    """What a follow-up of `answer` leans on: its question, cited articles and passages, and bold answer."""
    cited = answer.citations
    return Exchange(
        question=answer.question,
        understood=answer.follow_up.understood if answer.follow_up else answer.question,
        article_ids=tuple(dict.fromkeys(c.article_id for c in cited)),
        passage_ids=tuple(c.passage_id for c in cited),
        answer=cited[0].answer.text if cited and cited[0].answer else None,
    )


class Conversations:
    """Answered questions by the messages that hold them (the question and every part of its
    answer), each kept for `keep_seconds` (0: none kept). Nothing is looked up across chats or
    topics. Each call opens its own connection, so the handlers' threads may share one."""

    def __init__(self, path: Path, keep_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.keep_seconds = keep_seconds
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            # Write-ahead logging: a reader never waits for a writer, and a commit costs no fsync
            # of the whole file (synchronous=NORMAL below); losing the last exchanges in a power
            # cut only turns their replies into plain questions.
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)

    @classmethod
    def open(cls, settings: Settings) -> Conversations:
        """The conversations of the data folder, kept KUTIP_CONTEXT_HOURS."""
        return cls(settings.data_dir / CONVERSATIONS_FILE, settings.context_hours * HOUR)

    def remember(self, place: Place, message_ids: Sequence[int], answer: Answer) -> None:
        """Keep `answer`'s exchange under each of `message_ids`; expired exchanges go meanwhile."""
        if self.keep_seconds <= 0:
            return
        now = self.clock()
        context = answer.follow_up.context if answer.follow_up else None
        row = (place.chat_id, place.topic_id, now, _dumps(exchange_of(answer)), _dumps(context))
        with self._connect() as db:
            db.execute("DELETE FROM exchanges WHERE asked_at < ?", (now - self.keep_seconds,))
            cursor = db.execute(
                "INSERT INTO exchanges (chat_id, topic_id, asked_at, exchange, context) VALUES (?, ?, ?, ?, ?)", row
            )
            db.executemany(
                "INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?)",
                [(place.chat_id, place.topic_id, message_id, cursor.lastrowid) for message_id in message_ids],
            )

    def recall(self, place: Place, message_id: int) -> Remembered | None:
        """The exchange message `message_id` of `place` belongs to; None when unknown or expired."""
        with self._connect() as db:
            row = db.execute(
                "SELECT e.exchange, e.context FROM messages AS m JOIN exchanges AS e ON e.id = m.exchange_id "
                "WHERE m.chat_id = ? AND m.topic_id = ? AND m.message_id = ? AND e.asked_at >= ?",
                (place.chat_id, place.topic_id, message_id, self.clock() - self.keep_seconds),
            ).fetchone()
        return _remembered(row)

    def latest(self, place: Place, within_seconds: float) -> Remembered | None:
        """The last exchange of `place` if it was asked within `within_seconds` (and has not expired)."""
        since = self.clock() - min(within_seconds, self.keep_seconds)
        with self._connect() as db:
            row = db.execute(
                "SELECT exchange, context FROM exchanges WHERE chat_id = ? AND topic_id = ? AND asked_at >= ? "
                "ORDER BY asked_at DESC, id DESC LIMIT 1",
                (place.chat_id, place.topic_id, since),
            ).fetchone()
        return _remembered(row)

    def forget(self, chat_id: int) -> None:
        """Forget every exchange of the chat, in all its topics."""
        with self._connect() as db:
            db.execute("DELETE FROM exchanges WHERE chat_id = ?", (chat_id,))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction on a connection of its own, committed unless it raised, then closed."""
        with closing(sqlite3.connect(self.path, timeout=10.0)) as db:
            db.execute("PRAGMA foreign_keys = ON")  # the messages of a deleted exchange go with it
            db.execute("PRAGMA synchronous = NORMAL")
            with db:
                yield db


def _dumps(record: Exchange | Context | None) -> str | None:
    return None if record is None else json.dumps(asdict(record), ensure_ascii=False)


def _remembered(row: tuple[str, str | None] | None) -> Remembered | None:
    if row is None:
        return None
    exchange, context = row
    return Remembered(_exchange(json.loads(exchange)), _context(json.loads(context)) if context else None)


def _exchange(fields: dict[str, Any]) -> Exchange:
    return Exchange(
        fields["question"],
        fields["understood"],
        tuple(fields["article_ids"]),
        tuple(fields["passage_ids"]),
        fields["answer"],
    )


def _context(fields: dict[str, Any]) -> Context:
    return Context(_exchange(fields["earlier"]), fields["replying"], fields["quoted"])
