"""Retrieval and abstention figures on a question file in the shared eval format."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.answering.search import SearchResult

EVAL_DEPTH = 10  # MRR@10


@dataclass(frozen=True)
class EvalQuestion:
    """One row of a question file: the question, its gold article, and whether it is answerable."""

    id: str
    question: str
    doc_id: str
    answerable: bool
    split: str


@dataclass(frozen=True)
class EvalReport:
    questions: int
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float
    answerable: int
    answered_when_answerable: float
    unanswerable: int
    declined_when_unanswerable: float


def read_questions(path: Path, split: str | None = None) -> list[EvalQuestion]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        EvalQuestion(r["id"], r["question"], r["doc_id"], bool(r.get("answerable", True)), r.get("split", ""))
        for r in rows
        if split is None or r.get("split") == split
    ]


def corpus_from_questions(path: Path) -> list[dict[str, str]]:
    """One article per distinct context, for question files that carry their own paragraphs."""
    articles: dict[str, dict[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            articles.setdefault(
                row["doc_id"], {"id": row["doc_id"], "text": row["context"], "lang": row.get("lang", "")}
            )
    return list(articles.values())


def gold_rank(result: SearchResult, doc_id: str) -> int | None:
    """1-based rank of the gold article among the distinct articles hit, if within EVAL_DEPTH."""
    seen: list[str] = []
    for hit in result.hits:
        if hit.passage.article_id not in seen:
            seen.append(hit.passage.article_id)
    return seen.index(doc_id) + 1 if doc_id in seen[:EVAL_DEPTH] else None


def evaluate(
    questions: Sequence[EvalQuestion],
    results: Iterable[SearchResult],
    answered: Callable[[SearchResult], bool],
) -> EvalReport:
    """Recall and MRR over answerable questions; answer/decline rates over both kinds."""
    ranks: list[int | None] = []
    answered_ok = declined_ok = 0
    for question, result in zip(questions, results, strict=True):
        said_yes = answered(result)
        if question.answerable:
            ranks.append(gold_rank(result, question.doc_id))
            answered_ok += said_yes
        else:
            declined_ok += not said_yes
    count = len(ranks) or 1
    unanswerable = len(questions) - len(ranks)
    return EvalReport(
        questions=len(questions),
        recall_at_1=sum(r == 1 for r in ranks) / count,
        recall_at_5=sum(r is not None and r <= 5 for r in ranks) / count,
        mrr_at_10=sum(1 / r for r in ranks if r is not None) / count,
        answerable=len(ranks),
        answered_when_answerable=answered_ok / count,
        unanswerable=unanswerable,
        declined_when_unanswerable=declined_ok / (unanswerable or 1),
    )


def token_f1(prediction: str, gold: Sequence[str]) -> float:
    """Best SQuAD token F1 of `prediction` against any of the gold answers (Rajpurkar et al.
    2016: lowercase, punctuation removed, whitespace tokens)."""
    predicted = _answer_tokens(prediction)
    best = 0.0
    for answer in gold:
        expected = _answer_tokens(answer)
        common = sum((Counter(predicted) & Counter(expected)).values())
        if common:
            precision, recall = common / len(predicted), common / len(expected)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _answer_tokens(text: str) -> list[str]:
    return "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()
