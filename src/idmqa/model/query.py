"""Questions to vectors in a serving process: the ONNX export, micro-batched and cached.

Nothing here imports torch, sentence-transformers or the exporter: a missing or stale export
is refused with the command that makes it (``idmqa index``), never made here.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from idmqa.model.batching import MicroBatcher
from idmqa.model.exported import OnnxEncoderError, cached_fingerprint, export_is_current
from idmqa.model.runtime import OnnxQueryEncoder
from idmqa.model.store import model_fingerprint, model_path
from idmqa.settings import Settings, available_cores

_SPACES = re.compile(r"\s+")
#: Texts per encoder call when concurrent questions are combined.
MAX_BATCH = 32


def normalise_question(text: str) -> str:
    """The question as embedded and as cache key: trimmed, runs of whitespace collapsed."""
    return _SPACES.sub(" ", text).strip()


class QuestionCache:
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


class QueryEncoder:
    """Embeds questions with the E5 query prompt, through a cache of recent questions.

    ``embed_one`` embeds one prompted text; ``count`` counts a text's model tokens. Serving
    uses :func:`onnx_query_encoder`; the torch path is the build-time
    :class:`idmqa.model.encoder.Encoder`'s.
    """

    def __init__(
        self,
        settings: Settings,
        fingerprint: str,
        dim: int,
        embed_one: Callable[[str], np.ndarray],
        count: Callable[[str], int],
        onnx: OnnxQueryEncoder | None = None,
        batcher: MicroBatcher | None = None,
    ) -> None:
        self.settings = settings
        self.name = settings.model
        self.query_encoder = settings.query_encoder
        self.fingerprint = fingerprint
        self.dim = dim
        self._embed_one = embed_one
        self._count = count
        self.onnx, self.batcher = onnx, batcher  # the ONNX path's parts (tests, benchmarks)
        size = settings.query_cache_size
        self.cache = QuestionCache(size) if size > 0 else None
        #: Told of every question: the seconds the model took, or None when it was cached
        #: (the server's metrics).
        self.observer: Callable[[float | None], None] | None = None

    def count_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as given (special tokens included)."""
        return self._count(text)

    def count_query_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as a question (prefix and special tokens included)."""
        return self._count(self.settings.query_prompt + text)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 question embeddings, one row per text."""
        prompt = self.settings.query_prompt
        rows = []
        for text in texts:
            key = prompt + normalise_question(text)
            vector = self.cache.get(key) if self.cache is not None else None
            took = None
            if vector is None:
                started = time.perf_counter()
                vector = self._embed_one(key)
                took = time.perf_counter() - started
                vector.setflags(write=False)
                if self.cache is not None:
                    self.cache.put(key, vector)
            if self.observer is not None:
                self.observer(took)
            rows.append(vector)
        if not rows:
            return np.zeros((0, self.dim), np.float32)
        return np.stack(rows) if len(rows) > 1 else rows[0][None, :]


def onnx_token_counter(onnx: OnnxQueryEncoder) -> Callable[[str], int]:
    """Model tokens of a text with the export's tokenizer (no torch), what it cuts off at
    the model window included."""
    return onnx.tokenizer.count


def onnx_query_encoder(
    settings: Settings, model_dir: Path | None = None, fingerprint: str | None = None
) -> QueryEncoder:
    """The serving question encoder over the cached ONNX export of the configured model.

    One intra-op thread per encoder call and one call per core in parallel: small question
    batches parallelise poorly inside a call, and concurrent calls (with the micro-batcher
    filling them) keep the cores busy. With ``serve --workers N`` every worker still gets a
    lane per core: the kernel spreads connections over the workers at random, and a worker
    that got more of them may then use the cores another leaves idle.
    """
    model_dir = Path(model_dir or model_path(settings))
    fingerprint = fingerprint or cached_fingerprint(model_dir) or model_fingerprint(model_dir)
    if not export_is_current(model_dir, fingerprint):
        raise OnnxEncoderError(f"no current ONNX export of {model_dir}: run `idmqa index`")
    threads = settings.threads if settings.threads > 0 else 1
    lanes = settings.encoder_lanes or max(1, available_cores() // threads)
    onnx = OnnxQueryEncoder(model_dir, settings.query_encoder, fingerprint, threads)
    batcher = MicroBatcher(onnx.encode, max_batch=MAX_BATCH, lanes=lanes)
    count = onnx_token_counter(onnx)
    return QueryEncoder(settings, fingerprint, onnx.dim or 384, batcher, count, onnx, batcher)
