"""How Kutip answers our own questions about the seed article (bench/questions/seed_questions.jsonl)
and about six short English news articles of our own (english_articles.jsonl there, asked in
English: the kind of question XQuAD-en holds, in the language the reader never learnt from).

These questions were written for checking, never for tuning: answerable ones name a phrase the
answer must quote (and, for the English articles, the article that holds it); near-misses are
on topic but the articles do not hold their answer; off-topic ones have nothing to do with
them. The seed's are reported per language.
Run: .venv/bin/python bench/seed_answers.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from bench_common import ROOT, load_real_embedder, scratch_service, write_result

from bot.answers import Answer

SEED = ROOT / "seeds" / "000_fa119bf131a3472f.txt"
QUESTIONS = ROOT / "bench" / "questions" / "seed_questions.jsonl"
ENGLISH_ARTICLES = ROOT / "bench" / "questions" / "english_articles.jsonl"
ENGLISH_QUESTIONS = ROOT / "bench" / "questions" / "english_questions.jsonl"


def shown(answer: Answer) -> list[str]:
    return [c.quote for c in answer.citations + answer.more]


def figures(rows: list[dict], answers: list[Answer]) -> dict[str, object]:  # type: ignore[type-arg]
    """The counts the issue's targets name: first quotes (answered or closest), refusals, bold answers."""
    answerable = [(r, a) for r, a in zip(rows, answers) if r["kind"] == "answer"]
    near = [a for r, a in zip(rows, answers) if r["kind"] == "near_miss"]
    off = [a for r, a in zip(rows, answers) if r["kind"] == "off_topic"]
    first = [bool(a.citations) and r["answer"] in a.citations[0].quote for r, a in answerable]
    spans = [(r, a.citations[0].answer) for r, a in answerable if a.citations and a.citations[0].answer]
    return {
        "answerable": len(answerable),
        "first_quote_holds_answer": sum(first),
        "first_three_hold_answer": sum(any(r["answer"] in q for q in shown(a)[:3]) for r, a in answerable),
        "answerable_refused": sum(a.status == "none" for _, a in answerable),
        "answered_with_answer_first": sum(a.answered and f for (_, a), f in zip(answerable, first)),
        "bold_span_shown": len(spans),
        "bold_span_holds_answer": sum(r["answer"] in s.text or s.text in r["answer"] for r, s in spans),
        "near_misses": len(near),
        "near_misses_not_answered": sum(not a.answered for a in near),
        "near_misses_bold": sum(bool(a.citations) and a.citations[0].answer is not None for a in near),
        "off_topic": len(off),
        "off_topic_refused": sum(a.status == "none" for a in off),
    }


def ask_questions(articles: Path, questions: Path, embedder) -> tuple[list[dict], list[Answer]]:  # type: ignore[no-untyped-def,type-arg]
    """The questions in `questions` and Kutip's answers to them, over a scratch index of `articles`."""
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="kutip-seed-"))
    try:
        return rows, scratch_service(articles, scratch, embedder).ask_many([r["question"] for r in rows])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def ask_seed_questions(embedder) -> tuple[list[dict], list[Answer]]:  # type: ignore[no-untyped-def,type-arg]
    return ask_questions(SEED, QUESTIONS, embedder)


def articles_found(rows: list[dict], answers: list[Answer]) -> dict[str, int]:  # type: ignore[type-arg]
    """For answerable questions naming their article: is it first in Kutip's order (the `hits` of
    `kutip ask --json`, declined questions included), and is it the first citation's."""
    named = [(r, a) for r, a in zip(rows, answers) if r["kind"] == "answer"]
    return {
        "first_hit_right_article": sum(bool(a.hits) and a.hits[0].passage.article_id == r["article"] for r, a in named),
        "first_citation_right_article": sum(
            bool(a.citations) and a.citations[0].article_id == r["article"] for r, a in named
        ),
    }


def details(rows: list[dict], answers: list[Answer]) -> list[dict[str, object]]:  # type: ignore[type-arg]
    return [
        {
            "question": r["question"],
            "kind": r["kind"],
            "status": a.status,
            "first_quote": a.citations[0].quote if a.citations else None,
            "bold": a.citations[0].answer.text if a.citations and a.citations[0].answer else None,
        }
        for r, a in zip(rows, answers)
    ]


def main() -> None:
    embedder = load_real_embedder()
    rows, answers = ask_seed_questions(embedder)
    report: dict[str, object] = {
        lang: figures([r for r in rows if r["lang"] == lang], [a for r, a in zip(rows, answers) if r["lang"] == lang])
        for lang in ("id", "en")
    }
    report["all"] = figures(rows, answers)
    english_rows, english_answers = ask_questions(ENGLISH_ARTICLES, ENGLISH_QUESTIONS, embedder)
    report["english_articles"] = figures(english_rows, english_answers) | articles_found(english_rows, english_answers)
    write_result(
        "seed_answers",
        {
            "figures": report,
            "answers": details(rows, answers),
            "english_article_answers": details(english_rows, english_answers),
        },
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
