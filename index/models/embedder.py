"""Turns text into normalised float32 vectors; the only module that imports sentence-transformers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError
from index.models.base import DEFAULT_BATCH_SIZE, Embedder, ProgressCallback, encode_sorted
from index.models.e5.tokenizer import MAX_SEQ_LENGTH  # when a model does not say: BERT's 512 positions

log = logging.getLogger(__name__)

INT8, FP32 = "int8", "fp32"  # KUTIP_MODEL_PRECISION for the bundled model
PRECISIONS = (INT8, FP32)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder or the local HF cache only."""

    def __init__(self, model: str | Path, name: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            # local_files_only: the Hub is unreachable here, and a bot should never
            # stall at start-up waiting for it.
            self._model = SentenceTransformer(str(model), device="cpu", local_files_only=True)
        except (OSError, ValueError) as error:
            raise ModelError(
                f"cannot load the embedding model {model!s}: {error}. "
                "Set KUTIP_MODEL to a local sentence-transformers folder, or unset it "
                "to use the bundled multilingual-e5-small."
            ) from error
        self.name = name or str(model)
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length or MAX_SEQ_LENGTH)
        self._document_prompt = self._model.prompts.get("document") or ""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode_query(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        return encode_sorted(texts, self._encode_document_batch, self.dimension, progress)

    def _encode_document_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode_document(
            list(texts), batch_size=DEFAULT_BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._document_prompt + text)["input_ids"])

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    def layer_states(self, input_ids: list[list[int]], mask: list[list[int]], layers: Sequence[int]) -> np.ndarray:
        """Hidden states of the transformer `layers` (0 is the embeddings) for a padded batch,
        as float32 (batch, tokens, len(layers), dimension): what the answer reader reads."""
        import torch

        with torch.inference_mode():
            output = self._model[0].auto_model(  # type: ignore[operator]
                input_ids=torch.tensor(input_ids), attention_mask=torch.tensor(mask), output_hidden_states=True
            )
            states = torch.stack([output.hidden_states[layer] for layer in layers], dim=2)
        return states.float().numpy()


def load_embedder(model: str | None, cache_dir: Path, precision: str = INT8) -> Embedder:
    """The configured model, or the bundled multilingual-e5-small when `model` is empty: on
    OpenVINO with int8 weights by default, in float32 through sentence-transformers with
    `precision="fp32"` or when the int8 runtime cannot load (a warning says why). A model of
    the user's own always runs through sentence-transformers in float32."""
    if model:
        return SentenceTransformerEmbedder(model)
    from index.models.e5.model import DEFAULT_MODEL_NAME, ensure_e5_model

    if precision == INT8:
        try:
            return _load_int8(cache_dir)
        except (ImportError, RuntimeError, OSError, ModelError) as error:
            log.warning("cannot run the int8 model, using float32 instead: %s", error)
    return SentenceTransformerEmbedder(ensure_e5_model(cache_dir), name=DEFAULT_MODEL_NAME)


def _load_int8(cache_dir: Path) -> Embedder:
    from index.models.e5.export import ensure_runtime_model
    from index.models.e5.model import DEFAULT_MODEL_NAME
    from index.models.openvino import OpenVinoEmbedder

    # The same name as in float32: its vectors agree at cosine >= 0.999, so one index serves both.
    return OpenVinoEmbedder(ensure_runtime_model(cache_dir), name=DEFAULT_MODEL_NAME)
