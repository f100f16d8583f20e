"""Paragraph and sentence splitting on tricky Indonesian and English news text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from index.text.sentences import Span, split_paragraphs, split_sentences
from tests.helpers import SEED


def sentences(text: str) -> list[str]:
    """Return the sentences of `text` as strings."""
    return [text[span.start : span.end] for span in split_sentences(text)]


def test_quote_ending_in_comma_keeps_its_attribution() -> None:
    text = (
        '"Hanya dengan kesabaran, kami dapat menyelesaikan masalah ini," tukas Putin '
        "seperti dilansir Korea Times Sabtu 5 Juni. Moskow setuju."
    )
    assert sentences(text) == [
        '"Hanya dengan kesabaran, kami dapat menyelesaikan masalah ini," tukas Putin '
        "seperti dilansir Korea Times Sabtu 5 Juni.",
        "Moskow setuju.",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    text = '"Kami siap." Putin lalu pergi. “Sudah?” tanya dia. Ya!'
    assert sentences(text) == [
        '"Kami siap."',
        "Putin lalu pergi.",
        "“Sudah?” tanya dia.",
        "Ya!",
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Forum itu digelar di St. Petersburg, Jumat. Ia tinggal di Jl. Merdeka No. 5, "
        "Kec. Gambir, Kab. Bogor. Prof. Dr. H. Ahmad hadir, a.n. panitia. Selesai."
    )
    assert sentences(text) == [
        "Forum itu digelar di St. Petersburg, Jumat.",
        "Ia tinggal di Jl. Merdeka No. 5, Kec. Gambir, Kab. Bogor.",
        "Prof. Dr. H. Ahmad hadir, a.n. panitia.",
        "Selesai.",
    ]


def test_initials_and_dotted_abbreviations_in_english() -> None:
    text = (
        "Mr. and Mrs. Smith met J. K. Rowling in the U.S. Senate, e.g. on Monday. "
        "They agreed, i.e. Everyone did. It rained."
    )
    assert sentences(text) == [
        "Mr. and Mrs. Smith met J. K. Rowling in the U.S. Senate, e.g. on Monday.",
        "They agreed, i.e. Everyone did.",
        "It rained.",
    ]


def test_numbers_are_not_sentence_ends() -> None:
    text = "Inflasi naik 3.5 persen, Rp 2,5 triliun untuk 1.000.000 warga pada pukul 10.30. Harga turun."
    assert sentences(text) == [
        "Inflasi naik 3.5 persen, Rp 2,5 triliun untuk 1.000.000 warga pada pukul 10.30.",
        "Harga turun.",
    ]


def test_question_exclamation_and_ellipsis() -> None:
    text = "Apa yang terjadi? Tidak ada! Dia ragu... lalu pergi. Lalu… Dia kembali?! Benar."
    assert sentences(text) == [
        "Apa yang terjadi?",
        "Tidak ada!",
        "Dia ragu... lalu pergi.",
        "Lalu…",
        "Dia kembali?!",
        "Benar.",
    ]


def test_list_closers_end_a_sentence_only_before_a_capital() -> None:
    text = "Ia membeli apel, jeruk, dll. yang segar. Ada sayur, dsb. Harga naik."
    assert sentences(text) == [
        "Ia membeli apel, jeruk, dll. yang segar.",
        "Ada sayur, dsb.",
        "Harga naik.",
    ]


def test_all_caps_acronym_in_brackets_never_breaks() -> None:
    text = "Vladimir Putin menyalahkan Amerika Serikat (AS) atas kebuntuan. AS. Menolak."
    assert sentences(text) == [
        "Vladimir Putin menyalahkan Amerika Serikat (AS) atas kebuntuan.",
        "AS.",
        "Menolak.",
    ]


def test_a_newline_always_ends_a_sentence() -> None:
    assert sentences("korea utara\n\u00a0 Uji coba rudal tahun 2013. Foto satelit.") == [
        "korea utara",
        "Uji coba rudal tahun 2013.",
        "Foto satelit.",
    ]


def test_a_bracketed_credit_stays_with_its_sentence() -> None:
    assert sentences("Uji coba rudal tahun 2013. (Sumber: Rodong)\nBerikutnya gagal. (AP)") == [
        "Uji coba rudal tahun 2013. (Sumber: Rodong)",
        "Berikutnya gagal. (AP)",
    ]


def test_range_offsets_point_into_the_whole_text() -> None:
    text = "Judul.\n\nSatu dua. Tiga empat.\n\nAkhir."
    start = text.index("Satu")
    end = text.index("\n\nAkhir")
    assert split_sentences(text, start, end) == [Span(8, 17), Span(18, 29)]
    assert text[8:17] == "Satu dua."


def test_empty_and_blank_text_have_no_units() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n") == []
    assert split_paragraphs("\n\n \u00a0\n") == []


def test_every_non_blank_line_is_a_paragraph_trimmed() -> None:
    text = "Satu.\n\nkorea utara\n\u00a0 Uji coba rudal.  \nDua."
    spans = split_paragraphs(text)
    assert [text[s.start : s.end] for s in spans] == [
        "Satu.",
        "korea utara",
        "Uji coba rudal.",
        "Dua.",
    ]


@pytest.mark.parametrize("splitter", [split_paragraphs, split_sentences])
def test_spans_round_trip_without_surrounding_whitespace(
    splitter: Callable[[str], list[Span]],
) -> None:
    text = SEED.read_text(encoding="utf-8")
    spans = splitter(text)
    assert spans
    for span in spans:
        unit = text[span.start : span.end]
        assert unit and unit == unit.strip()
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_real_seed_sentences() -> None:
    text = SEED.read_text(encoding="utf-8")
    found = sentences(text)
    assert len(found) == 13  # "Bagikan:" included: this is the raw file, not a cleaned article
    assert found[2].startswith("Putin membuat pernyataan") and found[2].endswith("pada 2019 lalu.")
    assert found[4].endswith("tukas Vladimir Putin seperti dilansir Korea Times Sabtu 5 Juni.")
