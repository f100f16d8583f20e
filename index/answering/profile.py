"""Which reader, judge and retrieval rule a model gets: decided once, here, for every caller.

The bundled multilingual-e5-small has the reader trained on its encoder and the settings
measured for it; a model of the user's own has no reader and only the question's words to go
by. The judge's settings are kept for that model too: they also say how quotes are cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from index.answering.gate import RetrievalRule
from index.answering.judge import ReaderJudge
from index.models.base import Embedder
from index.models.e5.model import DEFAULT_MODEL_NAME
from index.models.reader import Reader, load_reader
from index.models.reader.reading import PairEncoder

# multilingual-e5-small, measured by bench/decline.py on held-out questions: answers 98-100% of
# answerable ones (FacQA, ours in Indonesian and English) and declines 98% of news questions
# the seed does not hold; a bare cosine cut-off answering as many overall declines 94% and
# drops a fifth of the cross-language questions. The second clause keeps one-word searches
# ("nuklir", "sanksi") that match the article, at no cost on the off-topic questions.
E5_RETRIEVAL_RULE = RetrievalRule(contrast=0.03, covered_contrast=0.0)
# For a model nobody measured: only the question's words can tell, at least half their weight.
LEXICAL_RETRIEVAL_RULE = RetrievalRule(contrast=math.inf, covered_contrast=-math.inf, covered=0.5)

# multilingual-e5-small with the shipped reader, chosen by bench/tune_judge.py (see its docstring).
E5_READER_JUDGE = ReaderJudge(
    on_topic=RetrievalRule(contrast=0.0, covered_contrast=-0.02),
    read_depth=4,
    reader_weight=0.5,
    answerable=0.5,
    span_probability=0.5,
    sentence_answerable=0.5,
    closest_quotes=2,
    sentence_mass=0.0,
)


@dataclass(frozen=True)
class ModelProfile:
    """What the question path uses with one embedding model."""

    reader: Reader | None  # None: no reader was trained for the model; `retrieval_rule` decides
    judge: ReaderJudge  # how the reader's readings decide, and how quotes are cut
    retrieval_rule: RetrievalRule  # what answers when there is no reader


def profile_for(embedder: Embedder) -> ModelProfile:
    """The bundled model's reader and settings (either runtime: both give the reader its states);
    for any other model, no reader and the rule on the question's words."""
    if embedder.name != DEFAULT_MODEL_NAME:
        return ModelProfile(None, E5_READER_JUDGE, LEXICAL_RETRIEVAL_RULE)
    reader = load_reader(embedder) if isinstance(embedder, PairEncoder) else None
    return ModelProfile(reader, E5_READER_JUDGE, E5_RETRIEVAL_RULE)
