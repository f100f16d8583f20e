"""Turns text into normalised float32 vectors; the only module that imports sentence-transformers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.e5.tokenizer import MAX_SEQ_LENGTH  # when a model does not say: BERT's 512 positions
from index.errors import ModelError

DEFAULT_BATCH_SIZE = 32
ProgressCallback = Callable[[int], None]


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    dimension: int
    max_tokens: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


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
        chunks = []
        # Sorting by length keeps padding small inside each batch: most of the speed-up
        # sentence-transformers gets on its own, kept while we report progress per batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for begin in range(0, len(order), DEFAULT_BATCH_SIZE):
            batch = [texts[i] for i in order[begin : begin + DEFAULT_BATCH_SIZE]]
            chunks.append(
                self._model.encode_document(
                    batch,
                    batch_size=DEFAULT_BATCH_SIZE,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )
            )
            if progress is not None:
                progress(len(batch))
        if not chunks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        vectors[order] = np.concatenate(chunks)
        return vectors

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


def load_embedder(model: str | None, cache_dir: Path) -> Embedder:
    """The configured model, or the bundled multilingual-e5-small when `model` is empty."""
    if model:
        return SentenceTransformerEmbedder(model)
    from index.e5.model import DEFAULT_MODEL_NAME, ensure_e5_model

    return SentenceTransformerEmbedder(ensure_e5_model(cache_dir), name=DEFAULT_MODEL_NAME)
