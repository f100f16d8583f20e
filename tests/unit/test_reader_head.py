"""The numpy head that answers computes what the torch head that was trained computes."""

from __future__ import annotations

import numpy as np

from index.reader.head import load_head
from index.reader.numpy_head import load_numpy_head
from index.reader.reading import DEFAULT_HEAD_PATH


def test_numpy_head_matches_the_torch_head_on_the_shipped_weights() -> None:
    import torch

    rng = np.random.default_rng(7)
    states = rng.normal(size=(3, 21, 4, 384)).astype(np.float32)
    mask = np.ones((3, 21), dtype=bool)
    mask[1, 15:] = False  # a padded row
    passage = np.zeros((3, 21), dtype=bool)
    passage[:, 8:14] = True
    with torch.inference_mode():
        expected = load_head(DEFAULT_HEAD_PATH)(
            torch.from_numpy(states), torch.from_numpy(mask), torch.from_numpy(passage)
        )
    got = load_numpy_head(DEFAULT_HEAD_PATH)(states, mask, passage)
    for torch_output, numpy_output in zip(expected, got):
        real = mask if torch_output.ndim == 2 else np.ones(3, dtype=bool)
        np.testing.assert_allclose(numpy_output[real], torch_output.numpy()[real], rtol=1e-4, atol=1e-4)
