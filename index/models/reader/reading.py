"""Reads passages against a question: where the answer is, and whether there is one at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from index.models.reader.numpy_head import HeadEnsemble, load_head_ensemble, single_threaded_blas, softmax
from index.models.reader.pairs import Pair, make_pairs, pad_batch
from index.models.reader.wording import align_wording

WEIGHTS_DIR = Path(__file__).parent / "weights"
SHIPPED_SEEDS = (0, 1)  # heads trained alike but for the seed (training/train_reader.py --seed)


def shipped_head_path(seed: int) -> Path:
    return WEIGHTS_DIR / f"reader-seed{seed}.safetensors"


DEFAULT_HEAD_PATHS = tuple(shipped_head_path(seed) for seed in SHIPPED_SEEDS)
MAX_ANSWER_TOKENS = 30  # longer spans are rare in FacQA and IDK-MRC answers
TRAILING_PUNCTUATION = ".,;:!?"


@runtime_checkable
class PairEncoder(Protocol):
    """What the reader needs from the embedding model: its tokenizer and its hidden states."""

    @property
    def tokenizer(self) -> Any: ...

    def layer_states(self, input_ids: list[list[int]], mask: list[list[int]], layers: Sequence[int]) -> np.ndarray: ...


@dataclass(frozen=True)
class Reading:
    """What the reader found in one passage: the probability that it answers the question,
    and its best answer span as character offsets into the passage, with the span's own
    probability (of its start times its end)."""

    answerable: float
    start: int
    end: int
    span_probability: float
    # Each passage token's character span and its probability of starting or ending the
    # answer (the mean of the two): where in the passage the reader looks, sure or not.
    token_mass: tuple[tuple[int, int, float], ...] = ()


class Reader(Protocol):
    def read(self, question: str, passages: Sequence[str]) -> list[Reading]: ...


class TrainedReader:
    """The shipped reader heads on top of the embedding model's encoder."""

    def __init__(self, encoder: PairEncoder, head: HeadEnsemble, aligns_wording: bool = True) -> None:
        self.encoder = encoder
        self.head = head
        self.aligns_wording = aligns_wording

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        """One reading per passage; a passage read in several windows keeps its most confident."""
        if not passages:
            return []
        tokenizer = self.encoder.tokenizer
        windows = [
            (n, pair)
            for n, text in enumerate(passages)
            for pair in make_pairs(tokenizer, align_wording(question, text) if self.aligns_wording else question, text)
        ]
        breaks = [_line_breaks_before(text) for text in passages]  # once per passage, not per window
        readings = self._read_pairs([(pair, _token_lines(pair, breaks[n])) for n, pair in windows])
        best: dict[int, Reading] = {}
        for (n, _), reading in zip(windows, readings):
            if n not in best or reading.answerable > best[n].answerable:
                best[n] = reading
        return [_without_end_punctuation(best[n], passages[n]) for n in range(len(passages))]

    def _read_pairs(self, pairs_and_lines: list[tuple[Pair, np.ndarray]]) -> list[Reading]:
        """Readings of the pairs, each given with its tokens' lines in the passage."""
        pairs = [pair for pair, _ in pairs_and_lines]
        ids, mask = pad_batch(pairs, self.encoder.tokenizer.pad_token_id)
        states = self.encoder.layer_states(ids, mask, self.head.config.layers)
        width = len(ids[0])
        passage = np.zeros((len(pairs), width), dtype=bool)
        for row, pair in enumerate(pairs):
            passage[row, : len(pair.spans)] = [span is not None for span in pair.spans]
        with single_threaded_blas():
            start, end, answerable = self.head(states, np.array(mask, dtype=bool), passage)
        probabilities = 1 / (1 + np.exp(-answerable))
        start_p, end_p = softmax(start, axis=-1), softmax(end, axis=-1)
        return [
            _best_span(pair, lines, start_p[row], end_p[row], float(probabilities[row]))
            for row, (pair, lines) in enumerate(pairs_and_lines)
        ]


def _line_breaks_before(passage: str) -> np.ndarray:
    """For each character offset of the passage, how many line breaks come before it."""
    return np.concatenate([[0], np.cumsum([char == "\n" for char in passage])])


def _token_lines(pair: Pair, breaks_before: np.ndarray) -> np.ndarray:
    """Each token's line in the passage (`_line_breaks_before` it); -1 outside the passage."""
    return np.array([breaks_before[span[0]] if span is not None else -1 for span in pair.spans])


def _best_span(
    pair: Pair, token_lines: np.ndarray, start_p: np.ndarray, end_p: np.ndarray, answerable: float
) -> Reading:
    """The span maximising P(start)·P(end) with start <= end < start + MAX_ANSWER_TOKENS, on
    one line of the passage: an answer never runs from a caption or paragraph into the next."""
    n = len(pair.spans)
    joint = np.triu(np.outer(start_p[:n], end_p[:n]))
    joint = np.tril(joint, MAX_ANSWER_TOKENS - 1)
    joint[token_lines[:, None] != token_lines[None, :]] = 0.0
    first, last = np.unravel_index(int(np.argmax(joint)), joint.shape)
    start_span, end_span = pair.spans[first], pair.spans[last]
    mass = tuple(
        (span[0], span[1], float(start_p[i] + end_p[i]) / 2) for i, span in enumerate(pair.spans) if span is not None
    )
    if start_span is None or end_span is None:
        return Reading(answerable, 0, 0, 0.0, mass)
    return Reading(answerable, start_span[0], end_span[1], float(joint[first, last]), mass)


def _without_end_punctuation(reading: Reading, passage: str) -> Reading:
    """The span without the sentence's closing punctuation that a word piece glued to its last
    word ("2013." is one piece): "tahun 2013." is shown as "tahun 2013"."""
    end = reading.end
    while end > reading.start + 1 and passage[end - 1] in TRAILING_PUNCTUATION:
        end -= 1
    return replace(reading, end=end)


def load_reader(encoder: PairEncoder, head_paths: Sequence[Path] = DEFAULT_HEAD_PATHS) -> TrainedReader | None:
    """The reader heads at `head_paths` (the shipped ones) over the bundled model's encoder; None
    when a head file is missing. Which model gets a reader is index/answering/profile.py's."""
    if not (head_paths and all(path.exists() for path in head_paths)):
        return None
    return TrainedReader(encoder, load_head_ensemble(head_paths))
