"""Encodes every reader example once with the frozen encoder and stores the hidden states.

The encoder does not change while the reader head trains, so its layers are computed once
(the slow part: about 20 minutes on 2 cores) into a float16 memory map that every epoch reads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from index.models.embedder import SentenceTransformerEmbedder
from index.models.reader.config import LAYERS
from index.models.reader.pairs import pad_batch
from training.reader_examples import Example

BATCH = 32
STATES_FILE = "states.f16"
TABLE_FILE = "examples.npz"
INFO_FILE = "info.json"
SOURCES = (
    "facqa-gold",
    "facqa-hard",
    "facqa-random",
    "idkmrc",
    "facqa-context",
    "qed",
    "squadshifts",
    "tydiqa",
    "natural",
)


def extract(examples: list[Example], embedder: SentenceTransformerEmbedder, folder: Path) -> None:
    """Write the layer states of `examples` into `folder`, replacing what was there."""
    folder.mkdir(parents=True, exist_ok=True)
    lengths = np.array([len(e.pair.input_ids) for e in examples], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    dimension = embedder.dimension
    states = np.lib.format.open_memmap(
        folder / STATES_FILE, mode="w+", dtype=np.float16, shape=(int(lengths.sum()), len(LAYERS), dimension)
    )
    order = np.argsort(lengths, kind="stable")  # similar lengths together: little padding
    started = time.perf_counter()
    for done, begin in enumerate(range(0, len(order), BATCH)):
        batch = order[begin : begin + BATCH]
        ids, mask = pad_batch([examples[i].pair for i in batch], embedder.tokenizer.pad_token_id)
        layers = embedder.layer_states(ids, mask, LAYERS)
        for row, i in enumerate(batch):
            states[offsets[i] : offsets[i] + lengths[i]] = layers[row, : lengths[i]]
        if done % 50 == 0:
            print(f"  {begin + len(batch)}/{len(order)} pairs, {time.perf_counter() - started:.0f} s", flush=True)
    states.flush()
    np.savez(
        folder / TABLE_FILE,
        offsets=offsets,
        lengths=lengths,
        start=np.array([e.start_token for e in examples], dtype=np.int64),
        end=np.array([e.end_token for e in examples], dtype=np.int64),
        first_passage=np.array([e.pair.first_passage_token for e in examples], dtype=np.int64),
        source=np.array([SOURCES.index(e.source) for e in examples], dtype=np.int64),
        train=np.array([e.role == "train" for e in examples]),
        question=np.array([e.question_id for e in examples]),
    )
    (folder / INFO_FILE).write_text(
        json.dumps(
            {
                "examples": len(examples),
                "tokens": int(lengths.sum()),
                "layers": list(LAYERS),
                "seconds": time.perf_counter() - started,
            }
        )
    )
