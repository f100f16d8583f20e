"""Shared fixtures: a clean environment, a seeds folder, the fake embedder, settings in temporary folders.

Tests under tests/e2e/ are marked `e2e` here, by folder.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.service import QuoteService
from bot.settings import Settings
from bot.telegram.app import build_application
from tests.helpers import SEED
from tests.helpers.bot_driver import polling
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.fake_telegram import FakeTelegram

E2E = Path(__file__).parent / "e2e"
# What a deployment sets; a developer's own .env or shell must not leak into any test.
DEPLOYMENT_VARIABLES = ("TELEGRAM_", "KUTIP_", "WEBHOOK_")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every TELEGRAM_*, KUTIP_* and WEBHOOK_* variable for the test."""
    for name in list(os.environ):
        if name.startswith(DEPLOYMENT_VARIABLES):
            monkeypatch.delenv(name)


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


@pytest.fixture
def fake_privacy() -> bool:
    return True  # Telegram's default; a test overrides this fixture to turn it off


@pytest.fixture
async def fake(fake_privacy: bool) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API server on 127.0.0.1."""
    async with FakeTelegram(privacy_mode=fake_privacy) as server:
        yield server


@pytest.fixture
def service(settings: Settings, embedder: FakeEmbedder) -> QuoteService:
    """The quote service over the real seed article, with the fake embedder (tests/e2e: the real model)."""
    return QuoteService.open(settings, embedder)[0]


@pytest.fixture
def bot_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    return replace(settings, telegram_token=fake.token, telegram_api_base_url=fake.base_url)


@pytest.fixture
async def bot(
    service: QuoteService, bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Application]:
    """Kutip over `service`, polling the fake; fails the test if a handler crashed."""
    async with polling(build_application(service, bot_settings)) as application:
        yield application
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not crashes, crashes
