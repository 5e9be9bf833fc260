"""Process-wide set-up: threads."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

from idmqa.runtime import configure_threads
from idmqa.settings import Settings


def test_blas_uses_one_thread_once_configured() -> None:
    before = threadpool_info()
    try:
        configure_threads(Settings(threads=0))
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas and all(pool["num_threads"] == 1 for pool in blas)
    finally:  # give the rest of the test session its threads back
        for pool in before:
            threadpool_limits({pool["prefix"]: pool["num_threads"]})
