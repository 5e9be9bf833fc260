"""Sentences of the passages: their character spans and vectors, grouped by passage.

Sentences are embedded once at index time (see :mod:`idmqa.index.build`), so highlighting
a hit or ranking passages by their best sentence costs a few dot products with the
question vector the search computed anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from idmqa.schema import Passage
from idmqa.text import iter_sentences


def sentence_spans(passages: list[Passage]) -> tuple[np.ndarray, list[str]]:
    """Rows ``(passage index, start, end)`` for every sentence, and the sentences' text."""
    rows, texts = [], []
    for i, passage in enumerate(passages):
        for start, end in iter_sentences(passage.text) or [(0, len(passage.text))]:
            rows.append((i, start, end))
            texts.append(passage.text[start:end])
    return np.array(rows, dtype=np.int32).reshape(-1, 3), texts


@dataclass(frozen=True, slots=True)
class SentenceStore:
    """Sentence spans and their embeddings, grouped by passage."""

    spans: np.ndarray  # (n, 3): passage index, start, end
    vectors: np.ndarray  # (n, dim), L2-normalised
    offsets: np.ndarray  # passage i's sentences are rows offsets[i]:offsets[i + 1]

    @classmethod
    def from_arrays(cls, spans: np.ndarray, vectors: np.ndarray, n_passages: int) -> SentenceStore:
        """Index the rows by passage (rows are in passage order)."""
        if len(spans) != len(vectors) or (len(spans) and spans[:, 0].max() >= n_passages):
            raise ValueError("sentence spans and vectors do not match the passages")
        offsets = np.searchsorted(spans[:, 0], np.arange(n_passages + 1))
        return cls(spans, vectors, offsets)

    def cosines(self, query: np.ndarray) -> np.ndarray:
        """The cosine of every sentence with ``query`` (computed once per search, shared by
        the best-sentence ranking and the highlights)."""
        return self.vectors @ query

    def best_per_passage(self, cosines: np.ndarray) -> np.ndarray:
        """The best of the sentence ``cosines`` for every passage (-inf for a passage
        without any)."""
        best = np.full(len(self.offsets) - 1, -np.inf, dtype=np.float32)
        if len(cosines):
            starts = self.offsets[:-1]
            present = starts < self.offsets[1:]
            best[present] = np.maximum.reduceat(cosines, starts[present])
        return best
