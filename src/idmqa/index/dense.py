"""Dense vectors at query time: the FAISS index memory-mapped, read-only, and searched
(exact, approximate, or an exact scan of the rows a filter allows).

* Below ``IDMQA_ANN_THRESHOLD`` passages (default 50 000) the dense index is exact
  (``IndexFlatIP``); from there on it is ``IndexHNSWFlat`` with inner product (the vectors are
  L2-normalised, so both rank by cosine). ``bench/scale.py`` measures HNSW's recall@10 against
  exact search at 100k+ vectors.
* Loading maps the index file read-only (``IO_FLAG_MMAP_IFC``): the flat vectors — all of a
  flat index, the storage of an HNSW one — stay in the page cache, shared by every worker
  process of a machine instead of copied into each. (Plain ``IO_FLAG_MMAP`` only maps IVF
  inverted lists; it copies flat codes.)
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

#: Read flags for the dense index: flat codes memory-mapped in place, never written.
MMAP_FLAGS = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY


def read_dense(path: Path, mmap: bool = True) -> faiss.Index:
    """Load a dense index, memory-mapped read-only unless ``mmap`` is False."""
    return faiss.read_index(str(path), MMAP_FLAGS if mmap else 0)


def is_approximate(index: faiss.Index) -> bool:
    """True for an HNSW index (whose search depth must cover the results asked for)."""
    return hasattr(index, "hnsw")


def all_vectors(index: faiss.Index) -> np.ndarray:
    """Every stored vector, in id order (flat and HNSW-flat indexes store them exactly)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), np.float32)
    return index.reconstruct_n(0, index.ntotal)


def flat_vectors(index: faiss.Index) -> np.ndarray:
    """A read-only, zero-copy view of the vectors a flat or HNSW-flat index stores."""
    flat = faiss.downcast_index(index.storage) if is_approximate(index) else index
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    return np.asarray(_Owner(index, view))


class _Owner:
    """Keeps the FAISS index alive as long as a numpy view of its memory (the view's base)."""

    def __init__(self, index: faiss.Index, view: np.ndarray) -> None:
        self.index = index
        interface = dict(view.__array_interface__)
        interface["data"] = (interface["data"][0], True)  # read-only: the file may be mapped
        self.__array_interface__ = interface


def search_dense(
    index: faiss.Index,
    matrix: np.ndarray,
    vector: np.ndarray,
    n: int,
    allowed: np.ndarray | None = None,
    ef_search: int = 128,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ids of the ``n`` nearest vectors, best first (ids -1 pad a short answer).

    Without ``allowed`` this is the index's own search (HNSW with a search depth of at least
    ``n``). With ``allowed`` (sorted passage ids a filter lets through) it is an exact scan of
    those rows of ``matrix``: exact whatever the index type, and cheap (about 10 ms for 100k
    rows), where a filtered HNSW walk misses results once the filter is selective.
    """
    if allowed is None:
        params = (
            faiss.SearchParametersHNSW(efSearch=max(ef_search, n))
            if is_approximate(index)
            else None
        )
        scores, ids = index.search(vector.reshape(1, -1), n, params=params)
        return scores[0], ids[0]
    if len(allowed) > len(matrix) // 8:
        # A large subset: FAISS's exact scan of the flat vectors, skipping the others.
        flat = faiss.downcast_index(index.storage) if is_approximate(index) else index
        bits = np.zeros(len(matrix), bool)
        bits[allowed] = True
        selector = faiss.IDSelectorBitmap(np.packbits(bits, bitorder="little"))
        params = faiss.SearchParameters(sel=selector)
        scores, ids = flat.search(vector.reshape(1, -1), min(n, len(allowed)), params=params)
        return scores[0], ids[0]
    scores = matrix[allowed] @ vector  # a small subset: gather its rows
    n = min(n, len(allowed))
    top = np.argpartition(-scores, n - 1)[:n] if 0 < n < len(allowed) else np.arange(n)
    top = top[np.argsort(-scores[top], kind="stable")]
    return scores[top], allowed[top]
