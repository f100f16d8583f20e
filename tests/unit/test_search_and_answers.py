"""Hybrid search and answer composition over a small corpus with the fake embedder."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bot.service import QuoteService
from bot.settings import Settings
from index.answering.pipeline import AnswerOptions
from index.answering.search import Searcher
from index.building import refresh_index
from index.store import open_store
from index.store.base import StoreConfig
from tests.helpers.fake_embedder import FakeEmbedder

CORPUS = [
    {"id": "rice", "title": "Harga beras", "text": "Harga beras di Jakarta naik tajam pekan ini. Pedagang mengeluh."},
    {"id": "flood", "title": "Banjir", "text": "Banjir merendam ratusan rumah di Bekasi. Warga mengungsi ke masjid."},
    {"id": "train", "title": "Kereta", "text": "Kereta cepat Jakarta Bandung mulai beroperasi. Tiketnya mahal."},
    {"id": "chess", "title": "Catur", "text": "Pecatur muda Indonesia menang di turnamen Belanda."},
]


@pytest.fixture
def corpus_service(tmp_path: Path, embedder: FakeEmbedder) -> QuoteService:
    seeds = tmp_path / "corpus"
    seeds.mkdir()
    (seeds / "news.jsonl").write_text("\n".join(json.dumps(row) for row in CORPUS), encoding="utf-8")
    settings = Settings(seeds_dir=seeds, data_dir=tmp_path / "data", top_k=4)
    return QuoteService.open(settings, embedder)[0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Berapa rumah yang direndam banjir di Bekasi?", "flood"),
        ("Kapan kereta cepat beroperasi?", "train"),
        ("Siapa yang menang turnamen catur?", "chess"),
        ("harga beras naik", "rice"),
    ],
)
def test_the_article_that_holds_the_answer_comes_first(
    corpus_service: QuoteService, question: str, expected: str
) -> None:
    hits = corpus_service.answerer.searcher.search(question, k=4).hits
    assert hits[0].passage.article_id == expected
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_quotes_are_exact_article_text_with_paragraphs(corpus_service: QuoteService) -> None:
    answer = corpus_service.ask("Ke mana warga mengungsi saat banjir?")
    assert answer.answered
    first = answer.citations[0]
    article = corpus_service.stored.articles[first.article_id]
    assert first.quote == article.text[first.start : first.end]
    assert first.quote == "Warga mengungsi ke masjid."
    assert (first.n, first.paragraph, first.title) == (1, 1, "Banjir")


def test_unrelated_questions_are_declined_without_quotes(corpus_service: QuoteService) -> None:
    answer = corpus_service.ask("Bagaimana cara membuat rendang padang?")
    assert not answer.answered
    assert answer.citations == () and answer.more == ()
    assert answer.hits  # the hits are still reported, for --json


def test_citations_are_numbered_and_never_repeat_a_quote(seeds: Path, tmp_path: Path, embedder: FakeEmbedder) -> None:
    data = tmp_path / "data"
    refresh_index(seeds, data, embedder, max_tokens=30)
    stored = open_store(data, StoreConfig(), embedder.name, embedder.dimension)
    service = QuoteService(stored, embedder, AnswerOptions(top_k=8))
    answer = service.ask("Putin menyalahkan Amerika Serikat atas kebuntuan negosiasi nuklir")
    shown = answer.citations + answer.more
    assert [c.n for c in shown] == list(range(1, len(shown) + 1))
    spans = [(c.start, c.end) for c in shown]
    assert all(a[1] <= b[0] or b[1] <= a[0] for i, a in enumerate(spans) for b in spans[i + 1 :])
    text = stored.articles["000_fa119bf131a3472f"].text
    assert all(text[c.start : c.end] == c.quote for c in shown)
    assert answer.citations[0].quote.startswith("Vladimir Putin menyalahkan Amerika Serikat (AS)")
    assert answer.citations[0].paragraph == 8


def test_example_questions_name_who_and_what_the_articles_mention(settings: Settings, embedder: FakeEmbedder) -> None:
    service = QuoteService.open(settings, embedder)[0]
    assert service.example_questions("en")[0] == "What did Putin say about Korea Utara?"
    assert service.example_questions("id")[0] == "Apa kata Putin tentang Korea Utara?"
    assert len(service.example_questions("id")) == 2


def test_swapping_in_an_index_reuses_the_background_vectors(settings: Settings, embedder: FakeEmbedder) -> None:
    service = QuoteService.open(settings, embedder)[0]
    encoded = embedder.documents_encoded
    service.swap(service.stored)
    assert embedder.documents_encoded == encoded
    assert service.ask("Putin menyalahkan Amerika Serikat atas kebuntuan negosiasi nuklir").answered


def test_a_passage_in_another_language_than_the_question_is_ranked_on_the_dense_score(
    tmp_path: Path, embedder: FakeEmbedder
) -> None:
    seeds = tmp_path / "mixed"
    seeds.mkdir()
    rows = [
        {"id": "id", "text": "Banjir merendam ratusan rumah di kota itu dan warga mengungsi ke masjid.", "lang": "id"},
        {"id": "en", "text": "The flood in the city covered hundreds of houses and the people fled.", "lang": "en"},
    ]
    (seeds / "news.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    refresh_index(seeds, tmp_path / "data", embedder)
    store = open_store(tmp_path / "data", StoreConfig(), embedder.name, embedder.dimension)
    question = "What did the flood cover in the city?"
    # All dense for the other language, all BM25 for the same: each passage's score is one of its two.
    hits = Searcher(store, embedder, dense_weight=0.0, cross_language_weight=1.0).search(question, 2).hits
    by_language = {hit.passage.article_id: hit for hit in hits}
    dense = [hit.dense for hit in hits]
    lexical = [hit.lexical for hit in hits]
    assert by_language["en"].score == pytest.approx(scaled(by_language["en"].lexical, lexical))
    assert by_language["id"].score == pytest.approx(scaled(by_language["id"].dense, dense))


def scaled(value: float, values: list[float]) -> float:
    """`value` min-max scaled over `values`, as search scales each retriever's scores."""
    return (value - min(values)) / (max(values) - min(values)) if max(values) > min(values) else float(value > 0)
