"""How likely the corpus addresses a question at all (``answerable``).

A logistic model per question language over four signals every search computes anyway:

- the best raw cosine of the dense ranker;
- the best BM25 score (as ``log1p``: its scale grows with the question's length);
- the question's *unknown numbers*: years and figures it contains that the corpus never
  writes (``Searcher.unknown_numbers``) — "2023", "1951". A question about a year the report
  never mentions is not one it answers, in whatever language it is asked. (Unknown names and
  acronyms were tried too: they also flag reworded questions — "la Grosse Pomme" for New
  York, "Brasília" for Brazil — and rejected no more off-topic questions.)
- the rankers' *agreement*: the best reciprocal-rank-fusion score of the content rankings
  (dense, BM25, the glossary's and the bilingual table's translations, best sentence; not the
  people rankings, which join only questions about people). When the corpus answers, the
  passage that answers ranks high in several of them; an off-topic question's nearest
  passages differ from ranker to ranker. It is what tells an English question over the
  French report from an off-topic one: there the raw BM25 sees few shared words, but the
  translated terms and the sentences still find the passage the dense ranker found.

Raw cosines and BM25 scores differ by language (an English question over French text shares
few words with it and sits lower in the model's space), so the coefficients are fitted per
language — the same features, each language's own scale — and the decision threshold is the
same for both. The coefficients are data (``data/answerability.json``), refitted with
``python eval/calibrate_confidence.py`` when the model or the corpus changes; its
``--compare`` prints the cross-validated rates of every subset of the features.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: Unknown numbers count up to this many: a third one says nothing the second did not.
MAX_UNKNOWN = 2
FEATURES = ("cosine", "bm25", "unknown", "agreement")


def features(
    top_cosine: float, top_bm25: float, unknown: int, agreement: float
) -> tuple[float, ...]:
    """The model's inputs (``FEATURES``) from raw ranker scores, the count of unknown
    numbers and the best fused score of the content rankings."""
    return (
        top_cosine,
        math.log1p(max(top_bm25, 0.0)),
        float(min(unknown, MAX_UNKNOWN)),
        agreement,
    )


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """Standardisation and logistic coefficients of one question language."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, x: tuple[float, ...]) -> float:
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@lru_cache(maxsize=1)
def _models() -> dict[str, LanguageModel]:
    data = json.loads(
        resources.files("idmqa").joinpath("data/answerability.json").read_text("utf-8")
    )
    return {
        language: LanguageModel(tuple(m["mean"]), tuple(m["scale"]), tuple(m["weights"]), m["bias"])
        for language, m in data["languages"].items()
    }


def answer_confidence(signals: tuple[float, ...], language: str = "fr") -> float:
    """Probability (0–1) that the question is one the corpus addresses, from its
    ``features``."""
    models = _models()
    model = models.get(language) or next(iter(models.values()))
    return model.probability(signals)
