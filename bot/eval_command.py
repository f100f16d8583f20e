"""`kutip eval`: index a question file's corpus in a scratch folder, ask every question, measure."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from bot.progress import progress_bar
from bot.service import open_service
from bot.settings import Settings
from index import Embedder, corpus_from_questions, evaluate, read_questions

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
        eval_settings = replace(
            settings, seeds_dir=seeds, data_dir=Path(scratch) / "data", top_k=EVAL_TOP_K, max_seed_bytes=None
        )  # a whole corpus in one file
        service = open_service(eval_settings, embedder, progress=progress_bar)
        results = service.searcher.search_many([q.question for q in questions], eval_settings.top_k)
        verdicts = [service.judge_result(result) for result in results]
        # Ranks as the user sees them: in the judged order when the reader reordered the hits.
        judged = [replace(r, hits=v.hits(r.hits)) for r, v in zip(results, verdicts)]
        answered = {id(r): v.answered for r, v in zip(judged, verdicts)}
        report = evaluate(questions, judged, lambda result: answered[id(result)])
    return {"file": str(questions_file), "split": split, **asdict(report)}
