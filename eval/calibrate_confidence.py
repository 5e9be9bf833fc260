"""Refit the answerability model of ``idmqa.retrieval.confidence``.

Answerable questions (the gold question sets) against the off-topic set, one logistic model
per question language over the features of ``idmqa.retrieval.confidence.features`` (as
``Searcher.search`` computes them: ``SearchResult.signals``). Prints the cross-validated
rates per language — the honest estimate: share of answerable questions kept, share of
off-topic questions rejected, near and far — and writes the fitted model to
``src/idmqa/data/answerability.json``. With ``--compare`` it prints the same rates (and the
in-sample ones) for every subset of the features, and writes nothing.

    python eval/calibrate_confidence.py ../shared/eval/dev.jsonl ../shared/eval/dev2.jsonl \
        eval/heldout.jsonl --offtopic eval/offtopic.jsonl [--compare]

Needs scikit-learn (``pip install -e '.[bench]'``) and a built index (``idmqa index``).
"""

from __future__ import annotations

import argparse
import json
from itertools import combinations
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from idmqa.index.store import load_index
from idmqa.model.query import onnx_query_encoder
from idmqa.retrieval.confidence import FEATURES
from idmqa.retrieval.search import Searcher
from idmqa.settings import get_settings

OUT = Path(__file__).resolve().parents[1] / "src" / "idmqa" / "data" / "answerability.json"
#: The decision threshold the fit is judged at (``IDMQA_ANSWERABLE_THRESHOLD``'s default).
THRESHOLD = 0.5
#: Weight of the answerable questions against the off-topic ones, each class as a whole.
#: Issue 19's targets keep 0.97 of answerable questions and reject 0.90 of off-topic ones:
#: calling a question the report answers unanswerable (its passages shown under a notice
#: that the report may not address it) costs more than letting an off-topic one through.
ANSWERABLE_WEIGHT = 2.0
FOLDS, REPEATS = 5, 5


def _rows(path: Path, label: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [{**row, "label": label} for row in rows]


def _fit(x: np.ndarray, y: np.ndarray) -> dict:
    mean, scale = x.mean(0), x.std(0) + 1e-9
    n, positive = len(y), int(y.sum())
    weights = {1: ANSWERABLE_WEIGHT * n / (2 * positive), 0: n / (2 * (n - positive))}
    model = LogisticRegression(class_weight=weights, max_iter=5000)
    model.fit((x - mean) / scale, y)
    return {
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "weights": model.coef_[0].round(6).tolist(),
        "bias": round(float(model.intercept_[0]), 6),
        "n": len(y),
    }


def _probability(fitted: dict, x: np.ndarray) -> np.ndarray:
    z = ((x - fitted["mean"]) / fitted["scale"]) @ fitted["weights"] + fitted["bias"]
    return 1 / (1 + np.exp(-z))


def _cross_validated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities, averaged over repeated stratified folds."""
    p = np.zeros(len(y))
    for seed in range(REPEATS):
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y):
            p[test] += _probability(_fit(x[train], y[train]), x[test]) / REPEATS
    return p


def _rates(p: np.ndarray, group: list[dict]) -> tuple[float, float, float]:
    """Answerable kept, off-topic rejected, near off-topic rejected at ``THRESHOLD`` (a
    question naming someone of the corpus is kept whatever the model says)."""
    kept = (p >= THRESHOLD) | np.array([r["named"] for r in group])
    label = np.array([r["label"] for r in group])
    near = np.array([bool(r.get("near")) for r in group])
    return kept[label == 1].mean(), (~kept[label == 0]).mean(), (~kept[(label == 0) & near]).mean()


def _compare(rows: list[dict]) -> None:
    """Cross-validated and in-sample rates of every subset of the features, per language."""
    print(f"{'features':34} lang  cv kept  cv rej  cv near | in kept  in rej")
    for size in range(1, len(FEATURES) + 1):
        for subset in combinations(range(len(FEATURES)), size):
            for language in ("fr", "en"):
                group = [r for r in rows if r["lang"] == language]
                x = np.array([[r["x"][i] for i in subset] for r in group])
                y = np.array([r["label"] for r in group])
                cv = _rates(_cross_validated(x, y), group)
                fitted = _rates(_probability(_fit(x, y), x), group)
                name = "+".join(FEATURES[i] for i in subset)
                print(
                    f"{name:34} {language:4} {cv[0]:8.3f} {cv[1]:7.3f} {cv[2]:8.3f} | "
                    f"{fitted[0]:7.3f} {fitted[1]:7.3f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answerable", nargs="+", type=Path)
    parser.add_argument("--offtopic", type=Path, required=True)
    parser.add_argument("--compare", action="store_true", help="compare feature subsets")
    args = parser.parse_args()
    settings = get_settings()
    encoder = onnx_query_encoder(settings)
    index = load_index(settings.index_dir, encoder.name, encoder.fingerprint)
    searcher = Searcher(index, lambda q: encoder.encode_queries([q])[0], settings)
    rows = [r for path in args.answerable for r in _rows(path, 1)] + _rows(args.offtopic, 0)
    for row in rows:
        row["x"] = searcher.search(row["question"]).signals
        row["named"] = bool(searcher.index.people.detect(row["question"]))
    if args.compare:
        _compare(rows)
        return
    model = {"features": list(FEATURES), "threshold": THRESHOLD, "languages": {}}
    for language in ("fr", "en"):
        group = [r for r in rows if r["lang"] == language]
        x = np.array([r["x"] for r in group])
        y = np.array([r["label"] for r in group])
        answerable, rejected, near = _rates(_cross_validated(x, y), group)
        print(
            f"{language}: cross-validated answerable kept {answerable:.3f} ({(y == 1).sum()}), "
            f"off-topic rejected {rejected:.3f} ({(y == 0).sum()}; near {near:.3f})"
        )
        model["languages"][language] = _fit(x, y)
    OUT.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
