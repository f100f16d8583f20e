"""Configuration: the environment over .env, id lists, and bad values explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.errors import SettingsError
from bot.settings import DEFAULT_API_BASE_URL, load_settings


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=from-file\nKUTIP_TOP_K=7\nALLOWED_CHAT_IDS=1, -1002, 3\n")
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "from-env"}, env_file)
    assert settings.telegram_token == "from-env"
    assert settings.top_k == 7
    assert settings.allowed_chat_ids == frozenset({1, -1002, 3})
    assert settings.telegram_api_base_url == DEFAULT_API_BASE_URL


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path / "missing.env")
    assert (settings.seeds_dir, settings.data_dir) == (Path("seeds"), Path("data"))
    assert settings.telegram_token is None and settings.webhook_url is None
    assert settings.allowed_chat_ids == frozenset() == settings.admin_user_ids


def test_the_model_runs_int8_unless_fp32_is_asked_for(tmp_path: Path) -> None:
    assert load_settings({}, tmp_path / "missing.env").model_precision == "int8"
    assert load_settings({"KUTIP_MODEL_PRECISION": "FP32"}, tmp_path / "missing.env").model_precision == "fp32"


def test_the_token_is_kept_out_of_the_settings_repr() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": "123:secret", "WEBHOOK_SECRET_TOKEN": "hush", "KUTIP_MILVUS_TOKEN": "root:Milvus"}, None
    )
    assert "secret" not in repr(settings) and "hush" not in repr(settings)
    assert "Milvus" not in repr(settings) and "Milvus" not in repr(settings.store)


def test_the_store_defaults_to_faiss_and_milvus_lite_lives_in_the_data_folder(tmp_path: Path) -> None:
    assert load_settings({}, None).store.kind == "faiss"
    settings = load_settings({"KUTIP_STORE": "Milvus", "KUTIP_DATA_DIR": str(tmp_path)}, None)
    assert (settings.store.kind, settings.store.milvus_uri) == ("milvus", str(tmp_path / "kutip-milvus.db"))
    server = load_settings({"KUTIP_STORE": "milvus", "KUTIP_MILVUS_URI": "http://milvus:19530"}, None)
    assert server.store.milvus_uri == "http://milvus:19530" and server.store.collection == "kutip"


def test_a_bad_milvus_uri_is_not_echoed_since_it_may_hold_a_password() -> None:
    with pytest.raises(SettingsError, match="ending in .db") as caught:
        load_settings({"KUTIP_MILVUS_URI": "user:hunter2@milvus"}, None)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KUTIP_TOP_K", "many"),
        ("ALLOWED_CHAT_IDS", "me, you"),
        ("WEBHOOK_PORT", "80a"),
        ("KUTIP_MODEL_PRECISION", "int4"),
        ("KUTIP_STORE", "postgres"),
        ("KUTIP_MILVUS_URI", "data/kutip.sqlite"),
        ("KUTIP_MILVUS_COLLECTION", "my-library"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, None)


def test_the_cli_reports_a_bad_value_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KUTIP_TOP_K", "many")
    assert cli.main(["info"]) == 1
    assert capsys.readouterr().err == "kutip: KUTIP_TOP_K must be a whole number, not 'many'\n"
