"""Step 1 of `make train-reader`: build the examples and store the encoder's states for them.

Run: .venv/bin/python -m training.prepare_reader_data [--eval-dir ../shared/eval] [--out build/reader]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from pathlib import Path

import torch

from index.models.embedder import SentenceTransformerEmbedder, load_embedder
from training.extract_features import INFO_FILE, extract
from training.reader_examples import build_context_examples, build_examples, build_open_examples

DEFAULT_OUT = Path("build/reader")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--again", action="store_true", help="redo parts already extracted")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    started = time.perf_counter()
    cache = Path(os.environ.get("KUTIP_CACHE_DIR") or Path.home() / ".cache" / "kutip") / "models"
    # The shipped head learnt from the float32 encoder's states; the int8 runtime's agree with
    # them closely enough that its figures hold (bench/runtime.py).
    embedder = load_embedder(None, cache, "fp32")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    for part, build in (("open", build_open_examples), ("base", build_examples), ("context", build_context_examples)):
        if (args.out / part / INFO_FILE).exists() and not args.again:
            print(f"{args.out / part} exists: kept (--again to redo it)")
            continue
        examples = build(args.eval_dir, embedder.tokenizer, embedder)
        counts = Counter((e.role, e.source, e.start_token >= 0) for e in examples)
        print(f"{part}: {len(examples)} examples in {time.perf_counter() - started:.0f} s:")
        for key, count in sorted(counts.items()):
            print(f"  {key}: {count}")
        extract(examples, embedder, args.out / part)
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
