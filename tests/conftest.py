"""Shared fixtures: a seeds folder, the fake embedder, settings pointing at temporary folders."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))  # the helpers next to the tests: fake_embedder, fake_telegram

from fake_embedder import FakeEmbedder  # noqa: E402

from bot.settings import Settings  # noqa: E402

SEED = ROOT / "seeds" / "000_fa119bf131a3472f.txt"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A seeds folder holding a copy of the real seed article."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(seeds: Path, tmp_path: Path) -> Settings:
    return Settings(seeds_dir=seeds, data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The bundled multilingual-e5-small, converted once into the user's cache."""
    import os

    from bot.service import model_cache
    from bot.settings import DEFAULT_CACHE_DIR
    from index.embedder import load_embedder

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cache = Path(os.environ.get("KUTIP_CACHE_DIR") or DEFAULT_CACHE_DIR)
    return load_embedder(None, model_cache(cache))


@pytest.fixture(scope="session")
def real_service(real_embedder, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The quote service over the real seed, with the real model."""
    from bot.service import QuoteService

    root = tmp_path_factory.mktemp("real")
    (root / "seeds").mkdir()
    shutil.copy(SEED, root / "seeds" / SEED.name)
    settings = Settings(seeds_dir=root / "seeds", data_dir=root / "data", cache_dir=root / "cache")
    return QuoteService.open(settings, real_embedder)[0]
