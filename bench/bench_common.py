"""What the benchmarks share: where the eval data is, the real model, where results go."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL_DIR = ROOT.parent / "shared" / "eval"
RESULTS_DIR = ROOT / "bench" / "results"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def model_cache_dir() -> Path:
    """Where the CLI keeps the converted model, so the benchmarks reuse it."""
    from bot.service import model_cache
    from bot.settings import DEFAULT_CACHE_DIR

    return model_cache(Path(os.environ.get("KUTIP_CACHE_DIR") or DEFAULT_CACHE_DIR))


def load_real_embedder(precision: str = "int8"):  # type: ignore[no-untyped-def]
    """The bundled model as Kutip runs it: int8 on OpenVINO by default, or "fp32" (torch)."""
    from index.models.embedder import load_embedder

    return load_embedder(None, model_cache_dir(), precision)


def scratch_index(corpus: Path, embedder, store: str = "faiss"):  # type: ignore[no-untyped-def]
    """Index one seed file with `embedder` in a new temporary folder, in the FAISS store or in
    Milvus Lite (a file in that folder); returns (index, folder). The caller removes the folder."""
    import shutil
    import tempfile

    from index.building import refresh_index
    from index.store import open_store
    from index.store.base import StoreConfig

    scratch = Path(tempfile.mkdtemp(prefix="kutip-bench-"))
    (scratch / "seeds").mkdir()
    shutil.copy(corpus, scratch / "seeds" / corpus.name)
    config = StoreConfig(store, str(scratch / "kutip-milvus.db"))
    refresh_index(scratch / "seeds", scratch / "data", embedder, store=config)
    return open_store(scratch / "data", config, embedder.name, embedder.dimension), scratch


def scratch_service(corpus: Path, scratch: Path, embedder, reader=None):  # type: ignore[no-untyped-def]
    """Kutip's service over a copy of one seed file, its seeds and index in `scratch` (which the
    caller removes); `reader` replaces the shipped one when given. Its `answerer` is the
    question path that a bench varies with its own profile or options (dataclasses.replace)."""
    import shutil
    from dataclasses import replace

    from bot.service import QuoteService
    from bot.settings import Settings
    from index.answering.profile import profile_for

    (scratch / "seeds").mkdir(parents=True)
    shutil.copy(corpus, scratch / "seeds" / corpus.name)
    settings = Settings(seeds_dir=scratch / "seeds", data_dir=scratch / "data")
    profile = profile_for(embedder)
    return QuoteService.open(settings, embedder, profile=replace(profile, reader=reader or profile.reader))[0]


def machine() -> dict[str, object]:
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }


def write_result(name: str, payload: dict[str, object]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2), encoding="utf-8")
    return path
