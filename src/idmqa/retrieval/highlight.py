"""Sentence-level evidence: which sentences of a passage best match the question.

Sentences are embedded once at index time (:mod:`idmqa.index.sentences`), so highlighting
a hit costs a few dot products with the question vector the search computed anyway.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from idmqa.index.sentences import SentenceStore
from idmqa.text import analyze

#: A sentence is highlighted when it scores within this margin of the passage's best one.
MARGIN = 0.015
MAX_HIGHLIGHTS = 2
#: Weight of the share of question terms a sentence contains, beside its cosine.
LEXICAL_WEIGHT = 0.1
#: Only sentences whose cosine is within this gap of the question's best sentence in the
#: whole corpus are highlighted: a card whose sentences all match weakly gets none. Relative
#: to each question, so the same for English and French questions. Measured on the dev sets:
#: 90 % of the passages holding the answer have their best sentence within 0.022 of the
#: corpus' best; half of the other passages in the top 5 are more than 0.031 away.
CORPUS_GAP = 0.03


@lru_cache(maxsize=16384)
def _sentence_terms(sentence: str) -> frozenset[str]:
    """The BM25 terms of a sentence (cached: the same hits recur across questions)."""
    return frozenset(analyze(sentence))


def highlights(
    store: SentenceStore, passage_index: int, text: str, cosines: np.ndarray, terms: set[str]
) -> list[tuple[int, int]]:
    """Character spans of the best-matching sentences of one passage, in text order,
    from the sentence ``cosines`` with the question and its BM25 ``terms``; none when no
    sentence of the passage comes near the question's best match in the corpus."""
    lo, hi = store.offsets[passage_index], store.offsets[passage_index + 1]
    if hi <= lo:
        return []
    floor = float(cosines.max()) - CORPUS_GAP
    matching = cosines[lo:hi] >= floor
    if not matching.any():
        return []
    scores = cosines[lo:hi].copy()
    if terms:
        for row in range(lo, hi):
            _, start, end = store.spans[row]
            found = terms.intersection(_sentence_terms(text[start:end]))
            scores[row - lo] += LEXICAL_WEIGHT * len(found) / len(terms)
    best = float(scores.max())
    chosen = [
        r
        for r in np.argsort(-scores)[:MAX_HIGHLIGHTS]
        if scores[r] >= best - MARGIN and matching[r]
    ]
    return sorted((int(store.spans[lo + r][1]), int(store.spans[lo + r][2])) for r in chosen)
