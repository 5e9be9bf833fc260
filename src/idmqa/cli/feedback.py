"""``idmqa feedback``: the visitors' votes (``IDMQA_DATA_DIR/feedback.sqlite3``) as
evaluation candidates, and their counts. Neither loads the index nor the model."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

from idmqa.feedback.store import FeedbackStore, candidate
from idmqa.settings import get_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``feedback`` command and its actions."""
    feedback = sub.add_parser("feedback", help="export or count the visitors' votes")
    actions = feedback.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export", help="the votes as JSONL candidates for the evaluation sets"
    )
    export.add_argument("--out", type=Path, help="write to this file (default: stdout)")
    stats = actions.add_parser("stats", help="vote counts")
    stats.add_argument(
        "--by", choices=("vote", "day", "passage"), default="vote", help="group by (default vote)"
    )


def _store() -> FeedbackStore:
    store = FeedbackStore(get_settings().data_dir)
    if not store.path.is_file():
        raise FileNotFoundError(f"no feedback recorded yet ({store.path} does not exist)")
    return store


def _export(args: argparse.Namespace) -> int:
    store = _store()
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    written = 0
    try:
        for vote in store.votes():
            out.write(json.dumps(candidate(vote), ensure_ascii=False) + "\n")
            written += 1
    except BrokenPipeError:  # piped into head: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- Python flushes stdout at exit
        return 0
    finally:
        if args.out:
            out.close()
    print(f"{written} vote(s) exported", file=sys.stderr)
    return 0


def _stats(args: argparse.Namespace) -> int:
    rows = _store().counts(args.by)
    groups: dict[str, dict[str, int]] = {}
    for group, vote, count in rows:
        groups.setdefault(group, {"up": 0, "down": 0})[vote] = count
    width = max((len(g) for g in groups), default=4)
    print(f"{args.by:<{width}}  {'up':>6}  {'down':>6}")
    for group, votes in groups.items():
        print(f"{group:<{width}}  {votes['up']:>6}  {votes['down']:>6}")
    total_up = sum(v["up"] for v in groups.values())
    total_down = sum(v["down"] for v in groups.values())
    print(f"{'total':<{width}}  {total_up:>6}  {total_down:>6}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    try:
        return {"export": _export, "stats": _stats}[args.action](args)
    except sqlite3.Error as exc:  # not a database, or a corrupt one: one line, exit 1
        raise ValueError(f"cannot read the feedback database: {exc}") from exc
