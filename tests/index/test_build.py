"""Publishing builds: what a rebuild keeps in ``builds/``."""

from __future__ import annotations

import json
from pathlib import Path

from idmqa.index.build import build_index
from idmqa.index.store import current_build, load_index
from idmqa.settings import Settings


def test_a_killed_build_never_costs_the_fallback(encoder, tmp_path: Path) -> None:
    """Attack 14: the folder a killed `idmqa index` left counted in the keep-two rotation, so
    the next run deleted the last good build it could fall back to."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text("NOTE\n\nLe fonds d'amorçage finance des projets.\n")
    (corpus / "note.json").write_text(json.dumps({"title": "Note", "language": "fr"}))
    small = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(small, encoder)
    build_index(small, encoder)
    fallback = current_build(small.index_dir)
    builds = small.index_dir / "builds"
    # What killed runs leave: a build folder without its manifest (named as builds were
    # before staging), and a staging folder.
    for leftover in ("29991231T235959-killed01", ".partial-killed02"):
        (builds / leftover).mkdir()
        (builds / leftover / "passages.jsonl").write_text("{}\n")
    build_index(small, encoder)
    serving = current_build(small.index_dir)
    assert {d.name for d in builds.iterdir()} == {fallback.name, serving.name}
    (small.index_dir / "CURRENT").write_text(fallback.name + "\n")  # falling back works
    assert {
        p.document for p in load_index(small.index_dir, encoder.name, encoder.fingerprint).passages
    } == {"note"}
