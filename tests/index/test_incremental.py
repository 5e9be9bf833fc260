"""Incremental builds: a rebuild embeds only new and changed documents."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from idmqa.index.build import build_index
from idmqa.index.dense import flat_vectors
from idmqa.index.store import load_index
from idmqa.model.encoder import Encoder
from idmqa.settings import Settings

NOTE_A = """NOTE A

Le fonds d'amorçage finance des projets pilotes sur la migration de main-d'œuvre.

Les partenariats avec les villes renforcent l'intégration des migrants.
"""
NOTE_B = """NOTE B

The Global Compact for Migration was adopted in Marrakech in December 2018.
"""


def _write(corpus: Path, name: str, text: str, language: str) -> None:
    (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    (corpus / f"{name}.json").write_text(json.dumps({"title": name, "language": language}))


@pytest.fixture
def counting(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Number of texts sent to the model for each ``encode_passages`` call."""
    calls: list[int] = []
    original = encoder.encode_passages

    def encode(texts, progress=False):
        calls.append(len(texts))
        return original(texts, progress=progress)

    monkeypatch.setattr(encoder, "encode_passages", encode)
    return calls


def test_rebuild_embeds_only_new_and_changed_documents(
    encoder: Encoder, counting: list[int], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, "note-a", NOTE_A, "fr")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    first = build_index(settings, encoder)
    a_passages = first["counts"]["passages"]
    assert first["incremental"]["passages"] == {"reused": 0, "embedded": a_passages}
    first_vectors = flat_vectors(
        load_index(settings.index_dir, encoder.name, encoder.fingerprint).dense
    ).copy()

    _write(corpus, "note-b", NOTE_B, "en")
    counting.clear()
    second = build_index(settings, encoder)
    b_passages = second["counts"]["passages"] - a_passages
    assert second["incremental"]["documents"] == {
        "unchanged": 1,
        "changed": 0,
        "new": 1,
        "removed": 0,
    }
    assert second["incremental"]["passages"] == {"reused": a_passages, "embedded": b_passages}
    # The model saw only note B's passages (and their sentences), never note A's again.
    assert counting[0] == b_passages
    index = load_index(settings.index_dir, encoder.name, encoder.fingerprint)
    assert {p.document for p in index.passages} == {"note-a", "note-b"}
    a_rows = [i for i, p in enumerate(index.passages) if p.document == "note-a"]
    np.testing.assert_array_equal(flat_vectors(index.dense)[a_rows], first_vectors)

    # Changing one paragraph of note A re-embeds that paragraph only.
    _write(corpus, "note-a", NOTE_A.replace("les villes", "les régions"), "fr")
    third = build_index(settings, encoder)
    assert third["incremental"]["documents"]["changed"] == 1
    assert third["incremental"]["passages"]["embedded"] == 1


def test_a_build_embedded_another_way_is_not_reused(
    encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old vectors are looked up by what the current code embeds for their passages: a build
    whose chunker embedded them otherwise would hand back vectors of other texts."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, "note-a", NOTE_A, "fr")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    passages = build_index(settings, encoder)["counts"]["passages"]

    monkeypatch.setattr("idmqa.index.build.CHUNKER_VERSION", "older")
    rebuilt = build_index(settings, encoder)
    assert rebuilt["incremental"]["passages"] == {"reused": 0, "embedded": passages}
