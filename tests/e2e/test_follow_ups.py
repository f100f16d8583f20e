"""Follow-up questions with the real model: replies and quotes through the local Bot API server,
across a restart, and `kutip ask` JSON lines with `after`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import build_application
from tests.helpers import SEED
from tests.helpers.bot_driver import USER, polling, reply, say
from tests.helpers.cli_process import run_kutip
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(60)

YONHAP = "Siapa CEO Kantor Berita Yonhap?"
SEOUL = "Kantor Berita Yonhap di Seoul"
APPROACH = "Pendekatan apa yang dipilih Moskow untuk denuklirisasi Korea Utara?"


@pytest.fixture
def service(real_service: QuoteService) -> QuoteService:
    return real_service


async def test_replies_and_quoted_replies_follow_up_across_a_restart(
    fake: FakeTelegram, service: QuoteService, bot_settings: Settings
) -> None:
    async with polling(build_application(service, bot_settings)):
        ceo = await say(fake, USER, YONHAP)
        office = await reply(fake, USER, ceo.message_id, "kantornya di mana?")
        approach = await say(fake, USER, APPROACH)
        meaning = await reply(fake, USER, approach.message_id, "maksudnya apa?", quote="pendekatan bertahap")
    assert "Cho Sung-boo" in ceo.spans("bold")
    assert office.text.startswith(f"↪ {YONHAP}\n") and SEOUL in office.spans("blockquote")[0]
    assert meaning.text.startswith(f"↪ {APPROACH}") and "langkah-langkah timbal balik" in meaning.spans("blockquote")[0]
    # A new application over the same data folder, as after a restart: yesterday's answer still follows up.
    async with polling(build_application(service, bot_settings)):
        asked = await reply(fake, USER, ceo.message_id, "dia ngomong apa ke Putin?")
        blame = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
        self_contained = await reply(fake, USER, ceo.message_id, blame)
        alone = await say(fake, USER + 1, blame)
    assert asked.text.startswith(f"↪ {YONHAP}") and "mengomentari isu nuklir" in asked.spans("blockquote")[0]
    assert (self_contained.text, self_contained.entities) == (alone.text, alone.entities)
    assert "menyalahkan Amerika Serikat" in self_contained.spans("blockquote")[0]


def test_kutip_ask_answers_a_json_line_after_its_chain(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    env = {"KUTIP_SEEDS_DIR": str(tmp_path / "seeds"), "KUTIP_DATA_DIR": str(tmp_path / "data")}
    lines = [json.dumps({"question": "kantornya di mana?", "after": [YONHAP]}), "kantornya di mana?"]
    done = run_kutip(["ask"], env, tmp_path, "\n".join(lines) + "\n", timeout=240)
    follow_up, plain = [json.loads(line) for line in done.stdout.splitlines()]
    assert follow_up["follow_up_of"] == YONHAP and SEOUL in follow_up["citations"][0]["quote"]
    assert plain["follow_up_of"] is None
    assert "Traceback" not in done.stderr
