"""Live reindexing: a server process serves a newly published index build without a restart.

Each server process (every worker of ``idmqa serve --workers N``) has a thread that reads
the index's ``CURRENT`` every ``IDMQA_INDEX_POLL_SECONDS`` (a read of a few bytes). When it
names another build than the one served, the new build is loaded beside the old one and
verified like at start-up (every file's sha256, the model's fingerprint, the format); only
then does the process switch to it, in one assignment. A request holds the service it
started with, so requests in flight finish on the old build; the old one is freed when the
last of them ends. A build that fails is refused (logged, counted in
``idmqa_index_reloads_total{result="refused"}``) and the old one keeps serving; the watcher
tries again only once ``CURRENT`` names yet another build.

Polling rather than a signal: ``idmqa index`` needs no way to reach the servers (another
container, another user), a worker forked again after a crash catches up by itself, and a
read-only index volume shared by replicas updates them all.
"""

from __future__ import annotations

import logging
import threading
import time

from idmqa.api import metrics
from idmqa.api.state import ServiceHolder
from idmqa.index.store import IndexUnavailable, current_build
from idmqa.service import QAService

log = logging.getLogger("idmqa.reload")

#: Seconds between looks while the first service is still loading.
LOADING_POLL = 0.5


class IndexWatcher:
    """Swaps the holder's service for one over the build ``CURRENT`` names, once verified."""

    def __init__(self, holder: ServiceHolder, interval: float) -> None:
        self.holder = holder
        self.interval = interval
        self.instrumented: QAService | None = None
        self.refused: str | None = None
        self._problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idmqa-reload", daemon=True)

    def start(self) -> IndexWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            served = self.holder.service
            if served is None:
                if self.holder.failed:
                    return
                self._stop.wait(LOADING_POLL)
                continue
            if self.instrumented is not served:
                metrics.instrument(served)
                self.instrumented = served
            if not self.interval:
                return
            self.check(served)
            self._stop.wait(self.interval)

    def _current(self) -> str | None:
        """The build ``CURRENT`` names, or None (logged once) when there is none."""
        try:
            name = current_build(self.holder.settings.index_dir).name
        except IndexUnavailable as exc:
            if str(exc) != self._problem:
                log.warning("still serving the loaded build: %s", exc)
            self._problem = str(exc)
            return None
        self._problem = None
        return name

    def check(self, served: QAService) -> QAService:
        """Load the build ``CURRENT`` names if it is new; the service serving afterwards."""
        name = self._current()
        if name is None or name in (served.build, self.refused):
            return served
        started = time.perf_counter()
        try:
            fresh = QAService(served.settings, served.encoder)
        except Exception as exc:  # whatever fails, the old build keeps serving
            self.refused = name
            metrics.RELOADS.labels("refused").inc()
            log.error("index build %s refused, still serving %s: %s", name, served.build, exc)
            return served
        self.holder.service = fresh
        metrics.instrument(fresh, served)
        self.instrumented = fresh
        metrics.RELOADS.labels("loaded").inc()
        log.info(
            "serving index build %s (%d passages), loaded and verified in %.2f s",
            fresh.build,
            fresh.passage_count,
            time.perf_counter() - started,
        )
        return fresh
