"""Question-passage pairs as the encoder reads them, with each token's place in the passage.

The pair is `<s> query: question </s></s> passage: text </s>`, the e5 prompts on the two
segments of an XLM-R pair. The question is cut to `MAX_QUESTION_TOKENS`; a passage too long
for one pair is read in overlapping windows, as SQuAD readers do (Devlin et al. 2019, §4.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.models.e5.unigram import pad_rows

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_PAIR_TOKENS = 192  # a 96-token passage and a long question fit in one window
MAX_QUESTION_TOKENS = 48
WINDOW_OVERLAP = 32  # tokens shared by consecutive windows of a long passage


@dataclass(frozen=True)
class Pair:
    """One encoder input: token ids, and for each token its character span in the passage
    (`None` for the question, the prompts and the special tokens)."""

    input_ids: tuple[int, ...]
    spans: tuple[tuple[int, int] | None, ...]

    @property
    def first_passage_token(self) -> int:
        return next(i for i, span in enumerate(self.spans) if span is not None)


def make_pairs(tokenizer: Any, question: str, passage: str, max_tokens: int = MAX_PAIR_TOKENS) -> list[Pair]:
    """The windows of `passage` paired with `question` (one window for a passage that fits)."""
    question_ids = list(tokenizer(QUERY_PREFIX + question, add_special_tokens=False)["input_ids"])
    prompt, content = _passage_tokens(tokenizer, passage)
    head = [
        tokenizer.cls_token_id,
        *question_ids[:MAX_QUESTION_TOKENS],
        tokenizer.sep_token_id,
        tokenizer.sep_token_id,
        *prompt,
    ]
    room = max(max_tokens - len(head) - 1, 8)
    pairs = []
    for begin in _window_starts(len(content), room):
        window = content[begin : begin + room]
        ids = (*head, *(token for token, _ in window), tokenizer.sep_token_id)
        spans = (*([None] * len(head)), *(span for _, span in window), None)
        pairs.append(Pair(tuple(ids), tuple(spans)))
    return pairs


def _passage_tokens(tokenizer: Any, passage: str) -> tuple[list[int], list[tuple[int, tuple[int, int]]]]:
    """The prompt's token ids, and the passage's tokens with their spans in `passage`.

    The passage is tokenised after its prompt, as the embedder does; a word piece's span
    leaves out the space it starts with (`▁Cho` covers " Cho").
    """
    shift = len(PASSAGE_PREFIX)
    encoded = tokenizer(PASSAGE_PREFIX + passage, add_special_tokens=False, return_offsets_mapping=True)
    prompt: list[int] = []
    content: list[tuple[int, tuple[int, int]]] = []
    for token, (start, end) in zip(encoded["input_ids"], encoded["offset_mapping"]):
        if end <= shift and not content:
            prompt.append(token)
            continue
        start = max(start - shift, 0)
        while start < end - shift and passage[start].isspace():
            start += 1
        content.append((token, (start, max(end - shift, start))))
    return prompt, content


def _window_starts(length: int, room: int) -> list[int]:
    if length <= room:
        return [0]
    step = room - WINDOW_OVERLAP
    starts = list(range(0, length - room, step))
    return [*starts, length - room]


def pad_batch(pairs: Sequence[Pair], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Input ids and attention masks of `pairs`, right-padded to the longest."""
    return pad_rows([pair.input_ids for pair in pairs], pad_id)
