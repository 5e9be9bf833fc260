"""Embedding questions and passages.

Passages (index build) are embedded with the sentence-transformers model in float32.
Questions (serving) are embedded by the encoder ``IDMQA_QUERY_ENCODER`` chooses:
``onnx-int8`` (default) or ``onnx-fp32`` — the same model exported to ONNX and run by
onnxruntime, see :mod:`idmqa.onnx_encoder` — or ``torch`` (sentence-transformers). The ONNX
paths never import torch, so a serving process starts fast and stays small; torch is loaded
lazily, only when passages are embedded or tokens counted (index build).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from idmqa.modelstore import load_model, model_fingerprint, resolve_model_path
from idmqa.settings import Settings, available_cores

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_SPACES = re.compile(r"\s+")


def normalise_question(text: str) -> str:
    """The question as embedded and as cache key: trimmed, runs of whitespace collapsed."""
    return _SPACES.sub(" ", text).strip()


class _LRU:
    """A small thread-safe LRU cache of question vectors."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vector = self._data.get(key)
            if vector is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return vector

    def put(self, key: str, vector: np.ndarray) -> None:
        with self._lock:
            self._data[key] = vector
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


def _batched(
    encode: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    prompt: str,
    dim: int,
    lanes: int = 1,
    batch: int = 16,
) -> np.ndarray:
    """``encode`` over ``texts`` in batches of ``batch`` texts of similar length, in order.

    With ``lanes`` > 1 that many batches run side by side (onnxruntime sessions may be called
    from several threads; each call is single-threaded, so the vectors are the same bits as
    one by one), longest first so that no lane is left with a long batch at the end.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), dim), np.float32)
    batches = [order[start : start + batch] for start in range(0, len(order), batch)][::-1]

    def run(rows: list[int]) -> None:
        out[rows] = encode([prompt + texts[i] for i in rows])

    if lanes <= 1 or len(batches) <= 1:
        for rows in batches:
            run(rows)
        return out
    with ThreadPoolExecutor(lanes, thread_name_prefix="idmqa-embed") as pool:
        list(pool.map(run, batches))  # list(): re-raise the first error
    return out


class Encoder:
    """The embedding model with the E5 prompts applied consistently.

    Passages and questions must carry their own prefixes ("passage: " / "query: "):
    a passage embedded without its prefix measurably loses retrieval quality.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = resolve_model_path(settings)
        self.name = settings.model
        self.query_encoder = getattr(settings, "query_encoder", "onnx-int8")
        self._model: SentenceTransformer | None = None
        self._model_lock = threading.Lock()
        self._onnx = None
        self._passage_onnx = None
        size = int(getattr(settings, "query_cache_size", 1024))
        self._cache = _LRU(size) if size > 0 else None
        if self.query_encoder == "torch":
            self.fingerprint = model_fingerprint(self.path)
            self.dim = int(self.model.get_embedding_dimension())
            self._embed_one = lambda text: self._encode([text], "", False)[0]
            return
        from idmqa.onnx_encoder import (
            MicroBatcher,
            OnnxQueryEncoder,
            cached_fingerprint,
            ensure_onnx,
        )

        model_dir = Path(self.path)
        self.fingerprint = cached_fingerprint(model_dir) or model_fingerprint(model_dir)
        ensure_onnx(model_dir, self.fingerprint)  # exports (with torch) only when missing
        # One intra-op thread per encoder call and one call per core in parallel: small
        # question batches parallelise poorly inside a call, and concurrent calls (with the
        # micro-batcher filling them) keep the cores busy. With `serve --workers N` (one thread
        # per call) every worker still gets a lane per core: the kernel spreads connections
        # over the workers at random, and a worker that got more of them may then use the
        # cores another leaves idle.
        threads = settings.threads if settings.threads > 0 else 1
        lanes = settings.encoder_lanes or max(1, available_cores() // threads)
        self._onnx = OnnxQueryEncoder(model_dir, self.query_encoder, self.fingerprint, threads)
        self.dim = self._onnx.dim or 384
        self.batcher = MicroBatcher(self._onnx.encode, max_batch=32, lanes=lanes)
        self._embed_one = self.batcher

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded, with torch, on first use)."""
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    self._model = load_model(self.settings)
        return self._model

    @property
    def tokenizer(self):
        """The model's (transformers) tokenizer."""
        return self.model.tokenizer

    def count_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as a passage, prefix and special tokens included."""
        return self._count(self.settings.passage_prompt + text)

    def _count(self, text: str) -> int:
        if self._onnx is None:
            return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])
        # The same tokenizer.json, without loading torch; it truncates at the model window,
        # so count what it cut off too.
        encoding = self._onnx.tokenizer.encode(text)
        return len(encoding.ids) + sum(len(o.ids) for o in encoding.overflowing)

    def count_query_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as a question (prefix and special tokens included)."""
        return self._count(self.settings.query_prompt + text)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalised float32 passage embeddings, one row per text.

        With ONNX available they come from its float32 export (the same vectors as
        sentence-transformers, cosine 1.0000, about 30 % faster and without torch), one
        single-threaded call per core side by side: a few per cent faster than one call using
        every core. Batches of 4 passages of similar length: padding costs less than bigger
        batches gain (the report's 363 passages: 15 % less CPU than batches of 16; the vectors
        differ by at most 2e-8).
        """
        if self._onnx is None:
            return self._encode(texts, self.settings.passage_prompt, progress)
        if self._passage_onnx is None:
            from idmqa.onnx_encoder import OnnxQueryEncoder

            self._passage_onnx = OnnxQueryEncoder(
                Path(self.path), "onnx-fp32", self.fingerprint, threads=1
            )
        return _batched(
            self._passage_onnx.encode,
            texts,
            self.settings.passage_prompt,
            self.dim,
            self._build_lanes(),
            batch=4,
        )

    def _build_lanes(self, call_threads: int = 1) -> int:
        """Parallel encoder calls at index time, each using ``call_threads`` threads: as many
        as fill this process's share of the cores without oversubscribing them."""
        share = self.settings.threads or available_cores()
        return max(1, share // call_threads)

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of short passage sentences (for highlights), as passages.

        With an ONNX query encoder they go through it: highlights compare them with questions
        embedded the same way, and short texts embed several times faster there.
        """
        if self._onnx is None:
            return self.encode_passages(texts)
        lanes = self._build_lanes(self._onnx.threads)
        return _batched(self._onnx.encode, texts, self.settings.passage_prompt, self.dim, lanes)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 question embeddings, one row per text.

        Single questions go through the LRU cache and, for ONNX, the micro-batcher.
        """
        prompt = self.settings.query_prompt
        rows = []
        for text in texts:
            key = prompt + normalise_question(text)
            vector = self._cache.get(key) if self._cache is not None else None
            if vector is None:
                vector = self._embed_one(key)
                vector.setflags(write=False)
                if self._cache is not None:
                    self._cache.put(key, vector)
            rows.append(vector)
        if not rows:
            return np.zeros((0, self.dim), np.float32)
        return np.stack(rows) if len(rows) > 1 else rows[0][None, :]

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            prompt=prompt,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
