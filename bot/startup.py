"""Start-up work shared by the CLI, the chat and the bot: load the model, refresh and open the index."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from tqdm import tqdm

from bot.service import QuoteService, model_cache
from bot.settings import Settings
from index.building import BuildReport, refresh_index
from index.e5_model import MODEL_DIR_NAME
from index.embedder import Embedder, load_embedder
from index.errors import IndexMissingError
from index.evaluation import corpus_from_questions, evaluate, read_questions
from index.store import read_manifest

log = logging.getLogger(__name__)


def progress_bar(total: int) -> Callable[[int], None]:
    """A tqdm bar on stderr for embedding `total` passages."""
    bar = tqdm(total=total, desc="embedding passages", unit="passage", file=sys.stderr,
               disable=total == 0, leave=False)
    return bar.update


def _log_report(report: BuildReport) -> None:
    for warning in report.warnings:
        log.warning(warning)
    if report.changed:
        log.info("index updated: %d articles, %d passages, %d embedded in %.1f s",
                 report.articles, report.passages, report.embedded_articles, report.seconds)


def build_index_with_progress(settings: Settings, rebuild: bool = False) -> BuildReport:
    embedder = load_embedder(settings.model, model_cache(settings.cache_dir))
    report = refresh_index(settings.seeds_dir, settings.data_dir, embedder, rebuild=rebuild,
                           progress=progress_bar, max_file_bytes=settings.max_seed_bytes)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return report


def open_service(settings: Settings, embedder: Embedder | None = None, *, wait_for_build: bool = True) -> QuoteService:
    """The service over a fresh index; builds it first when missing or stale.

    With `wait_for_build=False` (the bot) an index already on disk is opened as it is, however
    stale, so that questions are answered at once while the refresher catches up; only a
    missing index is built first.
    """
    if not wait_for_build:
        embedder = embedder or load_embedder(settings.model, model_cache(settings.cache_dir))
        try:
            return QuoteService.open_existing(settings, embedder)
        except IndexMissingError:
            log.info("no index yet: building it before answering")
    service, report = QuoteService.open(settings, embedder, progress=progress_bar)
    _log_report(report)
    return service


def describe_index(settings: Settings) -> dict[str, object]:
    manifest = read_manifest(settings.data_dir)
    return {
        "model": manifest.model_name,
        "model_path": settings.model or str(model_cache(settings.cache_dir) / MODEL_DIR_NAME),
        "dimension": manifest.dimension,
        "articles": len(manifest.article_hashes),
        "passages": manifest.passage_count,
        "index_type": manifest.index_type,
        "built_at": manifest.built_at,
        "data_dir": str(settings.data_dir),
    }


def run_eval(settings: Settings, questions_file: Path, corpus_file: Path | None, split: str | None) -> dict[str, object]:
    """Index the corpus in a scratch folder, ask every question, and measure."""
    questions = read_questions(questions_file, split)
    with tempfile.TemporaryDirectory(prefix="kutip-eval-") as scratch:
        seeds = Path(scratch) / "seeds"
        seeds.mkdir()
        corpus = corpus_file.read_text(encoding="utf-8") if corpus_file else "\n".join(
            json.dumps(row, ensure_ascii=False) for row in corpus_from_questions(questions_file))
        (seeds / "corpus.jsonl").write_text(corpus, encoding="utf-8")
        eval_settings = replace(settings, seeds_dir=seeds, data_dir=Path(scratch) / "data", top_k=20,
                                max_seed_bytes=None)  # a whole corpus in one file
        service = open_service(eval_settings)
        results = service.searcher.search_many([q.question for q in questions], eval_settings.top_k)
        verdicts = [service.judge_result(result) for result in results]
        # Ranks as the user sees them: in the judged order when the reader reordered the hits.
        judged = [replace(r, hits=tuple(j.hit for j in v.ranked) or r.hits) for r, v in zip(results, verdicts)]
        answered = {id(r): v.answered for r, v in zip(judged, verdicts)}
        report = evaluate(questions, judged, lambda result: answered[id(result)])
    return {"file": str(questions_file), "split": split, **asdict(report)}
