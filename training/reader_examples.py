"""Question-passage examples for the reader, with hard negatives, from the shared eval data.

- FacQA (news): each question with its gold passage (answerable), the three best passages
  Kutip's own hybrid search returns that are not the gold one and do not contain the answer
  (hard negatives: on topic, no answer), and one random passage (off topic).
- IDK-MRC (Wikipedia): each question with its paragraph, read in the windows the reader uses;
  a window holds an answer only if the question is answerable and the answer lies inside it.
- In context (`build_context_examples`): each FacQA question's gold passage and its first hard
  negative again, each between two other random FacQA passages. Kutip reads windows of
  several sentences, and a reader trained on lone 1-3 sentence passages loses confidence
  when unrelated sentences surround the answer.

Train rows come from FacQA's train split and IDK-MRC train; validation rows (for early
stopping and thresholds) from FacQA's validation split and IDK-MRC dev. Nothing labelled test.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.models.base import Embedder
from index.models.reader.pairs import Pair, make_pairs

NATURAL_FILE = "natural_dev.jsonl"
HARD_NEGATIVES = 3
RANDOM_NEGATIVES = 1
SEED = 13


@dataclass(frozen=True)
class Example:
    """One encoder input and what the reader should say about it."""

    pair: Pair
    start_token: int  # -1 when the window holds no answer
    end_token: int
    source: str  # facqa-gold, facqa-hard, facqa-random, idkmrc
    role: str  # train or validation
    question_id: str


def build_examples(eval_dir: Path, tokenizer: Any, embedder: Embedder) -> list[Example]:
    facqa = _without_natural_passages(_read_jsonl(eval_dir / "facqa_dev.jsonl"), eval_dir)
    corpus = {row["id"]: row["text"] for row in _read_jsonl(eval_dir / "facqa_corpus.jsonl")}
    negatives = _hard_negatives(facqa, eval_dir / "facqa_corpus.jsonl", embedder, _natural_doc_ids(eval_dir))
    examples = list(_facqa_examples(facqa, _without_natural(corpus, eval_dir), negatives, tokenizer))
    for name, role in (("idkmrc_train.jsonl", "train"), ("idkmrc_dev.jsonl", "validation")):
        for row in _without_natural_passages(_read_jsonl(eval_dir / name), eval_dir):
            examples.extend(_labelled(tokenizer, row, row["context"], "idkmrc", role))
    return examples


def build_context_examples(eval_dir: Path, tokenizer: Any, embedder: Embedder) -> list[Example]:
    facqa = _without_natural_passages(_read_jsonl(eval_dir / "facqa_dev.jsonl"), eval_dir)
    corpus = {row["id"]: row["text"] for row in _read_jsonl(eval_dir / "facqa_corpus.jsonl")}
    negatives = _hard_negatives(facqa, eval_dir / "facqa_corpus.jsonl", embedder, _natural_doc_ids(eval_dir))
    corpus = _without_natural(corpus, eval_dir)
    shuffle = random.Random(SEED + 1)
    corpus_ids = sorted(corpus)
    examples = []
    for row in facqa:
        role = "train" if row["split"] == "train" else "validation"
        fillers = [corpus[d] for d in shuffle.sample(corpus_ids, 64) if _lacks_answer(corpus[d], row, doc_id=d)]
        if len(fillers) < 4:
            continue  # an answer so short that most passages contain it
        before, after = fillers[0], fillers[1]
        gold = dict(
            row, context=f"{before} {row['context']} {after}", answer_start=row["answer_start"] + len(before) + 1
        )
        examples.extend(_labelled(tokenizer, gold, gold["context"], "facqa-context", role))
        for doc_id in negatives[row["id"]][:1]:
            examples.extend(
                _labelled(tokenizer, row, f"{fillers[2]} {corpus[doc_id]} {fillers[3]}", "facqa-context", role)
            )
    return examples


def _facqa_examples(
    rows: list[dict[str, Any]], corpus: dict[str, str], negatives: dict[str, list[str]], tokenizer: Any
) -> Iterator[Example]:
    shuffle = random.Random(SEED)
    corpus_ids = sorted(corpus)
    for row in rows:
        role = "train" if row["split"] == "train" else "validation"
        yield from _labelled(tokenizer, row, row["context"], "facqa-gold", role)
        for doc_id in negatives[row["id"]]:
            yield from _labelled(tokenizer, row, corpus[doc_id], "facqa-hard", role)
        others = [d for d in shuffle.sample(corpus_ids, 5) if _lacks_answer(corpus[d], row, doc_id=d)]
        for doc_id in others[:RANDOM_NEGATIVES]:
            yield from _labelled(tokenizer, row, corpus[doc_id], "facqa-random", role)


def _labelled(tokenizer: Any, row: dict[str, Any], passage: str, source: str, role: str) -> Iterator[Example]:
    """Every window of `passage` paired with the row's question, each labelled with the
    answer's tokens when the passage is the row's own context and the window holds it."""
    own = passage == row["context"] and row.get("answerable", True)
    start = row["answer_start"] if own else -1
    end = start + len(row["answer"]) if own else -1
    for pair in make_pairs(tokenizer, row["question"], passage):
        first, last = _token_span(pair, start, end) if own else (-1, -1)
        yield Example(pair, first, last, source, role, row["id"])


def _token_span(pair: Pair, start: int, end: int) -> tuple[int, int]:
    """First and last token covering characters [start, end), or (-1, -1) if the window cuts it."""
    inside = [i for i, span in enumerate(pair.spans) if span is not None and span[0] < end and span[1] > start]
    window = [span for span in pair.spans if span is not None]
    if not inside or start < window[0][0] or end > window[-1][1]:
        return -1, -1
    return inside[0], inside[-1]


def _lacks_answer(text: str, row: dict[str, Any], doc_id: str) -> bool:
    return doc_id != row["doc_id"] and all(a.casefold() not in text.casefold() for a in row["answers"])


def _hard_negatives(
    rows: list[dict[str, Any]], corpus_file: Path, embedder: Embedder, unseen: set[str]
) -> dict[str, list[str]]:
    """For each FacQA question, the best articles Kutip's search finds that lack its answer."""
    from index.answering.search import Searcher
    from index.building import refresh_index
    from index.store import load_index

    scratch = Path(tempfile.mkdtemp(prefix="kutip-reader-"))
    try:
        (scratch / "seeds").mkdir()
        shutil.copy(corpus_file, scratch / "seeds" / corpus_file.name)
        refresh_index(scratch / "seeds", scratch / "data", embedder)
        stored = load_index(scratch / "data", embedder.name, embedder.dimension)
        searcher = Searcher(stored, embedder)
        texts = {a.id: a.text for a in stored.articles.values()}
        found: dict[str, list[str]] = {}
        results = searcher.search_many([row["question"] for row in rows], k=20)
        for row, result in zip(rows, results):
            ids = list(dict.fromkeys(hit.passage.article_id for hit in result.hits))
            found[row["id"]] = [d for d in ids if d not in unseen and _lacks_answer(texts[d], row, d)][:HARD_NEGATIVES]
        return found
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _natural_doc_ids(eval_dir: Path) -> set[str]:
    """The passages of natural_dev.jsonl: never trained on, so that tuning on it is fair."""
    return {row["doc_id"] for row in _read_jsonl(eval_dir / NATURAL_FILE)}


