"""Passages: sentence windows within a token budget that cover the whole article."""

from __future__ import annotations

import itertools
import shutil

import pytest

from index.text.articles import Article, read_articles
from index.text.passages import Passage, Sentence, locate_sentences, split_passages
from tests.helpers import SEED

# Five three-word sentences over three paragraphs.
FIVE = "One two three. Four five six.\n\nSeven eight nine. Ten eleven twelve.\n\nThirteen fourteen fifteen."


def count_words(text: str) -> int:
    """A deterministic stand-in for the embedder's tokenizer."""
    return len(text.split())


def article(text: str) -> Article:
    """An article whose title appears nowhere in its text."""
    return Article(id="art", title="Judul Rahasia", text=text)


def windows(passages: list[Passage]) -> list[str]:
    """Return the passage texts."""
    return [p.text for p in passages]


@pytest.fixture(scope="module")
def seed_article(tmp_path_factory: pytest.TempPathFactory) -> Article:
    """The real seed article, loaded and cleaned."""
    folder = tmp_path_factory.mktemp("seeds")
    shutil.copy(SEED, folder)
    return read_articles(folder).articles[0]


def test_sentences_are_numbered_by_paragraph() -> None:
    assert locate_sentences(FIVE) == [
        Sentence(0, 14, 1),
        Sentence(15, 29, 1),
        Sentence(31, 48, 2),
        Sentence(49, 67, 2),
        Sentence(69, 95, 3),
    ]


def test_windows_overlap_by_one_sentence_and_cross_paragraphs() -> None:
    passages = split_passages(article(FIVE), count_words, max_tokens=6)
    assert windows(passages) == [
        "One two three. Four five six.",
        "Four five six.\n\nSeven eight nine.",
        "Seven eight nine. Ten eleven twelve.",
        "Ten eleven twelve.\n\nThirteen fourteen fifteen.",
    ]
    assert [(p.id, p.paragraph, p.paragraph_end) for p in passages] == [
        ("art#0", 1, 1),
        ("art#1", 1, 2),
        ("art#2", 2, 2),
        ("art#3", 2, 3),
    ]
    assert passages[1].sentences == (Sentence(15, 29, 1), Sentence(31, 48, 2))


def test_zero_overlap_tiles_the_article() -> None:
    passages = split_passages(article(FIVE), count_words, max_tokens=6, overlap=0)
    assert windows(passages) == [
        "One two three. Four five six.",
        "Seven eight nine. Ten eleven twelve.",
        "Thirteen fourteen fifteen.",
    ]


def test_large_budget_fills_windows_greedily() -> None:
    passages = split_passages(article(FIVE), count_words, max_tokens=9)
    assert [(p.start, p.end) for p in passages] == [(0, 48), (31, 95)]
    assert split_passages(article(FIVE), count_words)[0].text == FIVE


def test_overlap_larger_than_a_window_still_advances() -> None:
    passages = split_passages(article(FIVE), count_words, max_tokens=6, overlap=5)
    assert len(passages) == 4
    assert [p.sentences[0].start for p in passages] == [0, 15, 31, 49]


def test_long_sentence_is_a_passage_of_its_own() -> None:
    long = " ".join(["Kata"] * 20) + "."
    text = f"Satu dua. {long} Tiga empat."
    passages = split_passages(article(text), count_words, max_tokens=5)
    assert windows(passages) == ["Satu dua.", long, "Tiga empat."]


def test_title_is_not_in_passage_text_and_offsets_round_trip(seed_article: Article) -> None:
    for passage in split_passages(seed_article, count_words, max_tokens=40):
        assert passage.text == seed_article.text[passage.start : passage.end]
        assert seed_article.title not in passage.text
        for sentence in passage.sentences:
            unit = seed_article.text[sentence.start : sentence.end]
            assert unit == unit.strip() and "\n" not in unit


def test_ids_are_stable_for_the_same_text(seed_article: Article) -> None:
    first = split_passages(seed_article, count_words, max_tokens=50)
    same_text = Article(id=seed_article.id, title="x", text=seed_article.text)
    again = split_passages(same_text, count_words, max_tokens=50)
    assert first == again
    assert [p.id for p in first] == [f"{seed_article.id}#{n}" for n in range(len(first))]


@pytest.mark.parametrize("max_tokens", [1, 20, 45, 60, 160, 1000])
@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_seed_windows_cover_every_sentence_within_budget(seed_article: Article, max_tokens: int, overlap: int) -> None:
    passages = split_passages(seed_article, count_words, max_tokens, overlap)
    covered = {s for p in passages for s in p.sentences}
    assert covered == set(locate_sentences(seed_article.text))
    for previous, current in itertools.pairwise(passages):
        assert current.sentences[0].start > previous.sentences[0].start
        assert current.end > previous.end  # never a subset of the window before
    for passage in passages:
        assert len(passage.sentences) == 1 or count_words(passage.text) <= max_tokens


def test_seed_passages_at_default_budget(seed_article: Article) -> None:
    passages = split_passages(seed_article, count_words)
    assert [(p.paragraph, p.paragraph_end) for p in passages] == [(1, 2), (2, 3), (3, 6), (6, 9), (9, 11), (11, 12)]


def test_empty_text_has_no_passages() -> None:
    assert split_passages(article(""), count_words) == []


@pytest.mark.parametrize(("max_tokens", "overlap"), [(0, 1), (10, -1)])
def test_bad_parameters_are_rejected(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        split_passages(article(FIVE), count_words, max_tokens, overlap)
