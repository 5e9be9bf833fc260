"""Process-wide set-up, done once by whoever starts a process (CLI, server, worker).

Creating a service never changes threads or logging as a side effect.
"""

from __future__ import annotations

import logging
import sys

from threadpoolctl import threadpool_limits

from idmqa.settings import Settings


def configure_threads(settings: Settings) -> None:
    """Pin BLAS, torch and FAISS threads so that several workers don't oversubscribe the cores.

    torch is never imported here: the serving path (ONNX question encoder) does without it,
    and ``load_model`` applies the same setting when torch is loaded later; onnxruntime takes
    ``settings.threads`` in :class:`idmqa.model.runtime.OnnxQueryEncoder`.
    """
    # numpy's BLAS only ever multiplies one question vector by a few thousand sentence rows
    # here: a second BLAS thread saves microseconds but, when the other core is busy, waits
    # up to a scheduler slice to wake (measured: 0.02 ms → 7.8 ms per product under load).
    threadpool_limits(1, user_api="blas")
    torch = sys.modules.get("torch")
    if settings.threads > 0 and torch is not None:
        torch.set_num_threads(settings.threads)
    if settings.threads > 0:
        import faiss  # its OpenMP pool is per process

        faiss.omp_set_num_threads(settings.threads)


def configure_logging(verbose: bool = False) -> None:
    """Log format, and the level of everything but a server's own loggers."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def configure_server_logging(settings: Settings) -> None:
    """A server's log level (``IDMQA_LOG_LEVEL``); its access log (one JSON line per request)
    to stdout."""
    logging.getLogger("idmqa").setLevel(settings.log_level.upper())
    access = logging.getLogger("idmqa.access")
    access.handlers, access.propagate = [logging.StreamHandler(sys.stdout)], False
