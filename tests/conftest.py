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
