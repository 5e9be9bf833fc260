"""The question-answering core used by both the HTTP API and the CLI.

It ties together the encoder, the loaded index and the searcher, and turns hits into
cited answers. It knows nothing of HTTP.
"""

from __future__ import annotations

import logging
import sys
import unicodedata
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

from idmqa.embedding import Encoder
from idmqa.index import IndexUnavailable, LoadedIndex, build_index, load_index
from idmqa.people import People, Person
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
    speakers: tuple[dict[str, str], ...] = ()  # {"id", "name"} of the people it quotes


class InvalidQuestion(ValueError):
    """A question that cannot be searched; the message says why."""


#: Control characters a question may contain (everything else in Cc/Cs is refused).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def check_question(question: str, max_chars: int) -> str:
    """The question stripped, or :class:`InvalidQuestion` saying what is wrong with it."""
    question = question.strip()
    if not question:
        raise InvalidQuestion("question is empty or whitespace only")
    if len(question) > max_chars:
        raise InvalidQuestion(f"question is longer than {max_chars} characters")
    for position, char in enumerate(question):
        # Lone surrogates (Cs) cannot be encoded as UTF-8; other controls are never text.
        if unicodedata.category(char) in ("Cc", "Cs") and char not in _ALLOWED_CONTROLS:
            raise InvalidQuestion(
                f"question contains a control character (U+{ord(char):04X}) at {position}"
            )
    return question


class QAService:
    """Answers questions over a built index with cited passages."""

    def __init__(self, settings: Settings, encoder: Encoder, index: LoadedIndex | None = None):
        self.settings = settings
        self.encoder = encoder
        index = index or load_index(
            settings.index_dir, encoder.name, encoder.fingerprint, mmap=settings.mmap_index
        )
        self.index = index
        self.searcher = Searcher(index, lambda q: encoder.encode_queries([q])[0], settings)

    def ask(
        self, question: str, k: int | None = None, filters: Filters | None = None
    ) -> SearchResult:
        """Best passages for ``question``."""
        return self.searcher.search(question, k or self.settings.default_k, filters)

    def checked_question(self, question: str) -> str:
        """The question ready to search, or :class:`InvalidQuestion` saying what is wrong."""
        question = check_question(question, self.settings.max_question_chars)
        tokens = self.encoder.count_query_tokens(question)
        if tokens > self.settings.max_question_tokens:
            raise InvalidQuestion(
                f"question is {tokens} model tokens long; the limit is "
                f"{self.settings.max_question_tokens}"
            )
        return question

    def citation(self, passage: Passage) -> Citation:
        """The citation of a passage: document, title, section path, kind, line range."""
        doc = self.index.documents.get(passage.document, {})
        return Citation(
            document=passage.document,
            title=str(doc.get("title", passage.document)),
            section=" › ".join(passage.section),
            kind=passage.kind,
            lines=passage.lines,
            speakers=tuple(
                {"id": p.id, "name": p.name}
                for pid in passage.speakers
                if (p := self.index.people.get(pid)) is not None
            ),
        )

    @property
    def people(self) -> People:
        """The people named in the corpus (who said what)."""
        return self.index.people

    def person(self, ref: str) -> Person | None:
        """A person by id, or by an unambiguous (partial) name; None if unknown."""
        return self.index.people.resolve(ref)

    def statements(self, person_id: str) -> list[Passage]:
        """Every passage reporting the person's statements, in document order."""
        return [p for p in self.index.passages if person_id in p.speakers]

    def passages_by_id(self, ids: list[str]) -> list[Passage]:
        """Passages by id (unknown ids skipped), in the given order."""
        found = (self.searcher.passage(i) for i in ids)
        return [f[0] for f in found if f is not None]

    def citation_json(self, passage: Passage) -> dict:
        """The citation as JSON-ready data."""
        c = self.citation(passage)
        # by hand rather than dataclasses.asdict, whose deep copy costs more than the search
        return {
            "document": c.document,
            "title": c.title,
            "section": c.section,
            "kind": c.kind,
            "lines": list(c.lines),
            "speakers": [dict(speaker) for speaker in c.speakers],
        }

    def answer_json(self, result: SearchResult) -> dict:
        """A search result in the shape of the API's ``/ask`` response (CLI and API share it)."""
        passages = [
            {
                "id": h.passage.id,
                "rank": h.rank,
                "score": round(h.score, 6),
                "text": h.passage.text,
                "tokens": h.passage.tokens,
                "highlights": [list(span) for span in h.highlights],
                "citation": self.citation_json(h.passage),
            }
            for h in result.hits
        ]
        return {
            "question": result.question,
            "language": result.language,
            "passages": passages,
            "answerable": result.answerable,
            "confidence": result.confidence,
            "took_ms": result.took_ms,
        }

    def variant(self, **overrides: object) -> QAService:
        """The same model and index searched with other settings (to compare configurations)."""
        settings = self.settings.model_copy(update=overrides)
        return QAService(settings, self.encoder, self.index)

    @property
    def manifest(self) -> dict:
        """The manifest of the serving index."""
        return self.index.manifest


def configure_threads(settings: Settings) -> None:
    """Pin torch's intra-op threads so several workers don't oversubscribe the cores.

    torch is never imported here: the serving path (ONNX question encoder) does without it,
    and ``load_model`` applies the same setting when torch is loaded later; onnxruntime takes
    ``settings.threads`` in :class:`idmqa.onnx_encoder.OnnxQueryEncoder`.
    """
    # numpy's BLAS only ever multiplies one question vector by a few thousand sentence rows
    # here: a second BLAS thread saves microseconds but, when the other core is busy, waits
    # up to a scheduler slice to wake (measured: 0.02 ms → 7.8 ms per product under load).
    threadpool_limits(1, user_api="blas")
    torch = sys.modules.get("torch")
    if settings.threads > 0 and torch is not None:
        torch.set_num_threads(settings.threads)
    if settings.threads > 0:
        import faiss  # already loaded by idmqa.index; its OpenMP pool is per process

        faiss.omp_set_num_threads(settings.threads)


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
