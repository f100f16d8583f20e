"""How Kutip answers our own questions about the seed article (bench/questions/seed_questions.jsonl).

These questions were written for checking, never for tuning: answerable ones (Indonesian and
English) name a phrase the answer must quote; near-misses are on topic but the article does
not hold their answer; off-topic ones have nothing to do with it. Reported per language.
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


def shown(answer: Answer) -> list[str]:
    return [c.quote for c in answer.citations + answer.more]


def figures(rows: list[dict], answers: list[Answer]) -> dict[str, object]:  # type: ignore[type-arg]
    answerable = [(r, a) for r, a in zip(rows, answers) if r["kind"] == "answer"]
    near = [a for r, a in zip(rows, answers) if r["kind"] == "near_miss"]
    off = [a for r, a in zip(rows, answers) if r["kind"] == "off_topic"]
    spans = [a.citations[0].answer for r, a in answerable if a.answered and a.citations[0].answer]
    return {
        "answerable": len(answerable),
        "first_quote_holds_answer": sum(a.answered and r["answer"] in a.citations[0].quote for r, a in answerable),
        "first_three_hold_answer": sum(
            a.answered and any(r["answer"] in q for q in shown(a)[:3]) for r, a in answerable
        ),
        "answerable_declined": sum(not a.answered for _, a in answerable),
        "bold_span_shown": len(spans),
        "bold_span_holds_answer": sum(
            a.answered
            and a.citations[0].answer is not None
            and (r["answer"] in a.citations[0].answer.text or a.citations[0].answer.text in r["answer"])
            for r, a in answerable
        ),
        "near_misses": len(near),
        "near_misses_declined": sum(not a.answered for a in near),
        "off_topic": len(off),
        "off_topic_declined": sum(not a.answered for a in off),
    }


def ask_seed_questions(embedder) -> tuple[list[dict], list[Answer]]:  # type: ignore[no-untyped-def,type-arg]
    """Our seed questions and Kutip's answers to them, over a scratch copy of the seed."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="kutip-seed-"))
    try:
        return rows, scratch_service(SEED, scratch, embedder).ask_many([r["question"] for r in rows])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    rows, answers = ask_seed_questions(load_real_embedder())
    report = {
        lang: figures([r for r in rows if r["lang"] == lang], [a for r, a in zip(rows, answers) if r["lang"] == lang])
        for lang in ("id", "en")
    }
    report["all"] = figures(rows, answers)
    details = [
        {
            "question": r["question"],
            "kind": r["kind"],
            "answered": a.answered,
            "first_quote": a.citations[0].quote if a.citations else None,
            "bold": a.citations[0].answer.text if a.citations and a.citations[0].answer else None,
        }
        for r, a in zip(rows, answers)
    ]
    write_result("seed_answers", {"figures": report, "answers": details})
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
