"""The question is written in the passage's inflections before reading, meaning kept."""

from __future__ import annotations

from index.models.reader.wording import align_wording

CAPTION = "Uji coba penembakan rudal KN-23 milik Korea Utara tahun 2013."
BLAME = "Vladimir Putin menyalahkan Amerika Serikat (AS) atas kebuntuan dalam negosiasi nuklir."


def test_a_word_the_passage_holds_in_another_form_takes_that_form() -> None:
    assert align_wording("Tahun berapa rudal KN-23 diuji coba?", CAPTION) == "Tahun berapa rudal KN-23 Uji coba?"
    assert align_wording("Kapan KTT Hanoi runtuh?", "setelah runtuhnya KTT Hanoi pada 2019") == (
        "Kapan KTT Hanoi runtuhnya?"
    )
    assert align_wording("Berapa persenkah kenaikannya?", "naik 5 persen") == "Berapa persen kenaikannya?"
    # of several forms of the stem, one that keeps the meaning
    assert align_wording("Kapan rudal diuji?", "Pengujian rudal: uji coba 2013") == "Kapan rudal uji?"


def test_words_the_passage_holds_as_asked_or_not_at_all_are_kept() -> None:
    assert align_wording("Siapa CEO Kantor Berita Yonhap?", "Cho Sung-boo, CEO Kantor Berita Yonhap") == (
        "Siapa CEO Kantor Berita Yonhap?"
    )
    assert align_wording("Berapa umur Vladimir Putin?", BLAME) == "Berapa umur Vladimir Putin?"


def test_derivations_that_change_the_meaning_are_left_alone() -> None:
    # a voice change swaps who did what: "whom Putin blamed" would become "who blamed Putin"
    assert align_wording("Siapa yang disalahkan Putin?", BLAME) == "Siapa yang disalahkan Putin?"
    # a causative: "killed" is not "died"
    assert align_wording("Berapa orang yang menewaskan bom itu?", "43 orang tewas") == (
        "Berapa orang yang menewaskan bom itu?"
    )
    # ber- makes a new word: "succeeded" is not "result"
    assert align_wording("Siapa yang berhasil?", "hasil pemilu") == "Siapa yang berhasil?"


def test_punctuation_and_spacing_of_the_question_survive() -> None:
    assert align_wording("  Rudal apa,  yang diuji coba?! ", CAPTION) == "  Rudal apa,  yang Uji coba?! "
