"""Memory and load time of the bundled model's two tokenizers, each in a fresh process:
`tokenizers` reading tokenizer.json (what sentence-transformers uses) and Kutip's light
`index/models/e5/unigram.py` (what the int8 runtime uses).

Run: .venv/bin/python bench/tokenizer.py   (writes bench/results/tokenizer.json)
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench_common import ROOT, model_cache_dir, write_result

from index.models.e5.export import RUNTIME_DIR_NAME, VOCABULARY_FILE
from index.models.e5.model import MODEL_DIR_NAME

MEASURE = """
import json, sys, time
from pathlib import Path
def rss_mib():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
kind, path = sys.argv[1:]
if kind == "tokenizers":
    from tokenizers import Tokenizer as load
    load = load.from_file
else:
    from index.models.e5.unigram import load_tokenizer as load
before, started = rss_mib(), time.perf_counter()
tokenizer = load(path if kind == "tokenizers" else Path(path))
print(json.dumps({"load_seconds": round(time.perf_counter() - started, 3), "rss_mib": round(rss_mib() - before, 1)}))
"""


def measure(kind: str, path: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, kind, path], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    cache = model_cache_dir()
    report = {
        "tokenizers (tokenizer.json)": measure("tokenizers", str(cache / MODEL_DIR_NAME / "tokenizer.json")),
        "index/models/e5/unigram.py": measure("unigram", str(cache / RUNTIME_DIR_NAME / VOCABULARY_FILE)),
    }
    write_result("tokenizer", report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
