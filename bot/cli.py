"""The `kutip` command: one `Command` per subcommand (its help, examples, arguments and handler together).

index, ask, add, remove, info, eval, chat, bot, and run (the bot or the chat). Errors become one
line on stderr here, at the edge: exit 2 for input the user can fix, 1 for the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answers import Answer, Citation
from bot.errors import AppError, EmptyQuestionError, QuestionError, UsageError
from bot.question import check_question
from bot.render_text import render_answer_text
from bot.reply_language import reply_language
from bot.settings import Settings, load_settings
from index import KutipError

if TYPE_CHECKING:
    from bot.service import QuoteService
    from index import BuildReport, Embedder

# A command's handler: (parsed arguments, settings, the embedder to use instead of loading the model).
Handler = Callable[[argparse.Namespace, Settings, "Embedder | None"], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its one-line help, examples (shown by `kutip COMMAND --help` and the
    first of them by `kutip --help`), the arguments it takes and what it runs."""

    name: str
    summary: str
    examples: tuple[str, ...]
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Handler


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
MALLOC_ARENAS = 2


def _limit_malloc_arenas() -> None:
    """Two malloc arenas instead of glibc's eight per core: the bot answers on worker threads,
    and every thread's arena would keep the memory the model's buffers once took (one of the
    three changes that took the bot from 577 to 450 MiB in bench/speed.py; see
    index/models/openvino.py). Where malloc is not glibc's, nothing happens."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def main(argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    """Run one command; `embedder` (tests) replaces the model everywhere the command would load it."""
    # The Hub is unreachable by design: never let a library try it.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Kutip draws its own progress bar; the libraries' weight-loading bars are noise.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    _limit_malloc_arenas()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = _settings(args)
        logging.basicConfig(
            level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        _quiet_libraries()
        return int(args.run(args, settings, embedder) or 0)
    except UsageError as error:
        print(f"kutip: {error}", file=sys.stderr)
        return 2
    except (KutipError, AppError) as error:
        print(f"kutip: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kutip",
        description="Answers questions about news articles by quoting them.",
        epilog=_examples(example for command in COMMANDS for example in command.examples[:2]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = subcommands.add_parser(
            command.name,
            help=command.summary,
            description=command.summary,
            epilog=_examples(command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=command.run)
        command.arguments(sub)
    return parser


def _examples(lines: Iterable[str]) -> str:
    return "examples:\n" + "".join(f"  {line}\n" for line in lines)


def _data_options(sub: argparse.ArgumentParser, seeds: bool = True) -> None:
    if seeds:
        sub.add_argument("--seeds", type=Path, help="articles folder (KUTIP_SEEDS_DIR, default seeds/)")
    sub.add_argument("--data", type=Path, help="index folder (KUTIP_DATA_DIR, default data/)")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    overrides = {
        "seeds_dir": getattr(args, "seeds", None),
        "data_dir": getattr(args, "data", None),
        "top_k": getattr(args, "k", None),
    }
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def _quiet_libraries() -> None:
    # httpx logs every request URL, and Telegram URLs carry the bot token; faiss logs which
    # CPU build it loads, now that the index is opened after logging is set up.
    for name in ("httpx", "httpcore", "sentence_transformers", "bm25s", "transformers", "faiss"):
        logging.getLogger(name).setLevel(logging.WARNING)


def cli_question(text: str) -> str:
    """The stripped question (see bot.question); raises UsageError when empty or too long."""
    try:
        return check_question(text)
    except EmptyQuestionError:
        raise UsageError('the question is empty: ask something, e.g. kutip ask "Siapa Putin?"') from None
    except QuestionError as error:
        raise UsageError(str(error)) from None


def answer_json(answer: Answer) -> dict[str, object]:
    """The `kutip ask --json` object."""
    language = reply_language(answer.question)
    return {
        "question": answer.question,
        "status": answer.status,
        "answered": answer.answered,
        "answer": render_answer_text(answer, language),
        "follow_up_of": answer.follow_up_of,
        "citations": [citation_json(c) for c in answer.citations],
        "more": [citation_json(c) for c in answer.more],
        "hits": [
            {
                "rank": rank,
                "retrieval_rank": h.rank,
                "article_id": h.passage.article_id,
                "passage_id": h.passage.id,
                "paragraph": h.passage.paragraph,
                "score": round(h.score, 4),
                "text": h.passage.text,
            }
            for rank, h in enumerate(answer.hits, start=1)
        ],
    }


def citation_json(c: Citation) -> dict[str, object]:
    return {
        "n": c.n,
        "article_id": c.article_id,
        "title": c.title,
        "url": c.url,
        "paragraph": c.paragraph,
        "passage_id": c.passage_id,
        "quote": c.quote,
        "answer": {"text": c.answer.text, "start": c.answer.start} if c.answer else None,
        "score": round(c.score, 4),
    }


def _build_index(settings: Settings, embedder: Embedder | None, rebuild: bool = False) -> BuildReport:
    """Refresh (or rebuild) the index with a progress bar; warnings go to stderr."""
    from bot.progress import progress_bar
    from bot.service import open_embedder, refresh

    report = refresh(settings, embedder or open_embedder(settings), progress_bar, rebuild=rebuild)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return report


def _index_arguments(sub: argparse.ArgumentParser) -> None:
    _data_options(sub)
    sub.add_argument("--rebuild", action="store_true", help="re-embed everything from scratch")


def _run_index(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    report = _build_index(settings, embedder, rebuild=args.rebuild)
    state = "rebuilt" if args.rebuild else ("updated" if report.changed else "already up to date")
    print(
        f"index {state}: {report.articles} articles, {report.passages} passages, "
        f"{report.embedded_articles} embedded, {report.removed_articles} removed, "
        f"{len(report.warnings)} warnings, {report.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


INDEX = Command(
    "index",
    "build or refresh the index from the articles folder",
    (
        "kutip index                       build or refresh the index from seeds/",
        "kutip index --rebuild             re-embed everything, e.g. after changing KUTIP_MODEL",
    ),
    _index_arguments,
    _run_index,
)


def _ask_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("question", nargs="?", help="the question; omit to read one per line from stdin (JSON out)")
    _data_options(sub)
    sub.add_argument("--k", type=int, help="passages to retrieve (KUTIP_TOP_K, default 5)")
    sub.add_argument("--json", action="store_true", help="print one JSON object")


def _run_ask(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    from bot.progress import progress_bar
    from bot.service import open_service

    question = cli_question(args.question) if args.question is not None else None
    service = open_service(settings, embedder, progress=progress_bar)
    if question is not None:
        answer = service.ask(question)
        text = (
            json.dumps(answer_json(answer), ensure_ascii=False)
            if args.json
            else render_answer_text(answer, reply_language(question))
        )
        print(text)
        return 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            payload = answer_json(_ask_line(service, line))
        except UsageError as error:
            payload = {"question": line.strip()[:100], "error": str(error)}
        print(json.dumps(payload, ensure_ascii=False), flush=True)
    return 0


def _ask_line(service: QuoteService, line: str) -> Answer:
    """A stdin line's answer: a plain question, or `{"question": ..., "after": [...]}`, where the
    `after` questions are asked first, each a reply to the answer before, and `question` last."""
    from bot.conversations import exchange_of
    from index import Context

    chain = _chain(line)
    answer = service.ask(chain[0])
    for question in chain[1:]:
        answer = service.ask_in_context(question, Context(exchange_of(answer), replying=True))
    return answer


def _chain(line: str) -> list[str]:
    """The questions a stdin line asks, in order (see `_ask_line`); raises UsageError when malformed."""
    try:
        payload = json.loads(line)
    except ValueError:
        return [cli_question(line)]
    if not isinstance(payload, dict):
        return [cli_question(line)]
    after, question = payload.get("after", []), payload.get("question")
    if not isinstance(question, str) or not isinstance(after, list) or not all(isinstance(q, str) for q in after):
        raise UsageError('a JSON line needs "question" (text) and optionally "after" (a list of questions)')
    return [cli_question(q) for q in [*after, question]]


ASK = Command(
    "ask",
    "answer a question with quotes from the articles",
    (
        'kutip ask "Apa kata Putin tentang Korea Utara?"',
        'echo "Who did Putin blame?" | kutip ask --json',
        'kutip ask "Siapa CEO Kantor Berita Yonhap?" --json --k 10   the --json fields: docs/cli.md',
    ),
    _ask_arguments,
    _run_ask,
)


def _add_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("source", help="an http(s) URL of a news page, or a .txt, .md or .html file")
    _data_options(sub)


def _run_add(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    import getpass

    from index import Fetcher, add_article, add_from_url, draft_from_file

    source = Path(args.source)
    added_by = f"kutip add ({getpass.getuser()})"
    if source.is_file():
        if source.stat().st_size > settings.max_fetch_bytes:
            raise UsageError(f"{source} is over the KUTIP_MAX_FETCH_MB limit")
        article = add_article(settings.seeds_dir, draft_from_file(source.name, source.read_bytes()), added_by)
    else:
        fetcher = Fetcher(
            allow_private=settings.allow_private_urls,
            timeout=settings.fetch_timeout,
            max_bytes=settings.max_fetch_bytes,
        )
        article = add_from_url(settings.seeds_dir, fetcher, args.source, added_by)
    print(f"added {article.id}: {article.title} ({settings.seeds_dir / article.source})", file=sys.stderr)
    _build_index(settings, embedder)
    print(article.id)
    return 0


ADD = Command(
    "add",
    "add an article from a URL or a file to seeds/added/, then refresh the index",
    (
        "kutip add https://kabar.id/2026/11/banjir   fetch, extract and add an article, then index it",
        "kutip add laporan.md              add a .txt, .md or .html file",
    ),
    _add_arguments,
    _run_add,
)


def _remove_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("article", help="the article's id (see /sources or seeds/added/) or exact title")
    _data_options(sub)


def _run_remove(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    from index import remove_article

    article = remove_article(settings.seeds_dir, args.article)
    print(f"removed {article.id}: {article.title}", file=sys.stderr)
    _build_index(settings, embedder)
    return 0


REMOVE = Command(
    "remove",
    "remove an article by id or exact title, then refresh the index",
    ("kutip remove banjir-merendam-bekasi-bfa432a7   remove by id (or exact title)",),
    _remove_arguments,
    _run_remove,
)


def _info_arguments(sub: argparse.ArgumentParser) -> None:
    _data_options(sub, seeds=False)
    sub.add_argument("--json", action="store_true", help="print one JSON object")


def describe_index(settings: Settings) -> dict[str, object]:
    """What `kutip info` shows: the manifest's model, sizes and date, and where the model lies."""
    from bot.service import model_cache
    from index import MODEL_DIR_NAME, read_manifest

    manifest = read_manifest(settings.data_dir)
    return {
        "model": manifest.model_name,
        "model_path": settings.model or str(model_cache(settings.cache_dir) / MODEL_DIR_NAME),
        # What questions run on: the bundled model's int8 export unless KUTIP_MODEL_PRECISION=fp32.
        "model_precision": "fp32" if settings.model else settings.model_precision,
        "dimension": manifest.dimension,
        "articles": len(manifest.article_hashes),
        "passages": manifest.passage_count,
        "store": manifest.store,
        "index_type": manifest.index_type,
        "built_at": manifest.built_at,
        "data_dir": str(settings.data_dir),
        **({"milvus": manifest.location} if manifest.location else {}),
    }


