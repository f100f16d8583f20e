"""The bundled model on OpenVINO with int8 weights: embeddings and reader states without torch.

It tokenises with `e5.unigram` (tokenizer.json's ids in a quarter of the memory), adds the
e5 prompts and mean-pools over every token as the sentence-transformers folder does, so its
vectors match that path's at cosine >= 0.999 (tests/e2e/test_runtime.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.models.base import ProgressCallback, encode_sorted
from index.models.e5.export import GRAPH_FILE, LAYER_STATES, TOKEN_STATES, VOCABULARY_FILE
from index.models.e5.model import PROMPTS
from index.models.e5.tokenizer import MAX_SEQ_LENGTH
from index.models.e5.unigram import UnigramTokenizer, encode_batch, load_tokenizer
from index.models.reader.config import LAYERS

# Batches are padded to a multiple of this many tokens: fewer distinct shapes for OpenVINO's
# dynamic-shape buffers and caches, which otherwise grow with every new one. With this, one
# infer request and two malloc arenas (bot/cli.py), the bot's peak memory in bench/speed.py
# fell from 577 to 450 MiB over 40 questions.
WIDTH_STEP = 32


class OpenVinoEmbedder:
    """Embedder and reader encoder over an exported folder (`e5.export.ensure_runtime_model`)."""

    def __init__(self, folder: Path, name: str, dimension: int = 384) -> None:
        import openvino as ov

        core = ov.Core()
        threads = len(os.sched_getaffinity(0))
        # f32: OpenVINO would otherwise run bf16 where the CPU has it, which is slower here
        # and drifts from the float32 vectors. One stream: questions arrive one at a time.
        config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}
        self._compiled = core.compile_model(core.read_model(folder / GRAPH_FILE), "CPU", config)
        self._tokens_output = self._compiled.output(TOKEN_STATES)
        self._layers_output = self._compiled.output(LAYER_STATES)
        # One infer request, one call at a time: on a one- or two-core box, calls side by side
        # would only split the same cores, and each request holds its own buffers.
        self._request = self._compiled.create_infer_request()
        self._lock = threading.Lock()
        self._tokenizer = load_tokenizer(folder / VOCABULARY_FILE)
        self.name = name
        self.dimension = dimension
        self.max_tokens = MAX_SEQ_LENGTH

    @property
    def tokenizer(self) -> UnigramTokenizer:
        return self._tokenizer

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([PROMPTS["query"] + text for text in texts])

    def encode_documents(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        return encode_sorted(texts, self._encode_document_batch, self.dimension, progress)

    def _encode_document_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([PROMPTS["document"] + text for text in texts])

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(PROMPTS["document"] + text).ids)

    def layer_states(self, input_ids: list[list[int]], mask: list[list[int]], layers: Sequence[int]) -> np.ndarray:
        """Hidden states of the exported reader layers for a padded batch, as float32
        (batch, tokens, len(layers), dimension)."""
        if tuple(layers) != LAYERS:
            raise ValueError(f"the exported model holds layers {LAYERS}, not {tuple(layers)}")
        return self._infer(input_ids, mask, self._layers_output)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids, mask = encode_batch(self._tokenizer, texts, self.max_tokens)
        states = self._infer(ids, mask, self._tokens_output)
        weights = np.asarray(mask, dtype=np.float32)[..., None]
        pooled = (states * weights).sum(axis=1) / weights.sum(axis=1)
        return np.ascontiguousarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True), dtype=np.float32)

    def _infer(self, ids: list[list[int]], mask: list[list[int]], output: Any) -> np.ndarray:
        """One output of the model for a padded batch, copied out of the request's buffer
        (which its next call overwrites)."""
        width = len(ids[0])
        padded = -(-width // WIDTH_STEP) * WIDTH_STEP
        input_ids = np.full((len(ids), padded), self._tokenizer.pad_token_id, dtype=np.int64)
        attention = np.zeros((len(ids), padded), dtype=np.int64)
        input_ids[:, :width], attention[:, :width] = ids, mask
        with self._lock:
            result = self._request.infer({"input_ids": input_ids, "attention_mask": attention})[output]
            return np.array(result[:, :width], dtype=np.float32)
