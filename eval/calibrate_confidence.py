"""Refit the answerability model of ``idmqa.retrieval.confidence``.

Positives: the questions of a development set (all answerable); negatives: the off-topic
questions of ``eval/offtopic.jsonl``. Prints the cross-validated accuracy and the
coefficients to copy into ``src/idmqa/retrieval/confidence.py``.

    python eval/calibrate_confidence.py ../shared/eval/dev.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from idmqa.index.store import load_index
from idmqa.model.query import onnx_query_encoder
from idmqa.retrieval.confidence import features
from idmqa.settings import get_settings
from idmqa.text import analyze


def signals(encoder, index, question: str) -> tuple[float, float]:
    """Best raw cosine and best BM25 score for ``question``."""
    vector = encoder.encode_queries([question])[0]
    cosine = float(index.dense.search(vector.reshape(1, -1), 1)[0][0][0])
    vocab = index.bm25.vocab_dict
    terms = [t for t in analyze(question) if t in vocab]
    bm25 = float(index.bm25.get_scores(terms).max()) if terms else 0.0
    return cosine, bm25


def main(dev_path: str) -> None:
    settings = get_settings()
    encoder = onnx_query_encoder(settings)
    index = load_index(settings.index_dir, encoder.name, encoder.fingerprint)
    here = Path(__file__).parent
    sets = [(Path(dev_path), 1), (here / "offtopic.jsonl", 0)]
    rows, labels = [], []
    for path, label in sets:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(features(*signals(encoder, index, json.loads(line)["question"])))
                labels.append(label)
    x, y = np.array(rows), np.array(labels)
    model = LogisticRegression(C=1.0, max_iter=5000)
    print(f"cross-validated accuracy: {cross_val_score(model, x, y, cv=6).mean():.3f}")
    model.fit(x, y)
    print(
        f"_W_COSINE, _W_BM25, _BIAS = {model.coef_[0][0]:.3f}, {model.coef_[0][1]:.3f}, "
        f"{model.intercept_[0]:.3f}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/dev.jsonl")
