"""What reading a follow-up in its conversation costs (no model: the resolver alone).

Prints the milliseconds of ``Resolver.read`` over the published index's people for the
conversations of ``eval/conversations.jsonl`` (realistic), and for the worst histories the API
accepts (10 turns of 1000 characters: pronouns only, spaces, names), each as a ratio to the
realistic median, in one run::

    python bench/follow_ups.py --index-dir index
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from idmqa.index.store import current_build
from idmqa.people.lookup import Lookup
from idmqa.people.model import People
from idmqa.retrieval.conversation import Resolver
from idmqa.retrieval.questions import MAX_TURNS, Asked

ROOT = Path(__file__).resolve().parents[1]
WORST = {
    "pronouns": " ".join(["il elle son sa ses en l'a ce ces -t-il"] * 100)[:1000],
    "spaces": "a" + " " * 997 + "b ?",
    "names": "Et " + " ".join(["Vitorino Arbour Swing Lauber Khan"] * 40)[:990],
}


def _time(people: People, lookup: Lookup, question: str, history: list[Asked]) -> float:
    """The best of 3 reads, each by a fresh resolver: its memory of questions would hide the
    cost."""
    best = float("inf")
    for _ in range(3):
        resolver = Resolver(people, lookup, lambda _id: None)
        started = time.perf_counter()
        resolver.read(question, history)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index")
    parser.add_argument("--conversations", type=Path, default=ROOT / "eval/conversations.jsonl")
    args = parser.parse_args()
    build = current_build(args.index_dir)
    people = People.from_json(json.loads((build / "people.json").read_text("utf-8")))
    rows = [json.loads(line) for line in args.conversations.read_text("utf-8").splitlines()]
    lookup = Lookup(people)
    realistic = [
        _time(people, lookup, row["question"], [Asked(q) for q in row["history"]]) for row in rows
    ]
    median = statistics.median(realistic)
    print(f"{'case':<28}{'ms':>9}{'× median':>10}")
    print(f"{'conversations (median)':<28}{median:>9.2f}{1:>10.1f}")
    print(f"{'conversations (max)':<28}{max(realistic):>9.2f}{max(realistic) / median:>10.1f}")
    for name, text in WORST.items():
        ms = _time(people, lookup, text, [Asked(text)] * MAX_TURNS)
        print(f"{'worst: ' + name:<28}{ms:>9.2f}{ms / median:>10.1f}")


if __name__ == "__main__":
    main()
