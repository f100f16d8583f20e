"""Reads the configuration once, from the environment and an optional .env file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "kutip"
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_TOP_K = 5


class SettingsError(ValueError):
    """Raised when a variable holds a value Kutip cannot use."""


@dataclass(frozen=True)
class Settings:
    """Every knob of a deployment; see .env.example for each variable."""

    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    cache_dir: Path = DEFAULT_CACHE_DIR
    model: str | None = None
    top_k: int = DEFAULT_TOP_K
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_secret: str | None = field(default=None, repr=False)
    allowed_chat_ids: frozenset[int] = frozenset()
    admin_user_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from `environ` (default: the process environment) over the .env file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    get = lambda name: (values.get(name) or "").strip() or None  # noqa: E731
    return Settings(
        seeds_dir=Path(get("KUTIP_SEEDS_DIR") or "seeds"),
        data_dir=Path(get("KUTIP_DATA_DIR") or "data"),
        cache_dir=Path(get("KUTIP_CACHE_DIR") or DEFAULT_CACHE_DIR),
        model=get("KUTIP_MODEL"),
        top_k=_integer("KUTIP_TOP_K", get("KUTIP_TOP_K"), DEFAULT_TOP_K),
        telegram_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_api_base_url=get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
        webhook_url=get("WEBHOOK_URL"),
        webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=_integer("WEBHOOK_PORT", get("WEBHOOK_PORT"), DEFAULT_WEBHOOK_PORT),
        webhook_secret=get("WEBHOOK_SECRET_TOKEN"),
        allowed_chat_ids=_id_set("ALLOWED_CHAT_IDS", get("ALLOWED_CHAT_IDS")),
        admin_user_ids=_id_set("ADMIN_USER_IDS", get("ADMIN_USER_IDS")),
        log_level=(get("KUTIP_LOG_LEVEL") or "INFO").upper(),
    )


def _integer(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _id_set(name: str, raw: str | None) -> frozenset[int]:
    """Comma- or space-separated Telegram ids; chat ids of groups are negative."""
    if raw is None:
        return frozenset()
    parts = raw.replace(",", " ").split()
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise SettingsError(f"{name} must list numeric Telegram ids separated by commas, not {raw!r}") from None
