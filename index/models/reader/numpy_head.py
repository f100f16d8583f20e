"""The reader head's forward pass in numpy, so answering never imports torch.

It computes what `head.ReaderHead` (torch, used for training) computes in eval mode, from
the same safetensors file: the layer mix, the projection, pre-norm transformer layers as
`torch.nn.TransformerEncoderLayer(norm_first=True)` with its default ReLU and 1e-5 layer
norm, the final norm and the two outputs. tests/unit/test_reader_head.py holds the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from index.models.reader.config import NEGATIVE, HeadConfig

LAYER_NORM_EPS = 1e-5  # torch's TransformerEncoderLayer and LayerNorm default


@dataclass(frozen=True)
class NumpyHead:
    """The trained head's weights by their torch state-dict names, and its shape."""

    config: HeadConfig
    weights: dict[str, np.ndarray]

    def __call__(self, states: np.ndarray, mask: np.ndarray, passage: np.ndarray) -> tuple[np.ndarray, ...]:
        """`states` (batch, tokens, layers, hidden); `mask` marks real tokens, `passage` the
        passage's. Returns start and end logits (batch, tokens) and answerability (batch,)."""
        w = self.weights
        mix = softmax(w["mix"], axis=0)
        x = _linear(np.einsum("btlh,l->bth", states, mix, dtype=np.float32), w, "project")
        ignored = np.where(mask, 0.0, NEGATIVE).astype(np.float32)[:, None, None, :]
        for block in range(self.config.blocks):
            x = self._block(x, ignored, f"blocks.{block}.")
        x = _layer_norm(x, w["norm.weight"], w["norm.bias"])
        span = _linear(x, w, "span")
        start = np.where(passage, span[..., 0], NEGATIVE)
        end = np.where(passage, span[..., 1], NEGATIVE)
        return start, end, _linear(x[:, 0], w, "answerable")[:, 0]

    def _block(self, x: np.ndarray, ignored: np.ndarray, name: str) -> np.ndarray:
        w = self.weights
        x = x + self._attention(_layer_norm(x, w[name + "norm1.weight"], w[name + "norm1.bias"]), ignored, name)
        normed = _layer_norm(x, w[name + "norm2.weight"], w[name + "norm2.bias"])
        hidden = np.maximum(_linear(normed, w, name + "linear1"), 0)
        result: np.ndarray = x + _linear(hidden, w, name + "linear2")
        return result

    def _attention(self, x: np.ndarray, ignored: np.ndarray, name: str) -> np.ndarray:
        w = self.weights
        batch, tokens, width = x.shape
        heads = self.config.heads
        qkv = x @ w[name + "self_attn.in_proj_weight"].T + w[name + "self_attn.in_proj_bias"]
        # Contiguous (batch, heads, tokens, size) blocks: numpy's stacked matmul only reaches
        # BLAS for those, and is ten times slower on the transposed views.
        q, k, v = (
            np.ascontiguousarray(part.reshape(batch, tokens, heads, width // heads).transpose(0, 2, 1, 3))
            for part in np.split(qkv, 3, -1)
        )
        scores = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2)) / np.sqrt(width // heads, dtype=np.float32)
        attended = (softmax(scores + ignored, axis=-1) @ v).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        return _linear(attended, w, name + "self_attn.out_proj")


@dataclass(frozen=True)
class HeadEnsemble:
    """Heads trained alike from different seeds, answering as one: their logits averaged.
    Their errors differ, so the mean ranks answers better than one head alone (bench/tune_judge.py)."""

    heads: tuple[NumpyHead, ...]

    @property
    def config(self) -> HeadConfig:
        return self.heads[0].config

    def __call__(self, states: np.ndarray, mask: np.ndarray, passage: np.ndarray) -> tuple[np.ndarray, ...]:
        outputs = [head(states, mask, passage) for head in self.heads]
        return tuple(np.mean(parts, axis=0) for parts in zip(*outputs))


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run numpy's matrix products on one thread. OpenBLAS's worker threads spin for a while
    after each product, and on a two-core box that spinning took the cores from the next
    encoder pass: a question with the reader took 80.7 ms (p50) with two BLAS threads and
    56.8 ms with one (bench/speed.py, 2026-11-30)."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield


@cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def load_head_ensemble(paths: Sequence[Path]) -> HeadEnsemble:
    heads = tuple(load_numpy_head(path) for path in paths)
    if len({head.config.layers for head in heads}) != 1:
        raise ValueError(f"the heads {[str(p) for p in paths]} read different encoder layers")
    return HeadEnsemble(heads)


def load_numpy_head(path: Path) -> NumpyHead:
    from safetensors import safe_open
    from safetensors.numpy import load_file

    with safe_open(str(path), framework="numpy") as opened:
        raw = json.loads((opened.metadata() or {})["config"])
    weights = {name: tensor.astype(np.float32) for name, tensor in load_file(str(path)).items()}
    return NumpyHead(HeadConfig(**{**raw, "layers": tuple(raw["layers"])}), weights)


def _linear(x: np.ndarray, weights: dict[str, np.ndarray], name: str) -> np.ndarray:
    result: np.ndarray = x @ weights[name + ".weight"].T + weights[name + ".bias"]
    return result


def _layer_norm(x: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    result: np.ndarray = (x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * scale + shift
    return result


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=axis, keepdims=True)
    return result
