"""Exports the converted model once for serving: OpenVINO IR with int8 weights, no torch needed.

Weight-only int8 (NNCF's INT8_ASYM, per output channel) rather than dynamic int8: activations
stay float, so a passage gets the same vector alone or in a batch, and the vectors stay at
cosine >= 0.9997 to the float32 model (bench/runtime.py). The graph returns the last hidden
state (pooled into the embedding) and the layers the answer reader reads. The light
tokenizer's vocabulary is written beside it. A marker with every file's sha256 and the
conversion it came from is written last; a folder whose files no longer match it, or that
was exported from another conversion, is exported again.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from pathlib import Path
from typing import Any

from index.checksums import file_sha256
from index.errors import ModelError
from index.models.e5.model import (
    MODEL_DIR_NAME,
    conversion_marker,
    ensure_e5_model,
    read_vocabulary,
    replace_folder_atomically,
)
from index.models.e5.unigram import save_vocabulary
from index.models.reader.config import LAYERS

RUNTIME_DIR_NAME = f"{MODEL_DIR_NAME}-openvino-int8"
GRAPH_FILE = "model.xml"
WEIGHTS_FILE = "model.bin"
VOCABULARY_FILE = "vocabulary.json"
MARKER_FILE = "kutip_export.json"
EXPORTED_FILES = (GRAPH_FILE, WEIGHTS_FILE, VOCABULARY_FILE)
EXPORT_VERSION = 1  # bump whenever the exported files change
TOKEN_STATES = "token_states"  # (batch, tokens, hidden): the last layer, mean-pooled into vectors
LAYER_STATES = "layer_states"  # (batch, tokens, len(LAYERS), hidden): what the reader reads

log = logging.getLogger(__name__)


def ensure_runtime_model(cache_dir: Path) -> Path:
    """The exported int8 folder under cache_dir, exported first when missing, stale or damaged."""
    target = cache_dir / RUNTIME_DIR_NAME
    if _is_current(target):
        return target
    if (target / MARKER_FILE).exists():
        log.warning("the exported model in %s is damaged or out of date: exporting it again", target)
    converted = ensure_e5_model(cache_dir)
    started = time.perf_counter()
    try:
        replace_folder_atomically(target, lambda folder: _export(converted, folder), _is_current)
    except OSError as error:
        raise ModelError(f"cannot write the exported model to {target}: {error}") from error
    log.info("exported the int8 model into %s in %.1f s", target, time.perf_counter() - started)
    return target


def _export(converted: Path, folder: Path) -> None:
    """Trace the float32 model into OpenVINO, compress its weights to int8, save it, then
    the vocabulary, then the marker."""
    import nncf
    import openvino as ov
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(converted), local_files_only=True).eval()
    example = torch.tensor([[0, 6, 2]])
    with warnings.catch_warnings():
        # OpenVINO traces with torch.jit, which warns that it is deprecated and that traced
        # branches are fixed; the graph has none that depend on the input, and the tests
        # compare the exported model's vectors with the original's.
        warnings.simplefilter("ignore")
        graph = ov.convert_model(
            _states_module(model),
            example_input={"input_ids": example, "attention_mask": torch.ones_like(example)},
            input=[("input_ids", [-1, -1], ov.Type.i64), ("attention_mask", [-1, -1], ov.Type.i64)],
        )
    for output, name in zip(graph.outputs, (TOKEN_STATES, LAYER_STATES)):
        output.get_tensor().set_names({name})
    compressed = nncf.compress_weights(graph, mode=nncf.CompressWeightsMode.INT8_ASYM)
    ov.save_model(compressed, str(folder / GRAPH_FILE), compress_to_fp16=False)
    save_vocabulary(*read_vocabulary(), folder / VOCABULARY_FILE)
    files = {name: file_sha256(folder / name) for name in EXPORTED_FILES}
    marker = {**_identity(), "files": files}
    (folder / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _states_module(model: Any) -> Any:
    """The model as a module returning (last hidden state, stacked reader layers)."""
    import torch

    class StatesOf(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
            output = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            layers = torch.stack([output.hidden_states[layer] for layer in LAYERS], dim=2)
            return output.last_hidden_state, layers

    return StatesOf()


def _identity() -> dict[str, Any]:
    """What the marker says besides the checksums: the exporter and the conversion it read."""
    return {"export": EXPORT_VERSION, "conversion": conversion_marker(), "layers": list(LAYERS)}


def _is_current(folder: Path) -> bool:
    """True if folder holds an export of today's conversion whose files match their sha256."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
        files: dict[str, str] = marker.pop("files")
        return (
            marker == _identity()
            and set(files) == set(EXPORTED_FILES)
            and all(file_sha256(folder / name) == digest for name, digest in files.items())
        )
    except (OSError, ValueError, KeyError, AttributeError):
        return False
