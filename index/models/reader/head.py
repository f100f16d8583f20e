"""The reader's trained part: a small transformer over the frozen encoder's hidden states.

It mixes the encoder layers `LAYERS` with learned weights (as ELMo's scalar mix, Peters et
al. 2018), projects them to `width`, runs `blocks` pre-norm transformer layers over the pair,
and predicts where the answer starts and ends in the passage and whether the passage holds
one at all (from the `<s>` token, as SQuAD 2.0 readers do).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from index.models.reader.config import NEGATIVE, HeadConfig


class ReaderHead(nn.Module):
    """Span start/end logits over the passage tokens and an answerability logit per pair."""

    def __init__(self, config: HeadConfig) -> None:
        super().__init__()
        self.config = config
        self.mix = nn.Parameter(torch.zeros(len(config.layers)))
        self.project = nn.Linear(config.hidden, config.width)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                config.width, config.heads, 2 * config.width, config.dropout, batch_first=True, norm_first=True
            )
            for _ in range(config.blocks)
        )
        self.norm = nn.LayerNorm(config.width)
        self.span = nn.Linear(config.width, 2)
        self.answerable = nn.Linear(config.width, 1)

    def forward(
        self, states: torch.Tensor, mask: torch.Tensor, passage: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`states` (batch, tokens, layers, hidden); `mask` marks real tokens, `passage` the
        passage's. Returns start and end logits (batch, tokens) and answerability (batch,)."""
        weights = torch.softmax(self.mix, dim=0).to(states.dtype)
        x = self.project((states * weights[None, None, :, None]).sum(dim=2).float())
        for block in self.blocks:
            x = block(x, src_key_padding_mask=~mask)
        x = self.norm(x)
        start, end = self.span(x).unbind(dim=-1)
        start = start.masked_fill(~passage, NEGATIVE)
        end = end.masked_fill(~passage, NEGATIVE)
        return start, end, self.answerable(x[:, 0]).squeeze(-1)


def save_head(head: ReaderHead, path: Path, metadata: dict[str, str]) -> None:
    """Weights as safetensors, the shape and `metadata` (figures, data) in its header."""
    state = {name: tensor.detach().contiguous() for name, tensor in head.state_dict().items()}
    save_file(state, str(path), metadata={"config": json.dumps(asdict(head.config)), **metadata})


def load_head(path: Path) -> ReaderHead:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as opened:
        raw = json.loads((opened.metadata() or {})["config"])
    head = ReaderHead(HeadConfig(**{**raw, "layers": tuple(raw["layers"])}))
    head.load_state_dict(load_file(str(path)))
    return head.eval()
