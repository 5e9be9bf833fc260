"""Build-time vectors: the FAISS index written for a build, and reuse of a previous build's
embeddings so a rebuild only embeds what changed.

* Below ``IDMQA_ANN_THRESHOLD`` passages (default 50 000) the dense index is exact
  (``IndexFlatIP``); from there on it is ``IndexHNSWFlat`` with inner product (the vectors are
  L2-normalised, so both rank by cosine). ``bench/scale.py`` measures HNSW's recall@10 against
  exact search at 100k+ vectors.
* Embeddings are content-addressed: a vector is reused when the previous build embedded the
  very same text (sha256 of the prompt-less embedding text) with the same model fingerprint and
  passage prompt. Unchanged documents (same sha256) therefore cost no embedding at all, and a
  changed document only re-embeds its changed passages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np


def dense_index(
    vectors: np.ndarray,
    threshold: int,
    m: int = 32,
    ef_construction: int = 80,
    ef_search: int = 128,
) -> tuple[faiss.Index, dict]:
    """The dense index for ``vectors`` (rows L2-normalised) and its manifest description.

    Exact below ``threshold`` rows, HNSW (inner product) from there on.
    """
    n, dim = vectors.shape
    if n < threshold:
        index = faiss.IndexFlatIP(dim)
        info: dict = {"type": "flat", "metric": "inner_product"}
    else:
        index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
        info = {
            "type": "hnsw",
            "metric": "inner_product",
            "m": m,
            "ef_construction": ef_construction,
            "ef_search": ef_search,
        }
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, info


def text_key(text: str) -> bytes:
    """Content address of an embedded text."""
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass
class ReuseStats:
    """How many vectors a build took from the previous build and how many it embedded."""

    reused: int = 0
    embedded: int = 0


@dataclass
class EmbeddingCache:
    """Vectors of a previous build, addressed by the sha256 of the text they embed."""

    vectors: dict[bytes, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, texts: Sequence[str], vectors: np.ndarray) -> EmbeddingCache:
        """Cache rows of ``vectors`` under the keys of ``texts`` (same order)."""
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts for {len(vectors)} vectors")
        return cls({text_key(t): vectors[i] for i, t in enumerate(texts)})

    def embed(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        stats: ReuseStats,
    ) -> np.ndarray:
        """Vectors for ``texts``: cached ones reused, only the others passed to ``encode``."""
        keys = [text_key(t) for t in texts]
        missing = [i for i, key in enumerate(keys) if key not in self.vectors]
        if missing or not self.vectors:
            fresh = encode([texts[i] for i in missing])
            dim = fresh.shape[1]
        else:
            fresh, dim = None, len(next(iter(self.vectors.values())))
        out = np.zeros((len(texts), dim), np.float32)
        if fresh is not None and missing:
            out[missing] = fresh
        for i, key in enumerate(keys):
            if key in self.vectors:
                out[i] = self.vectors[key]
        stats.reused += len(texts) - len(missing)
        stats.embedded += len(missing)
        return out


def document_changes(previous: dict | None, documents: Sequence) -> dict[str, list[str]]:
    """Document ids by status against the previous manifest: unchanged, changed, new, removed."""
    before = {d["id"]: d["sha256"] for d in (previous or {}).get("documents", [])}
    now = {d.id: d.sha256 for d in documents}
    return {
        "unchanged": sorted(i for i in now if before.get(i) == now[i]),
        "changed": sorted(i for i in now if i in before and before[i] != now[i]),
        "new": sorted(i for i in now if i not in before),
        "removed": sorted(i for i in before if i not in now),
    }


def previous_manifest(build_dir: Path | None) -> dict | None:
    """The manifest of ``build_dir``, or None if there is none or it is unreadable."""
    if build_dir is None:
        return None
    try:
        return json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
