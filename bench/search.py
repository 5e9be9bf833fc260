"""Search time after embedding, in process: p50/p95 over the dev questions.

Each question is asked once to fill the question-vector cache, then timed: what remains is
the ranking, fusion, highlights and confidence. Run it against two trees in one session to
compare them (the figures are noisy on a shared machine; compare ratios, not absolutes):

    PYTHONPATH=src python bench/search.py
    PYTHONPATH=/path/to/other/src python bench/search.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from idmqa.service import open_service
from idmqa.settings import get_settings

try:  # the process set-up a server does (one BLAS thread)
    from idmqa.runtime import configure_threads
except ImportError:  # a tree from before idmqa.runtime: open_service did it
    configure_threads = None

ROOT = Path(__file__).resolve().parents[1]
SETS = [ROOT.parent / "shared" / "eval" / name for name in ("dev.jsonl", "dev2.jsonl")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=SETS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for path in args.files
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    settings = get_settings()
    if configure_threads is not None:
        configure_threads(settings)
    service = open_service(settings)
    for question in questions:  # fill the question cache: embedding is not measured
        service.ask(question, 5)
    times = []
    for _ in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            service.ask(question, 5)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"search after embedding, {len(questions)} questions × {args.rounds}: "
        f"p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"
    )


if __name__ == "__main__":
    main()
