"""What checking an unsure span's paragraph against the question (index/quotes.py) changes.

A news passage often runs over several short paragraphs (a photo caption and the paragraph
after it). When the reader is unsure of its span there, Kutip quotes from the paragraph the
embedding model finds closest to the question. FacQA and IDK-MRC passages are one paragraph
each, so the rule never fires on them; here each FacQA validation question's gold passage is
set between two others in one article, either random FacQA passages or the question's own
best retrieved passages that lack the answer (hard), and Kutip answers with the check and
without it. Reported: answered questions whose first quote holds the answer, and the same
among those whose first quote was chosen by the rule (an unsure span in a passage of several
paragraphs). Our seed questions (bench/seed_answers.py) are reported by that script.
Run: .venv/bin/python bench/quote_choice.py
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

from bench_common import EVAL_DIR, load_real_embedder, scratch_service, write_result
from tune_judge import RememberingReader, read_jsonl, rows_file

from bot.service import QuoteService
from index.reader import load_reader

NEIGHBOURS = 2


def articles_in_context(rows: list[dict], neighbours: list[list[str]]) -> list[dict]:  # type: ignore[type-arg]
    """One article per question: its gold passage between its neighbours, a paragraph each."""
    return [
        {"id": f"context-{n}", "text": "\n".join([*others[:1], row["context"], *others[1:]]), "lang": "id"}
        for n, (row, others) in enumerate(zip(rows, neighbours))
    ]


def lacks_answer(text: str, row: dict) -> bool:  # type: ignore[type-arg]
    return not any(answer in text for answer in row["answers"])


def first_quotes(service: QuoteService, rows: list[dict]) -> dict[str, float]:  # type: ignore[type-arg]
    """First quotes holding the answer, with the check and without, overall and where it chose."""
    results = service.searcher.search_many([row["question"] for row in rows], service.top_k)
    counts = {"answered": 0, "with_check": 0, "without_check": 0, "checked": 0, "checked_with": 0, "checked_without": 0}
    for row, result in zip(rows, results):
        service.checks_paragraphs = True
        checked = service.answer_result(result)
        service.checks_paragraphs = False
        unchecked = service.answer_result(result)
        if not checked.answered:
            continue
        holds = [not lacks_answer(answer.citations[0].quote, row) for answer in (checked, unchecked)]
        counts["answered"] += 1
        counts["with_check"] += holds[0]
        counts["without_check"] += holds[1]
        first = service.judge_result(result).ranked[0]
        several = len({sentence.paragraph for sentence in first.hit.passage.sentences}) > 1
        if several and checked.citations[0].answer is None:
            counts["checked"] += 1
            counts["checked_with"] += holds[0]
            counts["checked_without"] += holds[1]
    return counts


def main() -> None:
    embedder = load_real_embedder()
    reader = RememberingReader(load_reader(embedder))
    rows = [row for row in read_jsonl(EVAL_DIR / "facqa_dev.jsonl") if row["split"] == "validation"]
    corpus = [row["text"] for row in read_jsonl(EVAL_DIR / "facqa_corpus.jsonl")]
    scratch = Path(tempfile.mkdtemp(prefix="kutip-quote-"))
    try:
        plain = scratch_service(EVAL_DIR / "facqa_corpus.jsonl", scratch / "plain", embedder, reader)
        retrieved = plain.searcher.search_many([row["question"] for row in rows], 10)
        chooser = random.Random(0)
        neighbours = {
            "random": [[t for t in chooser.sample(corpus, 6) if lacks_answer(t, row)][:NEIGHBOURS] for row in rows],
            "hard": [
                [hit.passage.text for hit in result.hits if lacks_answer(hit.passage.text, row)][:NEIGHBOURS]
                for row, result in zip(rows, retrieved)
            ],
        }
        report = {}
        for name, chosen in neighbours.items():
            corpus_file = rows_file(articles_in_context(rows, chosen), scratch / name)
            report[name] = first_quotes(scratch_service(corpus_file, scratch / f"{name}-index", embedder, reader), rows)
        write_result("quote_choice", {"questions": len(rows), **report})
        print(report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
