"""Sentence-level evidence: which sentences of a passage best match the question.

Sentences are embedded once at index time, so highlighting a hit costs a few dot
products with the question vector the search computed anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from idmqa.parse import iter_sentences
from idmqa.schema import Passage
from idmqa.text import analyze

#: A sentence is highlighted when it scores within this margin of the passage's best one.
MARGIN = 0.015
MAX_HIGHLIGHTS = 2
#: Weight of the share of question terms a sentence contains, beside its cosine.
LEXICAL_WEIGHT = 0.1


@lru_cache(maxsize=16384)
def _sentence_terms(sentence: str) -> frozenset[str]:
    """The BM25 terms of a sentence (cached: the same hits recur across questions)."""
    return frozenset(analyze(sentence))


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

    def highlights(
        self, passage_index: int, text: str, cosines: np.ndarray, terms: set[str]
    ) -> list[tuple[int, int]]:
        """Character spans of the best-matching sentences of one passage, in text order,
        from the sentence ``cosines`` with the question and its BM25 ``terms``."""
        lo, hi = self.offsets[passage_index], self.offsets[passage_index + 1]
        if hi <= lo:
            return []
        scores = cosines[lo:hi].copy()
        if terms:
            for row in range(lo, hi):
                _, start, end = self.spans[row]
                found = terms.intersection(_sentence_terms(text[start:end]))
                scores[row - lo] += LEXICAL_WEIGHT * len(found) / len(terms)
        best = float(scores.max())
        chosen = [r for r in np.argsort(-scores)[:MAX_HIGHLIGHTS] if scores[r] >= best - MARGIN]
        return sorted((int(self.spans[lo + r][1]), int(self.spans[lo + r][2])) for r in chosen)
