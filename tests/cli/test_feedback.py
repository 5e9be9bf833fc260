"""``idmqa feedback export`` and ``stats`` as a user runs them, over a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from idmqa.feedback.store import FeedbackStore


def _idmqa(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "idmqa.cli", "feedback", *args],
        env={**os.environ, "IDMQA_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _votes(data_dir: Path) -> None:
    store = FeedbackStore(data_dir)
    on = {"build": "b1", "passage_id": "doc#p3", "passage_text": "Le texte du passage."}
    store.add(question="Qui a financé l'IDM ?", language="fr", vote="up", **on)
    store.add(question="Who funded IDM?", language="en", vote="down", comment="wrong", **on)
    store.add(question="Who funded IDM?", language="en", vote="up", build="b1")


def test_export_writes_eval_candidates(tmp_path: Path) -> None:
    _votes(tmp_path)
    out = tmp_path / "candidates.jsonl"
    done = _idmqa(tmp_path, "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["question"], r["lang"], r["vote"]) for r in rows] == [
        ("Qui a financé l'IDM ?", "fr", "up"),
        ("Who funded IDM?", "en", "down"),
        ("Who funded IDM?", "en", "up"),
    ]
    assert rows[0]["gold"] == ["Le texte du passage."]
    # No passage, or a down vote: nothing to take as gold.
    assert "gold" not in rows[1] and "gold" not in rows[2]
    assert rows[1]["comment"] == "wrong" and rows[1]["passage_id"] == "doc#p3"
    to_stdout = _idmqa(tmp_path, "export")
    assert [json.loads(line) for line in to_stdout.stdout.splitlines()] == rows


def test_stats_counts_per_vote_and_per_passage(tmp_path: Path) -> None:
    _votes(tmp_path)
    per_vote = _idmqa(tmp_path, "stats")
    assert per_vote.returncode == 0, per_vote.stderr
    lines = [line.split() for line in per_vote.stdout.splitlines()]
    assert ["down", "0", "1"] in lines and ["up", "2", "0"] in lines
    assert lines[-1] == ["total", "2", "1"]
    per_passage = [
        line.split() for line in _idmqa(tmp_path, "stats", "--by", "passage").stdout.splitlines()
    ]
    assert ["doc#p3", "1", "1"] in per_passage and ["(none)", "1", "0"] in per_passage
    per_day = _idmqa(tmp_path, "stats", "--by", "day").stdout.splitlines()
    assert len(per_day) == 3 and per_day[1].split()[1:] == ["2", "1"]


def test_without_votes_or_with_a_bad_grouping_it_says_so(tmp_path: Path) -> None:
    empty = _idmqa(tmp_path / "nothing", "stats")
    assert empty.returncode == 1 and "no feedback recorded yet" in empty.stderr
    assert not (tmp_path / "nothing").exists()
    bad = _idmqa(tmp_path, "stats", "--by", "hour")
    assert bad.returncode == 2 and "--by" in bad.stderr
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "feedback.sqlite3").write_bytes(b"not a database" * 100)
    corrupt = _idmqa(tmp_path / "garbage", "export")
    assert corrupt.returncode == 1 and "cannot read the feedback database" in corrupt.stderr
    assert "Traceback" not in corrupt.stderr
