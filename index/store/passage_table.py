"""The SQLite file of the FAISS store: articles and passages, read a few rows per question.

A passage's text is not stored twice: it is the slice [start, end) of its article's text,
cut by SQLite (substr counts characters, as Python slices do).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from index.text.articles import Article
from index.text.passages import Passage, Sentence

_SCHEMA = """
CREATE TABLE articles (id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, url TEXT,
    published TEXT, lang TEXT, source TEXT NOT NULL);
CREATE TABLE passages (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL
    REFERENCES articles(id), paragraph INTEGER NOT NULL, paragraph_end INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, sentences TEXT NOT NULL);
"""
_ARTICLE_COLUMNS = "id, title, text, url, published, lang, source"
_PASSAGE_QUERY = """SELECT p.row, p.id, p.article_id, p.paragraph, p.paragraph_end, p.start, p."end",
    substr(a.text, p.start + 1, p."end" - p.start), p.sentences
    FROM passages p JOIN articles a ON a.id = p.article_id"""


def write_table(path: Path, articles: Sequence[Article], passages: Sequence[Passage]) -> None:
    """Write a new table file; row i of `passages` is passage key i."""
    with sqlite3.connect(path) as connection:
        connection.executescript(_SCHEMA)
        connection.executemany(
            f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(a.id, a.title, a.text, a.url, a.published, a.lang, a.source) for a in articles],
        )
        connection.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (row, p.id, p.article_id, p.paragraph, p.paragraph_end, p.start, p.end, sentences_json(p))
                for row, p in enumerate(passages)
            ],
        )
    connection.close()


def sentences_json(passage: Passage) -> str:
    return json.dumps([[s.start, s.end, s.paragraph] for s in passage.sentences])


def passage_from_row(row: Sequence[Any]) -> Passage:
    """A passage from (id, article_id, paragraph, paragraph_end, start, end, text, sentences json)."""
    pid, aid, first, last, start, end, text, sentences = row
    return Passage(
        id=pid,
        article_id=aid,
        paragraph=int(first),
        paragraph_end=int(last),
        start=int(start),
        end=int(end),
        text=text,
        sentences=tuple(Sentence(*triple) for triple in json.loads(sentences)),
    )


class PassageTable:
    """A read-only connection to one table file, shared by the threads answering questions."""

    def __init__(self, path: Path) -> None:
        # Opened once: the file stays readable after a newer generation replaces its folder.
        self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def _rows(self, query: str, parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(query, parameters).fetchall()

    def article_ids(self) -> list[str]:
        return [str(row[0]) for row in self._rows("SELECT id FROM articles ORDER BY rowid")]

    def article(self, article_id: str) -> Article:
        [row] = self._rows(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        aid, title, text, url, published, lang, source = row
        return Article(
            id=str(aid),
            title=str(title),
            text=str(text),
            url=_optional(url),
            published=_optional(published),
            lang=_optional(lang),
            source=str(source),
        )

    def passages(self, keys: Sequence[int]) -> dict[int, Passage]:
        """The passages of rows `keys`, by row."""
        wanted = [int(key) for key in keys]
        marks = ",".join("?" * len(wanted))
        rows = self._rows(f"{_PASSAGE_QUERY} WHERE p.row IN ({marks})", wanted)
        return {row[0]: passage_from_row(row[1:]) for row in rows}

    def all_passages(self) -> list[Passage]:
        """Every passage in row order (for a build that keeps unchanged articles)."""
        return [passage_from_row(row[1:]) for row in self._rows(f"{_PASSAGE_QUERY} ORDER BY p.row")]

    def passage_counts(self) -> dict[str, int]:
        rows = self._rows("SELECT article_id, count(*) FROM passages GROUP BY article_id")
        return {str(aid): int(count) for aid, count in rows}

    def passage_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM passages")[0][0])

    def close(self) -> None:
        self._connection.close()


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
