"""The real model, converted once per session, and the quote service over the real seed article."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.service import QuoteService, open_embedder, open_service
from bot.settings import DEFAULT_CACHE_DIR, Settings
from index import Embedder
from tests.helpers import SEED

# Read at import, before the autouse fixture clears KUTIP_* for each test.
CACHE_DIR = Path(os.environ.get("KUTIP_CACHE_DIR") or DEFAULT_CACHE_DIR)


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The bundled multilingual-e5-small, converted once into the user's cache."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return open_embedder(Settings(cache_dir=CACHE_DIR))


@pytest.fixture(scope="session")
def real_service(real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> QuoteService:
    """The quote service over the real seed, with the real model."""
    root = tmp_path_factory.mktemp("real")
    (root / "seeds").mkdir()
    shutil.copy(SEED, root / "seeds" / SEED.name)
    return open_service(
        Settings(seeds_dir=root / "seeds", data_dir=root / "data", cache_dir=root / "cache"), real_embedder
    )
