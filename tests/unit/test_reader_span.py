"""The reader's span as shown: the answer's words, not the punctuation a word piece carried."""

from __future__ import annotations

from index.reader.reading import Reading, _without_end_punctuation


def test_a_span_leaves_out_the_sentence_end_glued_to_its_last_word() -> None:
    caption = "Uji coba rudal KN-23 tahun 2013. (Sumber: Rodong Sinmun)"
    start = caption.index("tahun")
    trimmed = _without_end_punctuation(Reading(0.9, start, start + len("tahun 2013."), 0.8), caption)
    assert caption[trimmed.start : trimmed.end] == "tahun 2013"
    assert _without_end_punctuation(Reading(0.1, 0, 0, 0.0), caption) == Reading(0.1, 0, 0, 0.0)
