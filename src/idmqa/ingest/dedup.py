"""Near-duplicate passages: repeated quotes, repeated footnotes, a paragraph and its translation.

The report repeats several passages (a quote in the narrative and again in the
conclusions, the same footnote under three numbers, an English paragraph beside its French
original). Passages are grouped at index time so search can keep one per group in the top k.
"""

from __future__ import annotations

import re

import numpy as np

from idmqa.schema import Passage

#: Share of the smaller passage's word 5-grams found in the other.
CONTAINMENT = 0.5
MIN_SHINGLES = 20
#: Cosine above which two long passages in different languages are translations.
TRANSLATION_COSINE = 0.945
MIN_TRANSLATION_WORDS = 40

#: Pairs below this cosine are never copies (measured: true copies here are ≥ 0.92).
CANDIDATE_COSINE = 0.85
#: Rows of the cosine matrix computed at once (memory: BLOCK_ROWS × passages floats).
BLOCK_ROWS = 1024

_WORD = re.compile(r"\w+")


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower().replace("’", "'"))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _block_of(passage: Passage) -> str:
    # Windows of one long block share sentences by design; they are not copies.
    return passage.id.rsplit(":", 1)[0] if passage.part or passage.id.count(":") > 1 else passage.id


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _are_copies(a: Passage, b: Passage, sa: set, sb: set, cosine: float) -> bool:
    small = min(len(sa), len(sb))
    if small >= MIN_SHINGLES and len(sa & sb) / small >= CONTAINMENT:
        return True
    return (
        a.language != b.language
        and cosine >= TRANSLATION_COSINE
        and min(len(a.text.split()), len(b.text.split())) >= MIN_TRANSLATION_WORDS
    )


def duplicate_groups(passages: list[Passage], vectors: np.ndarray) -> np.ndarray:
    """Group id per passage: the index of the first passage (in document order) of its group."""
    shingles = [_shingles(p.text) for p in passages]
    blocks = [_block_of(p) for p in passages]
    parent = list(range(len(passages)))
    # Copies are always close in embedding space; only those pairs are compared word by word.
    # Cosines are computed a block of rows at a time so 100k passages never need n² memory.
    for lo in range(0, len(passages), BLOCK_ROWS):
        cosines = vectors[lo : lo + BLOCK_ROWS] @ vectors.T
        for r, j in np.argwhere(cosines >= CANDIDATE_COSINE):
            i = lo + int(r)
            if j <= i:
                continue
            if blocks[i] != blocks[j] and _are_copies(
                passages[i], passages[j], shingles[i], shingles[j], float(cosines[r, j])
            ):
                root_i, root_j = _find(parent, i), _find(parent, j)
                parent[max(root_i, root_j)] = min(root_i, root_j)
    return np.array([_find(parent, i) for i in range(len(passages))], dtype=np.int32)