def _without_natural_passages(rows: list[dict[str, Any]], eval_dir: Path) -> list[dict[str, Any]]:
    unseen = _natural_doc_ids(eval_dir)
    return [row for row in rows if row["doc_id"] not in unseen]


def _without_natural(corpus: dict[str, str], eval_dir: Path) -> dict[str, str]:
    unseen = _natural_doc_ids(eval_dir)
    return {doc_id: text for doc_id, text in corpus.items() if doc_id not in unseen}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def build_open_examples(eval_dir: Path, tokenizer: Any, embedder: Embedder) -> list[Example]:
    """Questions written without looking at the passage's wording, each with its passage and
    with the closest passage lacking its answer (on topic, no answer):

    - QED (English search queries on Wikipedia), negatives from the other English paragraphs;
    - SQuADShifts new_wiki (English), negatives from other paragraphs of the same article;
    - TyDi QA Indonesian extra questions, negatives from the Indonesian Wikipedia paragraphs;
    - for validation, QED dev (with its near-misses) and natural_dev.jsonl (answers or the
      evidence of yes/no and why questions; near-misses and off-topic questions unanswerable).
    """
    shuffle = random.Random(SEED + 2)
    qed = [r for r in _read_jsonl(eval_dir / "qed_train.jsonl") if len(r["context"].split()) <= MAX_OPEN_WORDS]
    qed = shuffle.sample(qed, min(QED_QUESTIONS, len(qed)))
    squad = _read_jsonl(eval_dir / "squadshifts_new_wiki.jsonl")
    squad = shuffle.sample(squad, min(SQUADSHIFTS_QUESTIONS, len(squad)))
    tydi = _read_jsonl(eval_dir / "tydiqa_id_extra.jsonl")
    idkmrc = _without_natural_passages(_read_jsonl(eval_dir / "idkmrc_train.jsonl"), eval_dir)
    english = _Pool(_paragraphs(qed + squad), embedder)
    indonesian = _Pool(_paragraphs(tydi + idkmrc), embedder)
    examples = []
    for rows, pool, source, same_title in (
        (qed, english, "qed", False),
        (squad, english, "squadshifts", True),
        (tydi, indonesian, "tydiqa", False),
    ):
        negatives = pool.closest_lacking(rows, same_title)
        print(f"  {source}: {len(rows)} questions, {sum(map(len, negatives.values()))} negatives", flush=True)
        for row in rows:
            examples.extend(_labelled(tokenizer, row, row["context"], source, "train"))
            for doc_id in negatives[row["id"]]:
                examples.extend(_labelled(tokenizer, row, pool.paragraphs[doc_id][0], source, "train"))
    qed_dev = [r for r in _read_jsonl(eval_dir / "qed_dev.jsonl") if len(r["context"].split()) <= MAX_OPEN_WORDS]
    for row in shuffle.sample(qed_dev, min(QED_VALIDATION, len(qed_dev))):
        examples.extend(_labelled(tokenizer, row, row["context"], "qed", "validation"))
    for row in natural_rows(eval_dir)[::2]:  # the even rows tune; the odd ones are only reported
        examples.extend(_labelled(tokenizer, row, row["context"], "natural", "validation"))
    return examples


