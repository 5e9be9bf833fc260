"""Holds the service while it loads, so readiness can be answered before it is ready."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from idmqa.service import QAService, open_service
from idmqa.settings import Settings

log = logging.getLogger(__name__)

#: What clients are told while the service is not there; the reason of a failure is in the
#: server's log only (it names paths and library internals).
LOADING = "index and model are still loading"
FAILED = "the index or the model failed to load; see the server log"


class ServiceHolder:
    """Loads the QA service, now or in a background thread, and hands it out once loaded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service: QAService | None = None
        self.failed = False
        self._thread = threading.Thread(
            target=self._load_in_background, name="idmqa-load", daemon=True
        )

    def start(self) -> None:
        """Begin loading the model and index (in the background), unless already loaded."""
        if self.service is None and not self.failed:
            self._thread.start()

    def load(self) -> None:
        """Load the model and index now, in this thread; raises what loading raised."""
        self.service = open_service(self.settings)

    def _load_in_background(self) -> None:
        try:
            self.load()
            log.info("ready: %d passages", self.service.passage_count)
        except Exception as exc:  # surfaced through /ready, never crashes the server
            self.failed = True
            log.error("index or model failed to load: %s", exc)

    @property
    def unavailable(self) -> str:
        """Why there is no service, for clients."""
        return FAILED if self.failed else LOADING


def _require_service(request: Request) -> QAService:
    holder: ServiceHolder = request.app.state.holder
    if holder.service is None:
        raise HTTPException(503, holder.unavailable)
    return holder.service


ServiceDep = Annotated[QAService, Depends(_require_service)]
