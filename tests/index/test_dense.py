"""The dense index: HNSW above the threshold, memory-mapped loading, exact filtered search."""

from __future__ import annotations

import shutil
from pathlib import Path

import faiss
import numpy as np

from idmqa.index.build import build_index
from idmqa.index.dense import flat_vectors, search_dense
from idmqa.index.store import LoadedIndex, load_index
from idmqa.model.encoder import Encoder
from idmqa.retrieval.search import Filters
from idmqa.service import QAService
from idmqa.settings import Settings


def test_hnsw_above_the_threshold_agrees_with_flat(
    settings: Settings, encoder: Encoder, service: QAService, tmp_path: Path
) -> None:
    copy = tmp_path / "idx"
    shutil.copytree(settings.index_dir, copy)
    approx = settings.model_copy(update={"index_dir": copy, "ann_threshold": 0})
    manifest = build_index(approx, encoder)
    # Same corpus, same model: every vector comes from the previous build.
    assert manifest["incremental"]["passages"]["embedded"] == 0
    assert manifest["dense"]["type"] == "hnsw"
    approx_index = load_index(copy, encoder.name, encoder.fingerprint)
    assert isinstance(approx_index.dense, faiss.IndexHNSWFlat)
    hnsw = QAService(approx, encoder, approx_index)
    for question in (
        "Qu'est-ce que le fonds d'amorçage ?",
        "Who opened the Geneva workshop?",
        "Quels partenariats avec le secteur privé ?",
    ):
        exact = [h.passage.id for h in service.ask(question, 5).hits]
        approximate = [h.passage.id for h in hnsw.ask(question, 5).hits]
        assert approximate == exact, question
    # A filter is searched exactly, even on the approximate index.
    hits = hnsw.ask("financement", 5, Filters(kinds=("footnote",))).hits
    assert hits and all(h.passage.kind == "footnote" for h in hits)


def test_dense_index_is_memory_mapped_and_filtered_search_is_exact(
    loaded_index: LoadedIndex,
) -> None:
    dense = loaded_index.dense
    matrix = flat_vectors(dense)
    assert not matrix.flags.owndata and not matrix.flags.writeable
    np.testing.assert_array_equal(matrix[7], dense.reconstruct(7))
    query = matrix[3]
    for step in (2, 20):  # a large subset (FAISS scan with a bitmap), a small one (gather)
        allowed = np.arange(0, len(matrix), step, dtype=np.int64)
        scores, ids = search_dense(dense, matrix, query, 10, allowed)
        expected = allowed[np.argsort(-(matrix[allowed] @ query), kind="stable")[:10]]
        assert ids.tolist() == expected.tolist()
        assert list(scores) == sorted(scores, reverse=True)
