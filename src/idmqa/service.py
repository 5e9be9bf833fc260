"""The question-answering core used by both the HTTP API and the CLI.

It ties together the encoder, the loaded index and the searcher, and turns hits into
cited answers. It knows nothing of HTTP.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch

from idmqa.embedding import Encoder
from idmqa.index import IndexUnavailable, LoadedIndex, build_index, load_index
from idmqa.schema import Passage
from idmqa.search import Filters, Searcher, SearchResult
from idmqa.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a passage comes from, precisely enough to check it in the source."""

    document: str
    title: str
    section: str
    kind: str
    lines: tuple[int, int]


class QAService:
    """Answers questions over a built index with cited passages."""

    def __init__(self, settings: Settings, encoder: Encoder, index: LoadedIndex | None = None):
        self.settings = settings
        self.encoder = encoder
        index = index or load_index(settings.index_dir, encoder.name, encoder.fingerprint)
        self.index = index
        self.searcher = Searcher(index, lambda q: encoder.encode_queries([q])[0], settings)

    def ask(
        self, question: str, k: int | None = None, filters: Filters | None = None
    ) -> SearchResult:
        """Best passages for ``question``."""
        return self.searcher.search(question, k or self.settings.default_k, filters)

    def citation(self, passage: Passage) -> Citation:
        """The citation of a passage: document, title, section path, kind, line range."""
        doc = self.index.documents.get(passage.document, {})
        return Citation(
            document=passage.document,
            title=str(doc.get("title", passage.document)),
            section=" › ".join(passage.section),
            kind=passage.kind,
            lines=passage.lines,
        )

    def variant(self, **overrides: object) -> QAService:
        """The same model and index searched with other settings (to compare configurations)."""
        settings = self.settings.model_copy(update=overrides)
        return QAService(settings, self.encoder, self.index)

    @property
    def manifest(self) -> dict:
        """The manifest of the serving index."""
        return self.index.manifest


def configure_threads(settings: Settings) -> None:
    """Pin torch's intra-op threads so several workers don't oversubscribe the cores."""
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)


def open_service(settings: Settings, build_if_missing: bool = False) -> QAService:
    """Load the model and the index (building the index first if asked and absent)."""
    configure_threads(settings)
    encoder = Encoder(settings)
    try:
        return QAService(settings, encoder)
    except IndexUnavailable as exc:
        if not build_if_missing or (settings.index_dir / "CURRENT").exists():
            raise
        log.warning("%s; building it now", exc)
        build_index(settings, encoder, progress=True)
        return QAService(settings, encoder)
