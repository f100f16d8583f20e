"""The living library: extraction, duplicates, the private-address guard, removal, refresh swaps, feeds.

Pages come from a local news site on 127.0.0.1; the index uses the fake embedder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.live.feed_poller import FeedPoller
from bot.live.refresher import Refresher
from bot.service import QuoteService
from bot.settings import Settings
from index.errors import (
    AmbiguousTitleError,
    ArticleNotFoundError,
    DuplicateError,
    ExtractionError,
    FetchError,
    LastArticleError,
    PrivateAddressError,
    TooLargeError,
    UnsupportedTypeError,
)
from index.seeds import fetching
from index.seeds.extraction import Draft, draft_from_file, draft_from_text, extract_html
from index.seeds.fetching import Fetcher
from index.seeds.folder import add_article, add_from_url, remove_article
from index.text.articles import read_articles
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.news_server import DAM, FLOOD, NewsServer, news_page, rss_feed

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def site() -> Iterator[NewsServer]:
    with NewsServer() as server:
        yield server


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    client = Fetcher(allow_private=True, timeout=1.0, max_bytes=200_000)
    yield client
    client.close()


# -- extraction -------------------------------------------------------------------------------


def test_a_news_page_gives_its_title_paragraphs_date_and_language() -> None:
    draft = extract_html(news_page("Banjir merendam Bekasi", FLOOD), "http://127.0.0.1/banjir")
    assert draft.title == "Banjir merendam Bekasi"
    assert draft.text.split("\n\n") == FLOOD, "navigation, headline and footer left out"
    assert (draft.published, draft.lang, draft.url) == ("2026-11-20", "id", "http://127.0.0.1/banjir")


def test_a_page_without_an_article_is_refused() -> None:
    with pytest.raises(ExtractionError, match="no article text"):
        extract_html(b"<html><body><nav><a href='/a'>Satu</a> <a href='/b'>Dua</a></nav></body></html>")


def test_pasted_text_has_its_title_on_the_first_line() -> None:
    draft = draft_from_text("Bendungan Sukamahi diisi\n\n" + "\n".join(DAM))
    assert (draft.title, draft.text) == ("Bendungan Sukamahi diisi", "\n".join(DAM))
    with pytest.raises(ExtractionError, match="title on the first line"):
        draft_from_text("Judul saja\nterlalu pendek")


def test_files_are_read_by_their_kind() -> None:
    markdown = ("---\ntitle: Bendungan\nurl: https://contoh.id/bendungan\n---\n" + "\n".join(DAM)).encode()
    assert draft_from_file("bendungan.md", markdown).url == "https://contoh.id/bendungan"
    assert draft_from_file("banjir.html", news_page("Banjir", FLOOD)).title == "Banjir"
    with pytest.raises(UnsupportedTypeError):
        draft_from_file("laporan.pdf", b"%PDF-1.7")


# -- adding, duplicates, removal ----------------------------------------------------------------


def test_an_added_article_is_a_plain_seed_file_read_back_the_same(seeds: Path) -> None:
    draft = Draft('Banjir: "Bekasi" terendam', "\n\n".join(FLOOD), "https://kabar.id/banjir", "2026-11-20", "id")
    article = add_article(seeds, draft, "telegram user 2002")
    path = seeds / "added" / f"{article.id}.md"
    assert article.id.startswith("banjir-bekasi-terendam-")
    assert path.read_text(encoding="utf-8").startswith('---\ntitle: "Banjir: "Bekasi" terendam"\n')
    assert 'added_by: "telegram user 2002"' in path.read_text(encoding="utf-8")
    [reread] = [a for a in read_articles(seeds).articles if a.id == article.id]
    assert reread == article
    assert (reread.title, reread.url, reread.published, reread.lang) == (draft.title, draft.url, "2026-11-20", "id")
    assert not [p for p in (seeds / "added").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "copy",
    [
        Draft(
            "Judul lain",
            "lain sama sekali, tapi alamatnya sama " * 10,
            url="https://KABAR.id/banjir/?utm_source=x#atas",
        ),
        Draft("Judul lain", "  ".join(FLOOD).upper()),
    ],
    ids=["same-url", "same-text"],
)
def test_a_duplicate_is_reported_and_not_added(seeds: Path, copy: Draft) -> None:
    first = add_article(seeds, Draft("Banjir", "\n".join(FLOOD), "https://kabar.id/banjir"), "cli")
    before = sorted(p.name for p in (seeds / "added").iterdir())
    with pytest.raises(DuplicateError) as raised:
        add_article(seeds, copy, "cli")
    assert (raised.value.existing_id, raised.value.existing_title) == (first.id, "Banjir")
    assert sorted(p.name for p in (seeds / "added").iterdir()) == before


def test_remove_by_id_or_exact_title_including_a_jsonl_line(seeds: Path) -> None:
    (seeds / "news.jsonl").write_text('{"id": "j1", "text": "Satu dua tiga."}\n{"id": "j2", "text": "Empat lima."}\n')
    added = add_article(seeds, Draft("Bendungan Sukamahi", "\n".join(DAM)), "cli")
    assert remove_article(seeds, "bendungan SUKAMAHI").id == added.id
    assert remove_article(seeds, "j1").id == "j1"
    assert [a.id for a in read_articles(seeds).articles] == ["000_fa119bf131a3472f", "j2"]
    with pytest.raises(ArticleNotFoundError, match="no article has the id or title 'nope'"):
        remove_article(seeds, "nope")


def test_a_title_two_articles_share_and_the_last_article_are_refused_by_kind(seeds: Path) -> None:
    twins = [add_article(seeds, Draft("Banjir", text), "cli") for text in ("\n".join(FLOOD), "\n".join(DAM))]
    with pytest.raises(AmbiguousTitleError, match="2 articles are titled 'Banjir'"):
        remove_article(seeds, "Banjir")
    for twin in twins:
        remove_article(seeds, twin.id)
    [seed] = read_articles(seeds).articles
    with pytest.raises(LastArticleError, match="is the only article"):
        remove_article(seeds, seed.id)


# -- fetching: limits and private addresses ---------------------------------------------------


def test_urls_that_lead_to_private_addresses_are_refused_by_default(site: NewsServer) -> None:
    url = site.page("/banjir", news_page("Banjir", FLOOD))
    guarded = Fetcher(timeout=2.0)
    for address in (url, url.replace("127.0.0.1", "localhost")):
        with pytest.raises(PrivateAddressError, match="KUTIP_ALLOW_PRIVATE_URLS=1"):
            guarded.fetch(address)
    assert site.requests == [], "refused before connecting"
    assert fetching.is_public_address("93.184.216.34") and not fetching.is_public_address("169.254.169.254")


def test_a_redirect_to_a_private_address_is_refused(site: NewsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Play a public site (127.0.0.1 counted public) that redirects into the intranet (127.0.0.2).
    monkeypatch.setattr(fetching, "is_public_address", lambda address: address == "127.0.0.1")
    start = site.redirect("/go", f"http://127.0.0.2:{site.port}/admin")
    with pytest.raises(PrivateAddressError, match="127.0.0.2"):
        Fetcher(timeout=2.0).fetch(start)
    assert site.requests == ["/go"]


def test_size_type_time_out_and_errors_have_clear_reasons(seeds: Path, site: NewsServer, fetcher: Fetcher) -> None:
    big = site.page("/besar", b"<p>" + b"x" * 300_000 + b"</p>")
    slow = site.page("/lambat", news_page("Lambat", FLOOD))
    site.delays["/lambat"] = 1.5
    with pytest.raises(TooLargeError, match="over the 0.2 MB limit"):
        fetcher.fetch(big)
    with pytest.raises(FetchError, match="did not answer within 1 s"):
        fetcher.fetch(slow)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(site.url("/hilang"))
    with pytest.raises(FetchError, match="not an http or https URL"):
        fetcher.fetch("file:///etc/passwd")
    pdf = site.page("/laporan.pdf", b"%PDF-1.7", kind="application/pdf")
    with pytest.raises(UnsupportedTypeError):
        add_from_url(seeds, fetcher, pdf, "cli")


def test_adding_a_url_records_where_it_ended_up(seeds: Path, site: NewsServer, fetcher: Fetcher) -> None:
    final = site.page("/2026/11/banjir", news_page("Banjir merendam Bekasi", FLOOD))
    article = add_from_url(seeds, fetcher, site.redirect("/s/abc", final), "cli")
    assert (article.title, article.url, article.text.split("\n\n")) == ("Banjir merendam Bekasi", final, FLOOD)
    with pytest.raises(DuplicateError):
        add_from_url(seeds, fetcher, final + "?utm_campaign=x", "cli")
    assert site.requests == ["/s/abc", "/2026/11/banjir"], "a known URL is not fetched again"


# -- the refresh swap -------------------------------------------------------------------------


class GatedEmbedder(FakeEmbedder):
    """The fake embedder whose document encoding waits for `gate`: a build held mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.building = threading.Event()
        self.armed = False

    def encode_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if self.armed:
            self.armed = False  # the build's passages wait; the new searcher's background does not
            self.building.set()
            self.gate.wait(10)
        return super().encode_documents(texts, progress)


