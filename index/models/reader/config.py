"""The reader head's shape, shared by its torch (training) and numpy (answering) forms."""

from __future__ import annotations

from dataclasses import dataclass

LAYERS = (3, 6, 9, 12)
NEGATIVE = -1e4  # logit for positions that cannot hold the answer


@dataclass(frozen=True)
class HeadConfig:
    """The head's shape; saved beside the weights so a file always loads into its own shape."""

    hidden: int = 384
    layers: tuple[int, ...] = LAYERS
    width: int = 192
    heads: int = 4
    blocks: int = 2
    dropout: float = 0.1
