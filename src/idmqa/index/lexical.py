"""The BM25 index as served: the arrays bm25s saved at build time, scored with numpy.

The index is built and saved with bm25s (:mod:`idmqa.index.build`), whose scores are
precomputed per (term, passage): scoring a question is adding up the columns of its terms.
Loading the index with ``bm25s.BM25.load`` would do the same, but importing bm25s imports
scipy.sparse whenever scipy is installed (bm25s needs it for one build option only), ~0.12 s
of every ``idmqa ask``. This reads the files bm25s wrote and adds up the scores as
``bm25s.BM25.get_scores`` does, in the same order and dtype: the same scores to the bit
(``tests/index/test_lexical.py`` compares them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: bm25s' file names (``BM25.save``): precomputed scores as a CSC matrix, one column per
#: term; the term ids; the parameters; the scores of absent terms (BM25L and BM25+ only).
_DATA, _INDICES, _INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"
_VOCAB, _PARAMS, _NONOCCURRENCE = (
    "vocab.index.json",
    "params.index.json",
    "nonoccurrence_array.index.npy",
)


@dataclass(frozen=True, slots=True)
class LexicalIndex:
    """A saved bm25s index: ``get_scores(terms)`` gives every passage's BM25 score."""

    vocab_dict: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    num_docs: int
    dtype: np.dtype
    nonoccurrence: np.ndarray | None = None

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """The index bm25s saved in ``directory``."""
        params = json.loads((directory / _PARAMS).read_text(encoding="utf-8"))
        vocab = json.loads((directory / _VOCAB).read_text(encoding="utf-8"))
        absent = directory / _NONOCCURRENCE
        return cls(
            vocab,
            np.load(directory / _DATA),
            np.load(directory / _INDICES),
            np.load(directory / _INDPTR),
            int(params["num_docs"]),
            np.dtype(params.get("dtype", "float32")),
            np.load(absent) if absent.is_file() else None,
        )

    def get_scores(self, terms: list[str]) -> np.ndarray:
        """The BM25 score of every passage for ``terms`` (terms not in the index count for
        nothing; a repeated term counts each time)."""
        ids = np.asarray([self.vocab_dict[t] for t in terms if t in self.vocab_dict], np.int64)
        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for start, end in zip(self.indptr[ids], self.indptr[ids + 1], strict=True):
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        if self.nonoccurrence is not None:
            scores += self.nonoccurrence[ids].sum()
        return scores
