"""Holds the service while it loads, so readiness can be answered before it is ready."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from idmqa.service import QAService, open_service
from idmqa.settings import Settings

log = logging.getLogger(__name__)


class ServiceHolder:
    """Loads the QA service in a background thread and hands it out once loaded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service: QAService | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._load, name="idmqa-load", daemon=True)

    def start(self) -> None:
        """Begin loading the model and index (in the background), unless already loaded."""
        if self.service is None and self.error is None:
            self._thread.start()

    def load(self) -> None:
        """Load the model and index now, in this thread (a failure is kept for /ready)."""
        self._load()

    def _load(self) -> None:
        try:
            self.service = open_service(self.settings)
            log.info("ready: %d passages", self.service.passage_count)
        except Exception as exc:  # surfaced through /ready, never crashes the server
            self.error = str(exc)
            log.error("index or model failed to load: %s", exc)


def _require_service(request: Request) -> QAService:
    holder: ServiceHolder = request.app.state.holder
    if holder.service is None:
        raise HTTPException(503, holder.error or "index and model are still loading")
    return holder.service


ServiceDep = Annotated[QAService, Depends(_require_service)]
