"""Concurrent single questions combined into batched encoder calls."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np


class _Pending:
    __slots__ = ("done", "error", "lead", "text", "vector")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lead = False


class MicroBatcher:
    """Combines concurrent single-text calls into batched encoder calls, ``lanes`` at a time.

    A caller that finds a lane free runs the encoder at once (no added latency when alone);
    callers arriving while every lane is busy queue up, and each finishing lane hands the
    queue (up to ``max_batch`` texts, one encoder call) to the first of them. On a busy server
    one model call serves many questions, and at most ``lanes`` calls compete for the cores.
    """

    def __init__(
        self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 32, lanes: int = 1
    ) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self.lanes = max(1, lanes)
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._running = 0  # lanes in use
        self.calls = 0  # encoder calls made (for tests and benchmarks)
        self.items = 0  # texts encoded

    def __call__(self, text: str) -> np.ndarray:
        item = _Pending(text)
        with self._lock:
            self._queue.append(item)
            lead = self._running < self.lanes
            if lead:
                self._running += 1
        if not lead:
            item.done.wait()
            if not item.lead:
                if item.error is not None:
                    raise item.error
                return item.vector  # type: ignore[return-value]
        # This caller leads a lane: its own text first, then the oldest waiting ones.
        with self._lock:
            if not item.lead:  # arrived to a free lane: still queued
                self._queue.remove(item)
            batch = [item, *self._queue[: self.max_batch - 1]]
            del self._queue[: self.max_batch - 1]
        try:
            vectors = self._encode([p.text for p in batch])
            for p, vector in zip(batch, vectors, strict=True):
                p.vector = vector
        except BaseException as exc:
            for p in batch:
                p.error = exc
        with self._lock:
            self.calls += 1
            self.items += len(batch)
            # Hand the lane to the oldest waiting caller (out of the queue, so no other lane
            # takes it), or free it.
            successor = self._queue.pop(0) if self._queue else None
            if successor is None:
                self._running -= 1
            else:
                successor.lead = True
        for p in batch:
            if p is not item:
                p.done.set()
        if successor is not None:
            successor.done.set()
        if item.error is not None:
            raise item.error
        return item.vector  # type: ignore[return-value]
