"""The reader's span as shown: the answer's words on one line, not the punctuation a word piece carried."""

from __future__ import annotations

import numpy as np

from index.models.reader.pairs import Pair
from index.models.reader.reading import Reading, _best_span, _line_breaks_before, _token_lines, _without_end_punctuation


def test_a_span_leaves_out_the_sentence_end_glued_to_its_last_word() -> None:
    caption = "Uji coba rudal KN-23 tahun 2013. (Sumber: Rodong Sinmun)"
    start = caption.index("tahun")
    trimmed = _without_end_punctuation(Reading(0.9, start, start + len("tahun 2013."), 0.8), caption)
    assert caption[trimmed.start : trimmed.end] == "tahun 2013"
    assert _without_end_punctuation(Reading(0.1, 0, 0, 0.0), caption) == Reading(0.1, 0, 0, 0.0)


def test_a_span_stays_on_one_line_of_the_passage() -> None:
    passage = "Uji coba 2013.\nMoskow memilih bertahap."
    words = [(0, 3), (4, 8), (9, 14), (15, 21), (22, 29), (30, 39)]
    pair = Pair(tuple(range(2 + len(words))), (None, None, *words))
    start_p = np.array([0.0, 0.0, 0.6, 0.05, 0.05, 0.25, 0.05, 0.0])
    end_p = np.array([0.0, 0.0, 0.0, 0.05, 0.3, 0.0, 0.05, 0.6])
    reading = _best_span(pair, _token_lines(pair, _line_breaks_before(passage)), start_p, end_p, 0.9)
    # Across the line break "Uji ... bertahap." would be likelier (0.36); on one line, the caption wins.
    assert passage[reading.start : reading.end] == "Uji coba 2013."
    assert reading.span_probability == 0.6 * 0.3
