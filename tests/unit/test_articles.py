"""Reading seeds: the real seed, front matter, JSONL, cleaning and every kind of bad file."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from index.errors import SeedError
from index.text.articles import Article, clean_text, derive_title, read_articles, shorten
from tests.helpers import SEED


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """An empty seeds directory."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    return folder


def write_jsonl(path: Path, records: list[object]) -> None:
    """Write one JSON value per line."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_real_seed_loads_clean_with_caption_and_derived_title(seeds: Path) -> None:
    shutil.copy(SEED, seeds)
    load = read_articles(seeds)
    assert load.warnings == ()
    (article,) = load.articles
    assert article.id == "000_fa119bf131a3472f"
    assert article.source == "000_fa119bf131a3472f.txt"
    assert article.text.startswith("JAKARTA - Presiden Rusia Vladimir Putin menyerukan")
    assert "Bagikan" not in article.text
    assert "\n\nkorea utara\n\u00a0Uji coba penembakan rudal KN-23" in article.text
    assert article.text.endswith("Reuters dan Agence France Press.")
    assert all(line == line.rstrip() for line in article.text.split("\n"))
    assert "\n\n\n" not in article.text
    assert article.title == ("Presiden Rusia Vladimir Putin menyerukan jaminan keamanan Korea Utara, untuk…")
    assert (article.url, article.published, article.lang) == (None, None, None)


def test_clean_text_drops_furniture_and_tidies_whitespace() -> None:
    raw = (
        "Bagikan:\r\n\r\nPara satu.  \r\nShare this article\n\n\n\nBaca Juga: Judul lain\n\n"
        "  Para  dua, apa adanya.\nADVERTISEMENT\nScroll to continue with content\n"
        "Simak juga video berikut\nshare:\n\n"
    )
    assert clean_text(raw) == "Para satu.\n\n  Para  dua, apa adanya."


def test_furniture_is_matched_on_whole_lines_only() -> None:
    raw = "Bagikan informasi ini kepada warga.\nIa berkata: Baca juga: buku itu."
    assert clean_text(raw) == raw


def test_front_matter_is_parsed_and_unknown_keys_ignored(seeds: Path) -> None:
    (seeds / "putin.md").write_text(
        '---\ntitle: "Putin dan Korea"\nurl: https://example.id/a?b=1\n'
        "published: 2021-06-05\nlang: id\nauthor: Redaksi\n---\n\nIsi berita.\n",
        encoding="utf-8",
    )
    (article,) = read_articles(seeds).articles
    assert article == Article(
        id="putin",
        title="Putin dan Korea",
        text="Isi berita.",
        url="https://example.id/a?b=1",
        published="2021-06-05",
        lang="id",
        source="putin.md",
    )


def test_dashes_around_prose_are_not_front_matter(seeds: Path) -> None:
    (seeds / "rule.md").write_text("---\nSebuah kalimat biasa.\n---\nLanjutan.", encoding="utf-8")
    (article,) = read_articles(seeds).articles
    assert article.text == "---\nSebuah kalimat biasa.\n---\nLanjutan."


def test_jsonl_fields_and_bad_line_named(seeds: Path) -> None:
    (seeds / "a.jsonl").write_text(
        json.dumps({"id": "a1", "text": "Satu.", "title": "T", "url": "u", "lang": "en"})
        + "\n{not json\n\n"
        + json.dumps({"id": 7, "text": "Tiga.", "published": "2024-01-02"})
        + "\n",
        encoding="utf-8",
    )
    load = read_articles(seeds)
    assert [(a.id, a.title, a.text, a.source) for a in load.articles] == [
        ("a1", "T", "Satu.", "a.jsonl:1"),
        ("7", "Tiga", "Tiga.", "a.jsonl:4"),
    ]
    assert (load.articles[0].url, load.articles[0].lang) == ("u", "en")
    assert load.articles[1].published == "2024-01-02"
    (warning,) = load.warnings
    assert warning.startswith("seeds/a.jsonl line 2: bad JSON (")
    assert warning.endswith("), skipped")


def test_a_bad_json_line_is_explained_in_plain_words(seeds: Path) -> None:
    (seeds / "a.jsonl").write_text('{"id": "a", "text": "unterminated\n{"id": "b", "text": "Dua."}\n')
    load = read_articles(seeds)
    assert [a.id for a in load.articles] == ["b"]
    assert load.warnings == ("seeds/a.jsonl line 1: bad JSON (Unterminated string starting at: column 21), skipped",)


def test_jsonl_lines_without_id_or_text_are_skipped(seeds: Path) -> None:
    write_jsonl(
        seeds / "b.jsonl",
        [
            {"text": "Tanpa id."},
            {"id": "x"},
            {"id": "y", "text": "Bagikan:"},
            [1],
            {"id": "z", "text": "Ok."},
        ],
    )
    load = read_articles(seeds)
    assert [a.id for a in load.articles] == ["z"]
    assert load.warnings == (
        "seeds/b.jsonl line 1: missing `id`, skipped",
        "seeds/b.jsonl line 2: missing `text`, skipped",
        "seeds/b.jsonl line 3: empty or only page furniture, skipped",
        "seeds/b.jsonl line 4: not a JSON object, skipped",
    )


def test_bad_files_are_named_and_the_rest_is_read(seeds: Path) -> None:
    (seeds / "a_ok.txt").write_text("Berita yang baik.", encoding="utf-8")
    (seeds / "b_latin1.txt").write_bytes("Berita caf\xe9.".encode("latin-1"))
    (seeds / "c_empty.txt").write_text("", encoding="utf-8")
    (seeds / "d_furniture.md").write_text("Bagikan:\n\nAdvertisement\n", encoding="utf-8")
    load = read_articles(seeds)
    assert [a.id for a in load.articles] == ["a_ok"]
    assert load.warnings == (
        "seeds/b_latin1.txt: not UTF-8 text, skipped",
        "seeds/c_empty.txt: empty or only page furniture, skipped",
        "seeds/d_furniture.md: empty or only page furniture, skipped",
    )


def test_binary_files_are_named_and_skipped(seeds: Path) -> None:
    (seeds / "a_ok.txt").write_text("Berita\tyang baik.\r\nParagraf dua.\n", encoding="utf-8")
    (seeds / "b_nul.txt").write_bytes(b"\x00" * 64)
    (seeds / "c_bell.md").write_text("---\ntitle: Judul\x07\n---\nBerita.", encoding="utf-8")
    write_jsonl(seeds / "d.jsonl", [{"id": "d1", "text": "Berita\x1b[31m merah."}, {"id": "d2", "text": "Baik."}])
    load = read_articles(seeds)
    assert [a.id for a in load.articles] == ["a_ok", "d2"]
    assert load.warnings == (
        "seeds/b_nul.txt: binary data, not text (control character U+0000), skipped",
        "seeds/c_bell.md: binary data, not text (control character U+0007), skipped",
        "seeds/d.jsonl line 1: binary data, not text (control character U+001B), skipped",
    )


def test_duplicate_id_keeps_the_first_by_file_name(seeds: Path) -> None:
    write_jsonl(seeds / "a.jsonl", [{"id": "b", "text": "Dari jsonl."}])
    (seeds / "b.txt").write_text("Dari txt.", encoding="utf-8")
    load = read_articles(seeds)
    assert [a.text for a in load.articles] == ["Dari jsonl."]
    assert load.warnings == ("seeds/b.txt: duplicate article id 'b' (first in seeds/a.jsonl line 1), skipped",)


def test_other_and_hidden_files_are_ignored_and_order_is_by_path(seeds: Path) -> None:
    for name in ("c.txt", "a.md", "b.TXT"):
        (seeds / name).write_text(f"Artikel {name}.", encoding="utf-8")
    (seeds / "README").write_text("not an article", encoding="utf-8")
    (seeds / "notes.csv").write_text("x,y", encoding="utf-8")
    (seeds / ".draft.txt").write_text("hidden", encoding="utf-8")
    (seeds / "added").mkdir()
    (seeds / "added" / "d.txt").write_text("nested", encoding="utf-8")
    (seeds / ".git").mkdir()
    (seeds / ".git" / "e.txt").write_text("in a hidden folder", encoding="utf-8")
    load = read_articles(seeds)
    assert [(a.id, a.source) for a in load.articles] == [
        ("a", "a.md"),
        ("d", "added/d.txt"),
        ("b", "b.TXT"),
        ("c", "c.txt"),
    ]
    assert load.warnings == ()


def test_a_file_over_the_size_limit_is_skipped_with_a_warning(seeds: Path) -> None:
    (seeds / "a.txt").write_text("Artikel kecil.", encoding="utf-8")
    (seeds / "huge.txt").write_text("Kalimat panjang sekali. " * 50_000, encoding="utf-8")
    load = read_articles(seeds, max_file_bytes=1024 * 1024)
    assert [a.id for a in load.articles] == ["a"]
    assert load.warnings == ("seeds/huge.txt: 1.1 MB, over the 1 MB limit (KUTIP_MAX_SEED_MB), skipped",)
    assert [a.id for a in read_articles(seeds, max_file_bytes=None).articles] == ["a", "huge"]


def test_empty_directory_raises_with_advice(seeds: Path) -> None:
    with pytest.raises(SeedError, match=r"no readable article .*put \.txt, \.md or \.jsonl"):
        read_articles(seeds)


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="not found: create it"):
        read_articles(tmp_path / "nope")


def test_only_bad_files_raise_and_say_why(seeds: Path) -> None:
    (seeds / "x.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SeedError, match=r"Skipped: seeds/x\.txt: not UTF-8 text, skipped"):
        read_articles(seeds)


def test_content_hash_follows_content_not_source() -> None:
    article = Article(id="a", title="T", text="Satu.", source="a.txt")
    assert article.content_hash == Article(id="a", title="T", text="Satu.").content_hash
    assert article.content_hash == dataclasses.replace(article, source="b.jsonl:3").content_hash
    assert len(article.content_hash) == 64
    changed = [
        dataclasses.replace(article, text="Dua."),
        dataclasses.replace(article, title="U"),
        dataclasses.replace(article, url="https://x"),
        dataclasses.replace(article, id="b"),
    ]
    assert len({article.content_hash, *(a.content_hash for a in changed)}) == 5


def test_derived_title_uses_the_first_sentence_without_dateline() -> None:
    assert derive_title("Hujan turun di Bogor. Jalan banjir.\n\nLain.") == "Hujan turun di Bogor"
    assert derive_title("JAKARTA (ANTARA) - Harga naik.") == "Harga naik"
    assert derive_title("# Judul Markdown\n\nIsi.") == "Judul Markdown"


def test_shorten_cuts_on_a_word_boundary() -> None:
    assert shorten("satu dua tiga", 13) == "satu dua tiga"
    assert shorten("satu dua tiga", 12) == "satu dua…"
    assert shorten("satu dua, tiga", 13) == "satu dua…"
    assert shorten("satu dua tiga", 10) == "satu dua…"
    assert shorten("abcdefghijkl", 5) == "abcd…"
