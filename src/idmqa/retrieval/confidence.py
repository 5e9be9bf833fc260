"""How likely the best passage addresses the question at all.

A logistic model over two signals every search computes anyway: the best raw cosine of the
dense ranker and the best BM25 score. Fitted (6-fold cross-validated accuracy 0.90) on the 60
development questions, all answerable, against the 40 off-topic questions of
``eval/offtopic.jsonl``; refit with ``python eval/calibrate_confidence.py`` when the model or
corpus changes.
"""

from __future__ import annotations

import math

# Coefficients of the fit: cosine is centred on 0.80 and scaled by 0.02 (its spread here);
# BM25 enters as log1p because its scale grows with query length.
_COSINE_CENTRE, _COSINE_SCALE = 0.80, 0.02
_W_COSINE, _W_BM25, _BIAS = 1.185, 2.703, -4.659


def features(top_cosine: float, top_bm25: float) -> tuple[float, float]:
    """The model's inputs from raw ranker scores."""
    return (top_cosine - _COSINE_CENTRE) / _COSINE_SCALE, math.log1p(max(top_bm25, 0.0))


def answer_confidence(top_cosine: float, top_bm25: float) -> float:
    """Probability (0–1) that the question is one the corpus addresses."""
    cosine, bm25 = features(top_cosine, top_bm25)
    z = _W_COSINE * cosine + _W_BM25 * bm25 + _BIAS
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
