"""Admins grow the library from Telegram while the bot answers; seeds/ and feeds change under it.

The real application polling the fake Bot API (updates, getFile, file downloads) through PTB's
client, a local news site with an RSS feed on 127.0.0.1, and the fake embedder
(tests/e2e/test_live_library.py repeats the link-to-answer path with the real model).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.helpers.bot_driver import ADMIN, USER, quoted, running, say
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.news_server import DAM, FLOOD, NewsServer, news_page, rss_feed

pytestmark = pytest.mark.timeout(60)

MARKET = [
    "Harga cabai rawit di Pasar Induk Kramat Jati naik menjadi Rp 95.000 per kilogram pekan ini.",
    "Pedagang menyebut pasokan dari Jawa Tengah berkurang karena gagal panen akibat hujan.",
    "Dinas Ketahanan Pangan berjanji menggelar operasi pasar mulai Senin depan.",
]
TRAIN = [
    "Kereta cepat Whoosh mencatat 30.000 penumpang pada hari libur nasional, rekor tertinggi sejauh ini.",
    "Operator menambah dua perjalanan tambahan antara Halim dan Tegalluar untuk melayani lonjakan.",
    "Tiket untuk akhir pekan depan dilaporkan sudah habis terjual sejak Rabu.",
]
FERRY = [
    "Kapal feri Bahari Nusantara kandas di perairan Selat Sunda pada Sabtu dini hari karena cuaca buruk.",
    "Sebanyak 312 penumpang dievakuasi dengan selamat ke Pelabuhan Merak oleh tim SAR gabungan.",
    "Syahbandar menunda seluruh penyeberangan selama enam jam sampai gelombang mereda.",
]
SCHOOL = [
    "Pemerintah Kota Surabaya membuka 40 sekolah rakyat gratis untuk anak dari keluarga prasejahtera.",
    "Setiap sekolah rakyat menampung 120 murid dengan asrama, seragam dan makan tiga kali sehari.",
    "Pendaftaran dibuka sampai akhir Januari melalui kelurahan masing-masing.",
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def site() -> AsyncIterator[NewsServer]:
    with NewsServer() as server:
        server.page("/rss", rss_feed([]), kind="application/rss+xml")
        yield server


@pytest.fixture
def live_settings(settings: Settings, fake: FakeTelegram, site: NewsServer) -> Settings:
    return replace(
        settings, telegram_token=fake.token, telegram_api_base_url=fake.base_url,
        admin_user_ids=frozenset({ADMIN}), refresh_seconds=0.1, feeds=(site.url("/rss"),), feed_seconds=0.2,
        allow_private_urls=True, fetch_timeout=5.0,
    )  # fmt: skip


def seed_files(seeds: Path) -> list[str]:
    return sorted(p.relative_to(seeds).as_posix() for p in seeds.rglob("*") if p.is_file() and p.suffix == ".md")


async def test_the_library_grows_and_shrinks_while_the_bot_answers(
    fake: FakeTelegram, site: NewsServer, live_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = live_settings.seeds_dir
    async with running(live_settings, FakeEmbedder()):
        # An admin sends a link.
        reply = await say(fake, ADMIN, site.page("/banjir", news_page("Banjir merendam Bekasi", FLOOD)))
        assert reply.text.startswith("Added “Banjir merendam Bekasi”: ") and "You can ask about it now." in reply.text
        assert await quoted(fake, "Berapa warga Bekasi yang mengungsi ke masjid?", FLOOD[1], within=1)
        # An admin uploads a .md file.
        fake.push_document(ADMIN, "cabai.md", ("# Harga cabai rawit naik\n\n" + "\n".join(MARKET)).encode())
        [_, reply] = await fake.wait_for_messages(ADMIN, 2, timeout=10)
        assert reply.text.startswith("Added “Harga cabai rawit naik”") and fake.downloads
        assert await quoted(fake, "Berapa harga cabai rawit per kilogram di Pasar Induk?", MARKET[0], within=1)
        # An admin pastes text under /add.
        reply = await say(fake, ADMIN, "/add\nRekor penumpang kereta cepat\n" + "\n".join(TRAIN))
        assert reply.text.startswith("Added “Rekor penumpang kereta cepat”")
        assert await quoted(fake, "Berapa penumpang kereta cepat Whoosh pada hari libur?", TRAIN[0], within=1)
        # Someone drops a file into seeds/.
        (seeds / "feri.md").write_text("# Feri kandas di Selat Sunda\n\n" + "\n".join(FERRY), encoding="utf-8")
        assert await quoted(fake, "Berapa penumpang feri yang dievakuasi ke Pelabuhan Merak?", FERRY[1])
        # The feed gains an item.
        school = site.page("/sekolah", news_page("Judul di halaman", SCHOOL))
        site.page(
            "/rss", rss_feed([{"title": "Surabaya buka sekolah rakyat", "link": school}]), kind="application/rss+xml"
        )
        assert await quoted(fake, "Berapa murid yang ditampung setiap sekolah rakyat Surabaya?", SCHOOL[1])
        assert "Surabaya buka sekolah rakyat" in (await say(fake, USER, "/sources")).text
        # The same link again is reported, not added twice.
        reply = await say(fake, ADMIN, site.url("/banjir"))
        assert reply.text.startswith("That article is already in the library: “Banjir merendam Bekasi”")
        # /remove makes an article disappear from answers.
        reply = await say(fake, ADMIN, "/remove Harga cabai rawit naik")
        assert reply.text == "Removed “Harga cabai rawit naik”. It no longer appears in answers."
        assert not await quoted(fake, "Berapa harga cabai rawit per kilogram di Pasar Induk?", MARKET[0], within=0.5)
        assert "Harga cabai rawit naik" not in (await say(fake, USER, "/sources")).text
        reply = await say(fake, ADMIN, "/remove Harga cabai rawit naik")
        assert reply.text == "No article has the id or title “Harga cabai rawit naik”. /sources lists them."
        kept = seed_files(seeds)
    # After a restart every confirmed article still answers, from the files alone.
    async with running(live_settings, FakeEmbedder()):
        assert await quoted(fake, "Berapa warga Bekasi yang mengungsi ke masjid?", FLOOD[1], within=1)
        assert await quoted(fake, "Berapa murid yang ditampung setiap sekolah rakyat Surabaya?", SCHOOL[1], within=1)
    assert len(kept) == 4 and all(name.startswith("added/") for name in kept if "feri" not in name)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_non_admins_are_refused_and_nothing_changes(
    fake: FakeTelegram, site: NewsServer, live_settings: Settings
) -> None:
    refusal = "Only the library's editors can add or remove articles."
    url = site.page("/bendungan", news_page("Bendungan Sukamahi diisi", DAM))
    async with running(live_settings, FakeEmbedder()) as service:
        before = seed_files(live_settings.seeds_dir)
        assert (await say(fake, USER, url)).text.startswith(refusal)
        assert (await say(fake, USER, "/add\nBendungan\n" + "\n".join(DAM))).text.startswith(refusal)
        assert (await say(fake, USER, "/remove 000_fa119bf131a3472f")).text.startswith(refusal)
        fake.push_document(USER, "bendungan.md", "\n".join(DAM).encode(), caption="/add")
        [*_, reply] = await fake.wait_for_messages(USER, 4)
        assert reply.text.startswith(refusal)
        assert seed_files(live_settings.seeds_dir) == before and fake.downloads == []
        assert site.requests == [] or site.requests == ["/rss"] * len(site.requests)
        assert [s.article.id for s in service.sources()] == ["000_fa119bf131a3472f"]


async def test_admins_get_clear_reasons_when_an_article_cannot_be_added(
    fake: FakeTelegram, site: NewsServer, live_settings: Settings
) -> None:
    settings = replace(live_settings, max_fetch_bytes=50_000, allow_private_urls=False, feeds=())
    async with running(settings, FakeEmbedder()):
        reply = await say(fake, ADMIN, site.page("/banjir", news_page("Banjir", FLOOD)))
        assert reply.text == "That link leads into a private network, so I won't fetch it."
        fake.push_document(ADMIN, "laporan.pdf", b"%PDF-1.7", mime_type="application/pdf")
        fake.push_document(ADMIN, "besar.txt", b"x" * 60_000)
        replies = await fake.wait_for_messages(ADMIN, 3)
        assert replies[1].text == "I can read web pages and .txt, .md or .html files only."
        assert replies[2].text == "That is larger than the 0.0476837 MB limit."
        assert (await say(fake, ADMIN, "/add")).text.startswith("To add an article, send me its link")
        assert site.requests == []


async def test_a_removal_the_library_cannot_make_is_explained(fake: FakeTelegram, live_settings: Settings) -> None:
    async with running(live_settings, FakeEmbedder()):
        reply = await say(fake, ADMIN, "/remove 000_fa119bf131a3472f")
        assert reply.text.startswith("I couldn't remove that: '000_fa119bf131a3472f' is the only article")
        for text in (MARKET, TRAIN):
            reply = await say(fake, ADMIN, "/add\nKabar pekan ini\n" + "\n".join(text))
            assert reply.text.startswith("Added “Kabar pekan ini”")
        reply = await say(fake, ADMIN, "/remove Kabar pekan ini")
        assert reply.text.startswith("I couldn't remove that: 2 articles are titled 'Kabar pekan ini'")
