"""The kutip command with the fake embedder: ask, --json, stdin JSONL, info, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import cli
from index import Embedder
from index.store import milvus_schema
from index.store.base import MILVUS, StoreConfig
from tests.helpers.fake_embedder import FakeEmbedder


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, seeds: Path, tmp_path: Path) -> Path:
    """Point the CLI at temporary folders."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KUTIP_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("KUTIP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def kutip(*argv: str, embedder: Embedder | None = None) -> int:
    """`kutip ARGV...` with the fake embedder in place of the model."""
    return cli.main(list(argv), embedder=embedder or FakeEmbedder())


QUESTION = "Siapa yang disalahkan Vladimir Putin atas kebuntuan negosiasi nuklir?"


def test_ask_json_builds_the_index_first_and_cites_exact_quotes(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kutip("ask", QUESTION, "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["answered"] is True and payload["status"] == "answered"
    assert set(payload) == {"question", "status", "answered", "answer", "follow_up_of", "citations", "more", "hits"}
    assert payload["follow_up_of"] is None
    text = (env / "seeds" / "000_fa119bf131a3472f.txt").read_text(encoding="utf-8")
    shown = payload["citations"] + payload["more"]
    assert shown and all(c["quote"] in text for c in shown)
    assert [c["n"] for c in shown] == list(range(1, len(shown) + 1))  # the "More sources" quotes follow
    assert payload["citations"][0]["paragraph"] == 8
    ranks = list(range(1, len(payload["hits"]) + 1))
    assert [h["rank"] for h in payload["hits"]] == ranks
    assert sorted(h["retrieval_rank"] for h in payload["hits"]) == ranks
    assert payload["hits"][0]["passage_id"] == payload["citations"][0]["passage_id"]  # in the judged order
    assert "[1]" in payload["answer"]


def test_ask_reads_questions_from_stdin_one_json_per_line(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{QUESTION}\n\nresep rendang padang\n"))
    assert kutip("ask") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["answered"] for line in lines] == [True, False]
    assert lines[1]["citations"] == [] and lines[1]["more"] == []


def test_a_json_line_asks_its_question_after_a_chain_of_earlier_ones(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = {
        "question": "dia ngomong apa ke Putin?",
        "after": ["Siapa CEO Kantor Berita Yonhap?", "kantornya di mana?"],
    }
    lines = [json.dumps(chain), json.dumps({"question": QUESTION}), "kantornya di mana?", '{"after": ["x"]}']
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert kutip("ask") == 0
    follow_up, alone, plain, broken = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert follow_up["question"] == "dia ngomong apa ke Putin?" and follow_up["follow_up_of"] == "kantornya di mana?"
    assert follow_up["answer"].startswith("↪ kantornya di mana?\n")
    assert follow_up["citations"][0]["paragraph"] == 3  # the Yonhap paragraph, two questions on
    assert alone["follow_up_of"] is None and alone["citations"][0]["paragraph"] == 8
    assert plain["follow_up_of"] is None and plain["question"] == "kantornya di mana?"
    assert "error" in broken and '"question"' in broken["error"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_empty_or_huge_questions_get_one_line_and_exit_2(
    env: Path, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    assert kutip("ask", question) == 2
    err = capsys.readouterr().err
    assert err.startswith("kutip: ") and err.count("\n") == 1


def test_unknown_options_get_usage_help(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        kutip("ask", "--frobnicate")
    assert exit_info.value.code == 2
    assert "usage: kutip" in capsys.readouterr().err


def test_index_then_info(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kutip("index") == 0
    assert "1 articles" in capsys.readouterr().err
    assert kutip("info", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["model"], info["articles"], info["index_type"]) == ("fake-hash-embedder", 1, "IndexFlatIP")
    assert info["passages"] >= 1 and info["built_at"] and info["store"] == "faiss"


def test_the_milvus_store_gives_the_same_answer(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kutip("ask", QUESTION, "--json") == 0
    default = json.loads(capsys.readouterr().out)
    lite = env / "data" / "kutip-milvus.db"
    monkeypatch.setenv("KUTIP_STORE", "milvus")
    try:
        assert kutip("index") == 0
        assert kutip("info", "--json") == 0
        info = json.loads(capsys.readouterr().out)
        assert (info["store"], info["index_type"]) == ("milvus", "milvus FLAT")
        assert info["milvus"] == f"{lite}#kutip" and lite.stat().st_size > 0
        assert kutip("ask", QUESTION, "--json") == 0
        assert json.loads(capsys.readouterr().out) == default
    finally:
        milvus_schema.disconnect(StoreConfig(MILVUS, str(lite)))


def test_an_empty_seeds_folder_is_a_clear_error(env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert kutip("index", "--seeds", str(empty)) == 1
    assert "empty" in capsys.readouterr().err


def test_a_broken_seed_file_is_named_and_skipped(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "seeds" / "broken.txt").write_bytes(b"\xff\xfe\x00 not utf-8")
    assert kutip("index") == 0
    err = capsys.readouterr().err
    assert "broken.txt" in err and "1 articles" in err


def test_an_incompatible_index_is_explained_not_a_traceback(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kutip("index") == 0
    other = FakeEmbedder(dimension=16, name="another-model")
    assert kutip("ask", QUESTION, embedder=other) == 1
    err = capsys.readouterr().err
    assert "kutip index --rebuild" in err and "Traceback" not in err


def test_add_a_file_then_remove_it_from_the_terminal(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = env / "bendungan.md"
    article.write_text(
        "---\ntitle: Bendungan Sukamahi diisi\n---\n" + "Bendungan kering Sukamahi di Bogor "
        "mampu menahan 1,68 juta meter kubik air banjir kiriman ke Jakarta. " * 3,
        encoding="utf-8",
    )
    assert kutip("add", str(article)) == 0
    article_id = capsys.readouterr().out.strip()
    assert (env / "seeds" / "added" / f"{article_id}.md").is_file()
    assert kutip("ask", "Berapa meter kubik air yang ditahan bendungan Sukamahi?", "--json") == 0
    assert json.loads(capsys.readouterr().out)["citations"][0]["article_id"] == article_id
    assert kutip("add", str(article)) == 1
    assert "already in the library" in capsys.readouterr().err
    assert kutip("remove", "Bendungan Sukamahi diisi") == 0
    assert not (env / "seeds" / "added" / f"{article_id}.md").exists()
    assert kutip("add", "http://127.0.0.1:9/x") == 1
    assert "private or local address" in capsys.readouterr().err
