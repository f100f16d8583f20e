"""The light tokenizer's steps on a toy vocabulary (tests/e2e/test_runtime.py holds it equal
to the bundled model's tokenizer.json on every BMP character and on the seed)."""

from __future__ import annotations

from pathlib import Path

from index.models.e5.tokenizer import METASPACE, SPECIAL_TOKENS, Vocabulary
from index.models.e5.unigram import UnigramTokenizer, encode_batch, load_tokenizer, save_vocabulary

PIECES = (*SPECIAL_TOKENS, METASPACE, f"{METASPACE}ab", "ab", "a", "b", "c", f"{METASPACE}abc", "bc", "A")
SCORES = (0.0, 0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -3.0, -4.0, -4.0, -4.0, -5.0, -2.5, -4.0)


def toy() -> UnigramTokenizer:
    # <s>=0 <pad>=1 </s>=2 <unk>=3; "Ａ" (full width) normalises to "A".
    return UnigramTokenizer(Vocabulary(PIECES, SCORES, 0, 2, 1, 3), {0xFF21: "A"})


def ids_of(*pieces: str) -> list[int]:
    return [PIECES.index(piece) for piece in pieces]


def test_viterbi_takes_the_most_probable_split() -> None:
    # "▁abc" (-5) beats "▁ab"+"c" (-7) and "▁"+"a"+"bc" (-9.5).
    assert toy().encode("abc", add_special_tokens=False).ids == ids_of(f"{METASPACE}abc")


def test_words_start_at_spaces_and_runs_of_spaces_collapse() -> None:
    encoding = toy().encode("ab   ab", add_special_tokens=False)
    assert encoding.ids == ids_of(f"{METASPACE}ab", f"{METASPACE}ab")
    assert encoding.offsets == [(0, 2), (4, 7)]  # the collapsed run stands where its last space is


def test_a_character_that_is_no_piece_is_one_unknown_token_in_place() -> None:
    encoding = toy().encode("aZZb", add_special_tokens=False)
    assert encoding.ids == [*ids_of(METASPACE, "a"), 3, 3, *ids_of("b")]
    assert encoding.offsets == [(0, 1), (0, 1), (1, 2), (2, 3), (3, 4)]


def test_the_normalisation_map_applies_per_character_with_offsets_into_the_original() -> None:
    encoding = toy().encode("Ａb", add_special_tokens=False)
    assert encoding.ids == ids_of(METASPACE, "A", "b")
    assert encoding.offsets == [(0, 1), (0, 1), (1, 2)]


def test_special_tokens_text_becomes_those_tokens() -> None:
    assert toy().encode("<s>ab").ids == [0, 0, *ids_of(f"{METASPACE}ab"), 2]


def test_batches_are_cut_and_padded_like_transformers(tmp_path: Path) -> None:
    save_vocabulary(Vocabulary(PIECES, SCORES, 0, 2, 1, 3), {0xFF21: "A"}, tmp_path / "vocabulary.json")
    tokenizer = load_tokenizer(tmp_path / "vocabulary.json")
    ids, mask = encode_batch(tokenizer, ["ab ab ab", ""], max_tokens=4)
    assert ids == [[0, *ids_of(f"{METASPACE}ab", f"{METASPACE}ab"), 2], [0, 2, 1, 1]]
    assert mask == [[1, 1, 1, 1], [1, 1, 0, 0]]
