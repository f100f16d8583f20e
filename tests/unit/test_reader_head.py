"""The numpy heads that answer compute what the torch heads that were trained compute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.models.reader.head import load_head
from index.models.reader.numpy_head import load_head_ensemble, load_numpy_head, single_threaded_blas
from index.models.reader.reading import DEFAULT_HEAD_PATHS


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    states = rng.normal(size=(3, 21, 4, 384)).astype(np.float32)
    mask = np.ones((3, 21), dtype=bool)
    mask[1, 15:] = False  # a padded row
    passage = np.zeros((3, 21), dtype=bool)
    passage[:, 8:14] = True
    return states, mask, passage


@pytest.mark.parametrize("path", DEFAULT_HEAD_PATHS, ids=lambda path: path.name)
def test_numpy_head_matches_the_torch_head_on_the_shipped_weights(path: Path) -> None:
    import torch

    states, mask, passage = inputs()
    with torch.inference_mode():
        expected = load_head(path)(torch.from_numpy(states), torch.from_numpy(mask), torch.from_numpy(passage))
    got = load_numpy_head(path)(states, mask, passage)
    for torch_output, numpy_output in zip(expected, got):
        real = mask if torch_output.ndim == 2 else np.ones(3, dtype=bool)
        np.testing.assert_allclose(numpy_output[real], torch_output.numpy()[real], rtol=1e-4, atol=1e-4)


def test_the_shipped_heads_answer_with_the_mean_of_their_logits() -> None:
    states, mask, passage = inputs()
    each = [load_numpy_head(path)(states, mask, passage) for path in DEFAULT_HEAD_PATHS]
    together = load_head_ensemble(DEFAULT_HEAD_PATHS)(states, mask, passage)
    assert len(DEFAULT_HEAD_PATHS) > 1
    assert not np.allclose(each[0][2], each[1][2])  # different heads, not one file twice
    for output, parts in zip(together, zip(*each)):
        np.testing.assert_allclose(output, np.mean(parts, axis=0), rtol=1e-6)


def test_the_heads_run_numpy_products_on_one_thread_and_give_the_threads_back() -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:  # numpy's own BLAS: the one the heads' products run on
        return [pool["num_threads"] for pool in threadpool_info() if "numpy" in pool["filepath"]]

    before = blas_threads()
    states, mask, passage = inputs()
    heads = load_head_ensemble(DEFAULT_HEAD_PATHS)
    with single_threaded_blas():
        assert blas_threads() and set(blas_threads()) == {1}
        inside = heads(states, mask, passage)
    assert blas_threads() == before
    for alone, threaded in zip(inside, heads(states, mask, passage)):
        np.testing.assert_allclose(alone, threaded, rtol=1e-5, atol=1e-5)