def test_questions_are_answered_from_the_previous_index_while_a_refresh_runs(settings: Settings) -> None:
    embedder = GatedEmbedder()
    service = QuoteService.open(settings, embedder)[0]
    embedder.armed = True  # the next build waits at the gate
    refresher = Refresher(service, replace(settings, refresh_seconds=0.05))
    old = service.generation
    add_article(settings.seeds_dir, Draft("Bendungan Sukamahi", "\n".join(DAM)), "cli")
    refresher.start()
    try:
        assert embedder.building.wait(5)
        started = time.monotonic()
        answer = service.ask("Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?")
        assert answer.answered and time.monotonic() - started < 2, "no question waits for a build"
        assert service.generation is old
        embedder.gate.set()
        deadline = time.monotonic() + 5
        while service.generation is old and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        refresher.stop()
    answer = service.ask("Berapa meter kubik air banjir yang dapat ditahan bendungan Sukamahi?")
    assert answer.answered and "1,68 juta meter kubik" in answer.citations[0].quote
    assert [s.article.title for s in service.sources()][-1] == "Bendungan Sukamahi"


def test_a_refresh_notices_hand_edits_and_an_index_built_elsewhere(settings: Settings) -> None:
    service = QuoteService.open(settings, FakeEmbedder())[0]
    refresher = Refresher(service, settings)
    assert refresher.refresh_now() is False, "open() left the index up to date"
    assert refresher.refresh_now() is False, "nothing changed: no build"
    (settings.seeds_dir / "bendungan.md").write_text("# Bendungan Sukamahi\n\n" + "\n".join(DAM), encoding="utf-8")
    assert refresher.refresh_now() is True and service.has_article("bendungan")
    other = QuoteService.open(settings, FakeEmbedder())[0]  # e.g. `kutip remove` in a terminal
    (settings.seeds_dir / "bendungan.md").unlink()
    QuoteService.open(settings, FakeEmbedder())
    assert other.has_article("bendungan")
    assert Refresher(other, settings).refresh_now() is True and not other.has_article("bendungan")


# -- feeds ------------------------------------------------------------------------------------


def test_each_feed_item_is_added_once_with_the_feeds_title_and_date(
    seeds: Path, site: NewsServer, fetcher: Fetcher
) -> None:
    flood = site.page("/banjir", news_page("Judul halaman", FLOOD))
    dam = site.page("/bendungan", news_page("Bendungan", DAM))
    items = [{"title": "Banjir merendam Bekasi", "link": flood, "guid": "kabar-1"}]
    feed = site.page("/rss", rss_feed(items), kind="application/rss+xml")
    requested: list[int] = []
    poller = FeedPoller([feed], seeds, fetcher, 60, lambda: requested.append(1))
    [article] = poller.poll_once()
    assert (article.title, article.published, article.url) == ("Banjir merendam Bekasi", "2026-11-21", flood)
    assert poller.poll_once() == [] and requested == [1]
    remove_article(seeds, article.id)
    site.page(
        "/rss", rss_feed([*items, {"title": "Bendungan Sukamahi diisi", "link": dam}]), kind="application/rss+xml"
    )
    assert [a.title for a in poller.poll_once()] == ["Bendungan Sukamahi diisi"], "a removed item stays removed"
    assert poller.status[feed].items == 2 and poller.status[feed].added == 2
