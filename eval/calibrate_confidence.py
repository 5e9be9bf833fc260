"""Refit the answerability model of ``idmqa.retrieval.confidence``.

Answerable questions (the gold question sets) against the off-topic set, one logistic model
per question language over the features of ``idmqa.retrieval.confidence.features``. Prints
the cross-validated rates per language — the honest estimate: share of answerable questions
kept, share of off-topic questions rejected, near and far — and writes the fitted model to
``src/idmqa/data/answerability.json``.

    python eval/calibrate_confidence.py ../shared/eval/dev.jsonl ../shared/eval/dev2.jsonl \
        eval/heldout.jsonl --offtopic eval/offtopic.jsonl

Needs scikit-learn (``pip install -e '.[bench]'``) and a built index (``idmqa index``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from idmqa.index.store import load_index
from idmqa.model.query import onnx_query_encoder
from idmqa.retrieval.confidence import FEATURES, features
from idmqa.retrieval.search import Searcher
from idmqa.settings import get_settings
from idmqa.text import analyze

OUT = Path(__file__).resolve().parents[1] / "src" / "idmqa" / "data" / "answerability.json"
#: The decision threshold the fit is judged at (``IDMQA_ANSWERABLE_THRESHOLD``'s default).
THRESHOLD = 0.5
FOLDS, REPEATS = 5, 5


def _rows(path: Path, label: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [{**row, "label": label} for row in rows]


def _signals(searcher: Searcher, question: str) -> tuple[tuple[float, ...], bool]:
    """The model's features for ``question``, and whether it names someone of the corpus
    (then answerable whatever the model says)."""
    language, readings = searcher.reading(question)
    vector = searcher.embed_query(searcher.dense_text(question, language))
    _, top_cosine = searcher._dense(vector, readings, 1)
    bm25 = searcher._bm25_scores(analyze(question))
    top_bm25 = float(bm25.max()) if bm25 is not None else 0.0
    unknown = len(searcher.unknown_numbers(question))
    return features(top_cosine, top_bm25, unknown), bool(searcher.index.people.detect(question))


def _fit(x: np.ndarray, y: np.ndarray) -> dict:
    mean, scale = x.mean(0), x.std(0) + 1e-9
    model = LogisticRegression(class_weight="balanced", max_iter=5000)
    model.fit((x - mean) / scale, y)
    return {
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "weights": model.coef_[0].round(6).tolist(),
        "bias": round(float(model.intercept_[0]), 6),
        "n": len(y),
    }


def _cross_validated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities, averaged over repeated stratified folds."""
    p = np.zeros(len(y))
    for seed in range(REPEATS):
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y):
            fitted = _fit(x[train], y[train])
            z = ((x[test] - fitted["mean"]) / fitted["scale"]) @ fitted["weights"]
            p[test] += 1 / (1 + np.exp(-(z + fitted["bias"]))) / REPEATS
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answerable", nargs="+", type=Path)
    parser.add_argument("--offtopic", type=Path, required=True)
    args = parser.parse_args()
    settings = get_settings()
    encoder = onnx_query_encoder(settings)
    index = load_index(settings.index_dir, encoder.name, encoder.fingerprint)
    searcher = Searcher(index, lambda q: encoder.encode_queries([q])[0], settings)
    rows = [r for path in args.answerable for r in _rows(path, 1)] + _rows(args.offtopic, 0)
    for row in rows:
        row["x"], row["named"] = _signals(searcher, row["question"])
    model = {"features": list(FEATURES), "threshold": THRESHOLD, "languages": {}}
    for language in ("fr", "en"):
        group = [r for r in rows if r["lang"] == language]
        x = np.array([r["x"] for r in group])
        y = np.array([r["label"] for r in group])
        kept = (_cross_validated(x, y) >= THRESHOLD) | np.array([r["named"] for r in group])
        answerable = kept[y == 1].mean()
        rejected = (~kept[y == 0]).mean()
        near = [not k for k, r in zip(kept, group, strict=True) if not r["label"] and r.get("near")]
        print(
            f"{language}: cross-validated answerable kept {answerable:.3f} ({(y == 1).sum()}), "
            f"off-topic rejected {rejected:.3f} ({(y == 0).sum()}; near {np.mean(near):.3f})"
        )
        model["languages"][language] = _fit(x, y)
    OUT.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
