"""Chooses when a span's paragraph is checked against the question (index/answering/quotes.py), and reports it.

A news passage often runs over several short paragraphs (a photo caption and the paragraph
after it). When the reader is not sure of its span there (span probability below the judge's
`sure_span`), Kutip quotes from the paragraph the embedding model finds closest to the
question, keeping the reader's sentence (and its bold answer) only if it lies there. FacQA and
IDK-MRC passages are one paragraph each, so the check never fires on them; here each FacQA
validation question's gold passage is set between two others in one article, either random
FacQA passages or the question's own best retrieved passages that lack the answer (hard), and
Kutip answers without the check and with it at each bar. Reported per half of the rows:
questions answered, first quotes holding the answer, bold answers shown and bold answers
holding (or held by) a gold answer. The bar is chosen on the even rows (the most first quotes
holding the answer, then the most right bold answers, then the lowest bar); the odd rows are
reported. Our seed questions (bench/seed_answers.py) are reported by that script.
Run: .venv/bin/python bench/quote_choice.py
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from bench_common import EVAL_DIR, load_real_embedder, scratch_service, write_result
from tune_judge import RememberingReader, read_jsonl, rows_file, with_judge

from bot.answers import compose_answer
from index.answering.pipeline import Answerer
from index.answering.profile import E5_READER_JUDGE
from index.answering.search import SearchResult
from index.models.reader import load_reader

NEIGHBOURS = 2
SURE_SPANS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)  # 0.1 is the bold cut: below it, as before this sweep


def articles_in_context(rows: list[dict], neighbours: list[list[str]]) -> list[dict]:  # type: ignore[type-arg]
    """One article per question: its gold passage between its neighbours, a paragraph each."""
    return [
        {"id": f"context-{n}", "text": "\n".join([*others[:1], row["context"], *others[1:]]), "lang": "id"}
        for n, (row, others) in enumerate(zip(rows, neighbours))
    ]


def lacks_answer(text: str, row: dict) -> bool:  # type: ignore[type-arg]
    return not any(answer in text for answer in row["answers"])


def first_quotes(answerer: Answerer, rows: list[dict], results: list[SearchResult]) -> dict[str, list[int]]:  # type: ignore[type-arg]
    """Per half (even, odd): answered, first quote holds the answer, bold shown, bold right."""
    counts = {"even": [0, 0, 0, 0], "odd": [0, 0, 0, 0]}
    for n, (row, result) in enumerate(zip(rows, results)):
        answer = compose_answer(answerer.answer_searched(result), answerer.store.articles)
        if not answer.answered:
            continue
        first = answer.citations[0]
        bold = first.answer.text if first.answer else None
        half = counts["odd" if n % 2 else "even"]
        half[0] += 1
        half[1] += not lacks_answer(first.quote, row)
        half[2] += bold is not None
        half[3] += bold is not None and any(g in bold or bold in g for g in row["answers"])
    return counts


def main() -> None:
    embedder = load_real_embedder()
    reader = RememberingReader(load_reader(embedder))
    rows = [row for row in read_jsonl(EVAL_DIR / "facqa_dev.jsonl") if row["split"] == "validation"]
    corpus = [row["text"] for row in read_jsonl(EVAL_DIR / "facqa_corpus.jsonl")]
    scratch = Path(tempfile.mkdtemp(prefix="kutip-quote-"))
    try:
        plain = scratch_service(EVAL_DIR / "facqa_corpus.jsonl", scratch / "plain", embedder, reader)
        retrieved = plain.answerer.searcher.search_many([row["question"] for row in rows], 10)
        chooser = random.Random(0)
        neighbours = {
            "random": [[t for t in chooser.sample(corpus, 6) if lacks_answer(t, row)][:NEIGHBOURS] for row in rows],
            "hard": [
                [hit.passage.text for hit in result.hits if lacks_answer(hit.passage.text, row)][:NEIGHBOURS]
                for row, result in zip(rows, retrieved)
            ],
        }
        report: dict[str, dict[str, dict[str, list[int]]]] = {}
        for name, chosen in neighbours.items():
            corpus_file = rows_file(articles_in_context(rows, chosen), scratch / name)
            answerer = scratch_service(corpus_file, scratch / f"{name}-index", embedder, reader).answerer
            results = answerer.searcher.search_many([row["question"] for row in rows], answerer.options.top_k)
            unchecked = replace(answerer, options=replace(answerer.options, checks_paragraphs=False))
            report[name] = {"no check": first_quotes(unchecked, rows, results)}
            for bar in SURE_SPANS:
                judged = with_judge(answerer, replace(E5_READER_JUDGE, sure_span=bar))
                report[name][str(bar)] = first_quotes(judged, rows, results)

        def tuning_score(bar: float) -> tuple[int, int, float]:
            even = [report[name][str(bar)]["even"] for name in neighbours]
            return sum(c[1] for c in even), sum(c[3] for c in even), -bar

        chosen_bar = max(SURE_SPANS, key=tuning_score)
        write_result(
            "quote_choice",
            {
                "questions": len(rows),
                "counts": "answered, first quote holds the answer, bold shown, bold holds the answer",
                "chosen_on_even_rows": chosen_bar,
                **report,
            },
        )
        print(json.dumps({"chosen_on_even_rows": chosen_bar, **report}))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