def _run_info(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    info = describe_index(settings)
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        for key, value in info.items():
            print(f"{key:>12}: {value}")
    return 0


INFO = Command(
    "info",
    "describe the index: model, articles, passages, when built",
    (
        "kutip info                        model, dimension, articles, passages, store, built when",
        "kutip info --json",
    ),
    _info_arguments,
    _run_info,
)


def _eval_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("file", type=Path, help="questions in the shared eval format (JSONL)")
    sub.add_argument("--corpus", type=Path, help="articles JSONL; default: the questions' own contexts")
    sub.add_argument("--split", help="only questions of this split (e.g. validation)")


def _run_eval(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    from bot.eval_command import run_eval

    report = run_eval(settings, args.file, args.corpus, args.split, embedder)
    print(json.dumps(report, indent=2))
    return 0


EVAL = Command(
    "eval",
    "recall@1, recall@5, MRR@10 and decline rates on a question file",
    (
        "kutip eval ../shared/eval/facqa_dev.jsonl --corpus ../shared/eval/facqa_corpus.jsonl",
        "kutip eval ../shared/eval/idkmrc_dev.jsonl --split validation",
    ),
    _eval_arguments,
    _run_eval,
)


def _run_chat(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    from bot.chat import run_chat
    from bot.progress import progress_bar
    from bot.service import open_service

    return run_chat(settings, sys.stdin, sys.stdout, open_service(settings, embedder, progress=progress_bar))


CHAT = Command(
    "chat",
    "an interactive chat in the terminal",
    ("kutip chat                        ask away; /sources, /help, /quit",),
    _data_options,
    _run_chat,
)


def _run_bot(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    from bot.telegram.app import run_bot

    return run_bot(settings, embedder)


BOT = Command(
    "bot",
    "run the Telegram bot (needs TELEGRAM_BOT_TOKEN)",
    ("kutip bot                         long polling, or a webhook when WEBHOOK_URL is set",),
    _data_options,
    _run_bot,
)


def _run_run(args: argparse.Namespace, settings: Settings, embedder: Embedder | None) -> int:
    if settings.telegram_token:
        return _run_bot(args, settings, embedder)
    print("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat.", file=sys.stderr)
    return _run_chat(args, settings, embedder)


RUN = Command(
    "run",
    "the Telegram bot when a token is set, otherwise the terminal chat",
    ("kutip run                         the Telegram bot if TELEGRAM_BOT_TOKEN is set, else a chat",),
    _data_options,
    _run_run,
)


COMMANDS = (INDEX, ASK, ADD, REMOVE, INFO, EVAL, CHAT, BOT, RUN)


if __name__ == "__main__":
    sys.exit(main())
