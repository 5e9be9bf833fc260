"""The served BM25 index scores as bm25s does, on the session's real index."""

from __future__ import annotations

import bm25s
import numpy as np

from idmqa.index.lexical import LexicalIndex
from idmqa.index.store import LoadedIndex
from idmqa.text import analyze

QUESTIONS = (
    "Qui a financé le Dialogue international sur la migration en 2018 ?",
    "What did the Director General say about partnerships with the private sector?",
    "migration migration migrants",
)


def test_scores_are_bm25s_scores_to_the_bit(loaded_index: LoadedIndex) -> None:
    directory = loaded_index.path / "bm25"
    ours, theirs = LexicalIndex.load(directory), bm25s.BM25.load(str(directory))
    assert ours.vocab_dict == theirs.vocab_dict
    texts = [*QUESTIONS, *(p.text for p in loaded_index.passages[::7])]
    queries = [analyze(text) for text in texts] + [[t, t] for t in list(ours.vocab_dict)[::50]]
    for terms in queries:
        known = [t for t in terms if t in theirs.vocab_dict]
        if known:
            expected = theirs.get_scores(known)
            got = ours.get_scores(terms)
            assert got.dtype == expected.dtype and np.array_equal(got, expected), terms


def test_terms_outside_the_index_score_nothing(loaded_index: LoadedIndex) -> None:
    scores = loaded_index.bm25.get_scores(["zzzunknownzzz"])
    assert scores.shape == (len(loaded_index.passages),) and not scores.any()
