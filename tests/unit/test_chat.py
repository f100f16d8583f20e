"""The terminal chat's replies, with the fake embedder."""

from __future__ import annotations

import io

from bot.chat import run_chat
from bot.service import QuoteService
from bot.settings import Settings
from tests.helpers.fake_embedder import FakeEmbedder


def test_chat_answers_lists_sources_refuses_huge_input_and_quits(settings: Settings, embedder: FakeEmbedder) -> None:
    service = QuoteService.open(settings, embedder)[0]
    stdin = io.StringIO(
        "/sources\n/ask Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?\n"
        + "x" * 1001
        + "\n/quit\nnever read\n"
    )
    stdout = io.StringIO()
    assert run_chat(settings, stdin, stdout, service) == 0
    out = stdout.getvalue()
    assert "Articles I know:" in out and "passages)" in out
    assert "[1] “" in out and "Sumber:" in out
    assert "1001 characters" in out
    assert "never read" not in out


def test_chat_ends_quietly_at_end_of_input(settings: Settings, embedder: FakeEmbedder) -> None:
    service = QuoteService.open(settings, embedder)[0]
    assert run_chat(settings, io.StringIO(""), io.StringIO(), service) == 0


def test_chat_follows_up_on_its_last_answer_until_forgotten(settings: Settings, embedder: FakeEmbedder) -> None:
    service = QuoteService.open(settings, embedder)[0]
    stdin = io.StringIO("Siapa CEO Kantor Berita Yonhap?\nkantornya di mana?\n/forget\nkantornya di mana?\n")
    stdout = io.StringIO()
    run_chat(settings, stdin, stdout, service)
    replies = stdout.getvalue().split("kutip> ")[1:]
    assert not replies[0].startswith("↪")
    assert replies[1].startswith("↪ Siapa CEO Kantor Berita Yonhap?\n") and "Yonhap di Seoul" in replies[1]
    assert replies[2].startswith("Forgotten:")
    assert not replies[3].startswith("↪")
