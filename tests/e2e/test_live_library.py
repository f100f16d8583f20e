"""Adding an article by link with the real model: from the admin's message to a quoted answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.settings import Settings
from index import Embedder
from tests.helpers.bot_driver import ADMIN, quoted, running, say
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.news_server import FLOOD, NewsServer, news_page

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def site() -> Iterator[NewsServer]:
    with NewsServer() as server:
        yield server


async def test_a_link_sent_by_an_admin_is_answered_with_the_real_model(
    fake: FakeTelegram, site: NewsServer, settings: Settings, real_embedder: Embedder
) -> None:
    started = time.monotonic()
    async with running(
        replace(
            settings,
            telegram_token=fake.token,
            telegram_api_base_url=fake.base_url,
            admin_user_ids=frozenset({ADMIN}),
            allow_private_urls=True,
            refresh_seconds=0.1,
            fetch_timeout=5.0,
        ),
        real_embedder,
    ):
        reply = await say(fake, ADMIN, site.page("/banjir", news_page("Banjir merendam Bekasi", FLOOD)), timeout=30)
        assert reply.text.startswith("Added “Banjir merendam Bekasi”")
        assert await quoted(fake, "Berapa warga Bekasi yang mengungsi?", "4.200 warga", within=5)
    assert time.monotonic() - started < 60
