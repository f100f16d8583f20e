"""The terminal chat, driven through stdin of a real `kutip chat` process with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import SEED
from tests.helpers.cli_process import run_kutip

pytestmark = pytest.mark.e2e


def test_terminal_chat_answers_lists_sources_and_quits(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    env = {
        "KUTIP_SEEDS_DIR": str(seeds),
        "KUTIP_DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": "",
    }
    stdin = (
        "/sources\nSiapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?\n\n"
        "Bagaimana cara membuat rendang yang empuk?\n/quit\n"
    )
    done = run_kutip(["run"], env, tmp_path, stdin, timeout=240)
    out = done.stdout
    assert "starting the terminal chat" in done.stderr
    assert "Presiden Rusia Vladimir Putin menyerukan" in out  # /sources lists the derived title
    assert "[1] “" in out and "menyalahkan Amerika Serikat" in out
    assert "paragraf 8" in out
    assert "Silakan ajukan pertanyaan" in out or "Please ask a question" in out
    assert "tidak menemukan jawabannya" in out  # the off-topic question is declined in Indonesian
    assert "Traceback" not in done.stderr
