"""`kutip eval`: index a question file's corpus in a scratch folder, ask every question, measure."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from bot.progress import progress_bar
from bot.service import log_build, open_embedder, open_index, refresh
from bot.settings import Settings
from index import (
    Answerer,
    AnswerOptions,
    Embedder,
    Searcher,
    corpus_from_questions,
    evaluate,
    profile_for,
    read_questions,
)

EVAL_TOP_K = 20  # deep enough for MRR@10 and the reader's reordering


def run_eval(
    settings: Settings,
    questions_file: Path,
    corpus_file: Path | None,
    split: str | None,
    embedder: Embedder | None = None,
) -> dict[str, object]:
    """Recall, MRR and decline rates of Kutip's answers to the questions in `questions_file`."""
    questions = read_questions(questions_file, split)
    with tempfile.TemporaryDirectory(prefix="kutip-eval-") as scratch:
        seeds = Path(scratch) / "seeds"
        seeds.mkdir()
        corpus = (
            corpus_file.read_text(encoding="utf-8")
            if corpus_file
            else "\n".join(json.dumps(row, ensure_ascii=False) for row in corpus_from_questions(questions_file))
        )
        (seeds / "corpus.jsonl").write_text(corpus, encoding="utf-8")
        # A whole corpus in one file: no size limit.
        eval_settings = replace(settings, seeds_dir=seeds, data_dir=Path(scratch) / "data", max_seed_bytes=None)
        answerer = eval_answerer(eval_settings, embedder or open_embedder(settings))
        answers = answerer.answer_many([q.question for q in questions])
        # Ranks as the user sees them: in the judged order when the reader reordered the hits.
        ranked = [replace(a.result, hits=a.hits) for a in answers]
        answered = {id(r): a.answered for r, a in zip(ranked, answers)}
        report = evaluate(questions, ranked, lambda result: answered[id(result)])
    return {"file": str(questions_file), "split": split, **asdict(report)}


def eval_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """Kutip's question path over the scratch index, built first, with hits deep enough to rank."""
    log_build(refresh(settings, embedder, progress_bar))
    searcher = Searcher(open_index(settings, embedder), embedder)
    return Answerer.over(searcher, profile_for(embedder), AnswerOptions(EVAL_TOP_K))