MAX_OPEN_WORDS = 400  # a few QED paragraphs are whole tables of thousands of words
QED_QUESTIONS = 4000  # of 7,132: what the encoder's states for them cost to store and read
SQUADSHIFTS_QUESTIONS = 3000  # of 7,938: five questions a paragraph, so most paragraphs stay
QED_VALIDATION = 600
POOL_WORDS = 160


def natural_rows(eval_dir: Path) -> list[dict[str, Any]]:
    """natural_dev.jsonl in the question-file format: each row with its passage as `context`
    and, when answerable, its answer (or, for yes/no and why questions, its evidence) located."""
    texts = {row["id"]: row["text"] for row in _read_jsonl(eval_dir / "facqa_corpus.jsonl")}
    texts.update({row["doc_id"]: row["context"] for row in _read_jsonl(eval_dir / "idkmrc_train.jsonl")})
    rows = []
    for row in _read_jsonl(eval_dir / NATURAL_FILE):
        context = texts[row["doc_id"]]
        span = row["answer"] or row["evidence"]
        located = {"answer": span, "answers": [span], "answer_start": context.find(span)} if span else {}
        rows.append({**row, "context": context, **located})
    return rows


def _paragraphs(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Each distinct paragraph of `rows` by doc_id: its text and its article's title."""
    return {row["doc_id"]: (row["context"], row.get("doc_title") or "") for row in rows}


class _Pool:
    """Paragraphs to draw negatives from, embedded once."""

    def __init__(self, paragraphs: dict[str, tuple[str, str]], embedder: Embedder) -> None:
        self.paragraphs = paragraphs
        self.embedder = embedder
        self.ids = sorted(paragraphs)
        # A paragraph's first words say what it is about; the rest would only cost encoding time.
        self.vectors = embedder.encode_documents([" ".join(paragraphs[d][0].split()[:POOL_WORDS]) for d in self.ids])

    def closest_lacking(self, rows: list[dict[str, Any]], same_title: bool) -> dict[str, list[str]]:
        """For each row, the paragraph closest to its question (by the embedding model) that is
        not its own and holds none of its answers; only from the same article when
        `same_title`, else never from it (another paragraph of its article may answer in other words)."""
        import numpy as np

        questions = self.embedder.encode_queries([row["question"] for row in rows])
        found: dict[str, list[str]] = {}
        for row, scores in zip(rows, questions @ self.vectors.T):
            title = row.get("doc_title") or ""
            found[row["id"]] = []
            for index in np.argsort(-scores)[:50]:
                doc_id = self.ids[int(index)]
                text, other_title = self.paragraphs[doc_id]
                if (other_title == title) == same_title and _lacks_answer(text, row, doc_id=doc_id):
                    found[row["id"]] = [doc_id]
                    break
        return found
