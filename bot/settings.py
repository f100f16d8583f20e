"""Reads the configuration once, from the environment and an optional .env file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import dotenv_values

from bot.errors import SettingsError
from index import PRECISIONS

if TYPE_CHECKING:
    from index import StoreConfig

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "kutip"
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_TOP_K = 5  # passages retrieved per question; the library's Searcher always takes k
DEFAULT_REFRESH_SECONDS = 10.0
DEFAULT_FEED_SECONDS = 900.0
DEFAULT_MAX_SEED_MB = 10.0
DEFAULT_MAX_FETCH_MB = 5.0
DEFAULT_FETCH_TIMEOUT_SECONDS = 20.0
DEFAULT_CONTEXT_HOURS = 24.0  # how long an answer can be followed up by replying to it
DEFAULT_FOLLOW_UP_MINUTES = 10.0  # how long a private chat's last answer is followed up without a reply
MEGABYTE = 1024 * 1024
STORES = ("faiss", "milvus")
DEFAULT_MILVUS_FILE = "kutip-milvus.db"  # Milvus Lite, in the data folder
DEFAULT_MILVUS_COLLECTION = "kutip"
MILVUS_SCHEMES = ("http://", "https://", "tcp://")


@dataclass(frozen=True)
class Settings:
    """Every knob of a deployment; see .env.example for each variable."""

    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    cache_dir: Path = DEFAULT_CACHE_DIR
    model: str | None = None
    model_precision: str = PRECISIONS[0]  # the bundled model's: int8 (OpenVINO) or fp32 (torch)
    top_k: int = DEFAULT_TOP_K
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    telegram_api_file_url: str | None = None  # None: derived from the base URL (file_url_for)
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_secret: str | None = field(default=None, repr=False)
    allowed_chat_ids: frozenset[int] = frozenset()
    admin_user_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS
    feeds: tuple[str, ...] = ()
    feed_seconds: float = DEFAULT_FEED_SECONDS
    allow_private_urls: bool = False
    max_seed_bytes: int | None = int(DEFAULT_MAX_SEED_MB * MEGABYTE)
    max_fetch_bytes: int = int(DEFAULT_MAX_FETCH_MB * MEGABYTE)
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT_SECONDS
    store_kind: str = STORES[0]
    milvus_uri: str | None = None  # None: a Milvus Lite file in the data folder
    milvus_token: str | None = field(default=None, repr=False)
    milvus_collection: str = DEFAULT_MILVUS_COLLECTION
    context_hours: float = DEFAULT_CONTEXT_HOURS
    follow_up_minutes: float = DEFAULT_FOLLOW_UP_MINUTES

    @property
    def store(self) -> StoreConfig:
        """Where the index lives: KUTIP_STORE, and for Milvus its URI, token and collection."""
        from index import StoreConfig

        uri = self.milvus_uri or str(self.data_dir / DEFAULT_MILVUS_FILE)
        return StoreConfig(self.store_kind, uri, self.milvus_token or "", self.milvus_collection)

    @property
    def file_url(self) -> str:
        """Where files sent to the bot are downloaded from (TELEGRAM_API_FILE_URL, else derived)."""
        return self.telegram_api_file_url or file_url_for(self.telegram_api_base_url)


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from `environ` (default: the process environment) over the .env file; an
    unset variable keeps the `Settings` field's default."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        return (values.get(name) or "").strip() or None

    default = Settings()
    return Settings(
        seeds_dir=Path(get("KUTIP_SEEDS_DIR") or default.seeds_dir),
        data_dir=Path(get("KUTIP_DATA_DIR") or default.data_dir),
        cache_dir=Path(get("KUTIP_CACHE_DIR") or default.cache_dir),
        model=get("KUTIP_MODEL"),
        model_precision=_choice("KUTIP_MODEL_PRECISION", get("KUTIP_MODEL_PRECISION"), PRECISIONS),
        top_k=_integer("KUTIP_TOP_K", get("KUTIP_TOP_K"), default.top_k),
        telegram_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_api_base_url=get("TELEGRAM_API_BASE_URL") or default.telegram_api_base_url,
        telegram_api_file_url=get("TELEGRAM_API_FILE_URL"),
        webhook_url=get("WEBHOOK_URL"),
        webhook_listen=get("WEBHOOK_LISTEN") or default.webhook_listen,
        webhook_port=_integer("WEBHOOK_PORT", get("WEBHOOK_PORT"), default.webhook_port),
        webhook_secret=get("WEBHOOK_SECRET_TOKEN"),
        allowed_chat_ids=_id_set("ALLOWED_CHAT_IDS", get("ALLOWED_CHAT_IDS")),
        admin_user_ids=_id_set("ADMIN_USER_IDS", get("ADMIN_USER_IDS")),
        log_level=(get("KUTIP_LOG_LEVEL") or default.log_level).upper(),
        refresh_seconds=_seconds("KUTIP_REFRESH_SECONDS", get("KUTIP_REFRESH_SECONDS"), default.refresh_seconds),
        feeds=tuple(url for url in (get("KUTIP_FEEDS") or "").replace(",", " ").split()),
        feed_seconds=_seconds("KUTIP_FEED_SECONDS", get("KUTIP_FEED_SECONDS"), default.feed_seconds),
        allow_private_urls=_flag("KUTIP_ALLOW_PRIVATE_URLS", get("KUTIP_ALLOW_PRIVATE_URLS")),
        max_seed_bytes=_megabytes("KUTIP_MAX_SEED_MB", get("KUTIP_MAX_SEED_MB"), default.max_seed_bytes or 0) or None,
        max_fetch_bytes=_megabytes("KUTIP_MAX_FETCH_MB", get("KUTIP_MAX_FETCH_MB"), default.max_fetch_bytes),
        fetch_timeout=_seconds(
            "KUTIP_FETCH_TIMEOUT_SECONDS", get("KUTIP_FETCH_TIMEOUT_SECONDS"), default.fetch_timeout
        ),
        store_kind=_choice("KUTIP_STORE", get("KUTIP_STORE"), STORES),
        milvus_uri=_milvus_uri(get("KUTIP_MILVUS_URI")),
        milvus_token=get("KUTIP_MILVUS_TOKEN"),
        milvus_collection=_collection(get("KUTIP_MILVUS_COLLECTION"), default.milvus_collection),
        context_hours=_duration("KUTIP_CONTEXT_HOURS", get("KUTIP_CONTEXT_HOURS"), default.context_hours, "hours"),
        follow_up_minutes=_duration(
            "KUTIP_FOLLOW_UP_MINUTES", get("KUTIP_FOLLOW_UP_MINUTES"), default.follow_up_minutes, "minutes"
        ),
    )


def file_url_for(base_url: str) -> str:
    """The Bot API's file URL beside `base_url`: `http://host:port/bot` -> `http://host:port/file/bot`.

    This is how telegram-bot-api (and api.telegram.org) lay out their URLs.
    """
    head, slash, last = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{last}" if slash else f"{base_url.rstrip('/')}/file/bot"


def _choice(name: str, raw: str | None, choices: tuple[str, ...]) -> str:
    """One of `choices` (case-insensitive); the first when unset."""
    if raw is None:
        return choices[0]
    if raw.lower() not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw.lower()


def _milvus_uri(raw: str | None) -> str | None:
    """A Milvus Lite file (pymilvus starts Lite only for a path ending in .db) or a server URL."""
    if raw is None or raw.startswith(MILVUS_SCHEMES) or (raw.endswith(".db") and "://" not in raw):
        return raw
    raise SettingsError(
        "KUTIP_MILVUS_URI must be a Milvus Lite file ending in .db (e.g. data/kutip-milvus.db) "
        "or a server URL (http://host:19530)"  # the value is not echoed: it may hold credentials
    )


def _collection(raw: str | None, default: str) -> str:
    # Milvus names: letters, digits and underscores, starting with a letter or underscore.
    if raw is None:
        return default
    if not raw.replace("_", "a").isalnum() or not raw.isascii() or raw[0].isdigit():
        raise SettingsError(f"KUTIP_MILVUS_COLLECTION must be letters, digits and underscores, not {raw!r}")
    return raw


def _integer(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _seconds(name: str, raw: str | None, default: float) -> float:
    value = _float(name, raw, default)
    if value <= 0:
        raise SettingsError(f"{name} must be a number of seconds above 0, not {raw!r}")
    return value


def _duration(name: str, raw: str | None, default: float, unit: str) -> float:
    """A number of `unit`, 0 or more: 0 turns the feature off."""
    value = _float(name, raw, default)
    if value < 0:
        raise SettingsError(f"{name} must be a number of {unit}, 0 or more, not {raw!r}")
    return value


def _megabytes(name: str, raw: str | None, default: int) -> int:
    """A size in MB (fractions allowed) as bytes, `default` bytes when unset; 0 means no limit
    where a limit is optional."""
    if raw is None:
        return default
    value = _float(name, raw, 0.0)
    if value < 0:
        raise SettingsError(f"{name} must be a size in MB, 0 or more, not {raw!r}")
    return int(value * MEGABYTE)


def _float(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


def _flag(name: str, raw: str | None) -> bool:
    if raw is None or raw.lower() in ("0", "false", "no", "off"):
        return False
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")


def _id_set(name: str, raw: str | None) -> frozenset[int]:
    """Comma- or space-separated Telegram ids; chat ids of groups are negative."""
    if raw is None:
        return frozenset()
    parts = raw.replace(",", " ").split()
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise SettingsError(f"{name} must list numeric Telegram ids separated by commas, not {raw!r}") from None
