"""Step 2 of `make train-reader`: train the reader head on the stored encoder states.

Keeps the epoch with the best validation score (FacQA validation and IDK-MRC dev: span
accuracy on answerable pairs plus no-answer AUC) and writes it as safetensors.
Run: .venv/bin/python -m training.train_reader [--data build/reader] [--seed 0] [--epochs 6]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from index.models.reader.config import HeadConfig
from index.models.reader.head import ReaderHead, save_head
from index.models.reader.reading import shipped_head_path
from training.extract_features import INFO_FILE, SOURCES, STATES_FILE, TABLE_FILE
from training.prepare_reader_data import DEFAULT_OUT

BATCH = 32
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.01


class StoredStates:
    """The examples' encoder states (memory maps, one per part folder) and labels, served in
    padded batches."""

    def __init__(self, folder: Path, names: Sequence[str] | None = None) -> None:
        parts = sorted(p.parent for p in folder.glob(f"*/{INFO_FILE}") if names is None or p.parent.name in names)
        self.states = [np.load(part / STATES_FILE, mmap_mode="r") for part in parts]
        tables = [np.load(part / TABLE_FILE) for part in parts]
        self.table = {name: np.concatenate([t[name] for t in tables]) for name in tables[0].files}
        self.table["part"] = np.concatenate([np.full(len(t["lengths"]), i) for i, t in enumerate(tables)])
        self.info = [json.loads((part / INFO_FILE).read_text()) for part in parts]

    def rows(self, train: bool) -> np.ndarray:
        return np.flatnonzero(self.table["train"] == train)

    def batch(self, rows: np.ndarray) -> dict[str, torch.Tensor]:
        lengths = self.table["lengths"][rows]
        width = int(lengths.max())
        states = np.zeros((len(rows), width, *self.states[0].shape[1:]), dtype=np.float16)
        for i, row in enumerate(rows):
            offset = self.table["offsets"][row]
            states[i, : lengths[i]] = self.states[self.table["part"][row]][offset : offset + lengths[i]]
        positions = np.arange(width)[None, :]
        first = self.table["first_passage"][rows][:, None]
        return {
            "states": torch.from_numpy(states),
            "mask": torch.from_numpy(positions < lengths[:, None]),
            "passage": torch.from_numpy((positions >= first) & (positions < lengths[:, None] - 1)),
            "start": torch.from_numpy(self.table["start"][rows]),
            "end": torch.from_numpy(self.table["end"][rows]),
            "idkmrc": torch.from_numpy(self.table["source"][rows] == SOURCES.index("idkmrc")),
        }


def length_batches(data: StoredStates, rows: np.ndarray, shuffle: np.random.Generator | None) -> list[np.ndarray]:
    """Batches of similar length (little padding), in random order when training."""
    if shuffle is not None:
        rows = shuffle.permutation(rows)
        chunks = [rows[i : i + BATCH * 50] for i in range(0, len(rows), BATCH * 50)]
        rows = np.concatenate([c[np.argsort(data.table["lengths"][c], kind="stable")] for c in chunks])
    else:
        rows = rows[np.argsort(data.table["lengths"][rows], kind="stable")]
    batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    if shuffle is not None:
        shuffle.shuffle(batches)  # type: ignore[arg-type]
    return batches


def loss_of(head: ReaderHead, batch: dict[str, torch.Tensor], idkmrc_no_answer_weight: float = 1.0) -> torch.Tensor:
    start, end, answerable = head(batch["states"], batch["mask"], batch["passage"])
    has_answer = batch["start"] >= 0
    weight = torch.where(batch["idkmrc"] & ~has_answer, idkmrc_no_answer_weight, 1.0)
    loss = nn.functional.binary_cross_entropy_with_logits(answerable, has_answer.float(), weight)
    if has_answer.any():
        span = nn.functional.cross_entropy(start[has_answer], batch["start"][has_answer]) + nn.functional.cross_entropy(
            end[has_answer], batch["end"][has_answer]
        )
        loss = loss + span / 2
    return loss


def evaluate(head: ReaderHead, data: StoredStates, rows: np.ndarray) -> dict[str, float]:
    """No-answer AUC per source family and exact start/end token accuracy on answerable pairs."""
    head.eval()
    scores, starts_ok, ends_ok = [], [], []
    ordered = np.concatenate(length_batches(data, rows, None))
    with torch.inference_mode():
        for batch_rows in length_batches(data, rows, None):
            batch = data.batch(batch_rows)
            start, end, answerable = head(batch["states"], batch["mask"], batch["passage"])
            scores.append(answerable.numpy())
            has = batch["start"] >= 0
            starts_ok.extend((start.argmax(-1) == batch["start"])[has].tolist())
            ends_ok.extend((end.argmax(-1) == batch["end"])[has].tolist())
    score = np.concatenate(scores)
    label = data.table["start"][ordered] >= 0
    source = np.array(SOURCES)[data.table["source"][ordered]]
    report = {f"auc_{family}": auc(score[members], label[members]) for family, members in _families(source).items()}
    report["start_accuracy"] = float(np.mean(starts_ok))
    report["end_accuracy"] = float(np.mean(ends_ok))
    head.train()
    return report


def _families(source: np.ndarray) -> dict[str, np.ndarray]:
    """Validation rows by the kind of question: news (FacQA), IDK-MRC, English search queries
    (QED) and naturally worded questions (natural_dev); families without rows left out."""
    families = {
        "news": np.char.startswith(source.astype(str), "facqa"),
        "idkmrc": source == "idkmrc",
        "qed": source == "qed",
        "natural": source == "natural",
    }
    return {name: members for name, members in families.items() if members.any()}


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve, as the Mann-Whitney U statistic."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    positives = label.sum()
    negatives = len(label) - positives
    return float((ranks[label].sum() - positives * (positives + 1) / 2) / max(positives * negatives, 1))


def selection_score(report: dict[str, float]) -> float:
    """Every family's no-answer AUC, the naturally worded questions' twice, and span accuracy."""
    aucs = [value for name, value in report.items() if name.startswith("auc_")] + [report.get("auc_natural", 0.0)]
    return sum(aucs) + (report["start_accuracy"] + report["end_accuracy"]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--blocks", type=int, default=HeadConfig.blocks)
    parser.add_argument("--width", type=int, default=HeadConfig.width)
    parser.add_argument("--out", type=Path, help="where the weights go; by default the shipped head of --seed")
    parser.add_argument("--idkmrc-no-answer-weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0, help="initialisation and shuffling")
    parser.add_argument("--parts", nargs="*", help="the part folders of --data to learn from (default: all)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    data = StoredStates(args.data, args.parts)
    head = ReaderHead(HeadConfig(blocks=args.blocks, width=args.width))
    train_rows, valid_rows = data.rows(True), data.rows(False)
    steps = args.epochs * ((len(train_rows) + BATCH - 1) // BATCH)
    optimizer = torch.optim.AdamW(head.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LEARNING_RATE, total_steps=steps, pct_start=0.1)
    shuffle = np.random.default_rng(args.seed)
    best: tuple[float, dict[str, float], int] | None = None
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for batch_rows in length_batches(data, train_rows, shuffle):
            loss = loss_of(head, data.batch(batch_rows), args.idkmrc_no_answer_weight)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch_rows)
        report = evaluate(head, data, valid_rows)
        print(
            f"epoch {epoch}: train loss {total / len(train_rows):.4f}, validation "
            + ", ".join(f"{k} {v:.4f}" for k, v in report.items())
            + f" ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        if best is None or selection_score(report) > best[0]:
            best = (selection_score(report), report, epoch)
            state = {k: v.clone() for k, v in head.state_dict().items()}
    assert best is not None
    head.load_state_dict(state)
    parameters = sum(p.numel() for p in head.parameters())
    metadata = {
        "epoch": str(best[2]),
        "validation": json.dumps(best[1]),
        "parameters": str(parameters),
        "training": json.dumps(
            {
                "epochs": args.epochs,
                "batch": BATCH,
                "lr": LEARNING_RATE,
                "idkmrc_no_answer_weight": args.idkmrc_no_answer_weight,
                "seed": args.seed,
                "examples": len(train_rows),
                "config": asdict(head.config),
            }
        ),
    }
    out = args.out or shipped_head_path(args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_head(head.eval(), out, metadata)
    print(f"kept epoch {best[2]} ({parameters} parameters) -> {out}")


if __name__ == "__main__":
    main()
