"""The question-answering core used by both the HTTP API and the CLI.

It ties together the question encoder, the loaded index and the searcher, and offers what
callers need — answers, citations, passages in context, documents, people — as typed
records. It knows nothing of HTTP or JSON, and imports nothing of index building: serving
reads a published build and embeds questions with the ONNX export, without torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from typing import Protocol

import numpy as np

from idmqa.index.store import LoadedIndex, changed_on_disk, load_index
from idmqa.model.query import QueryEncoder, onnx_query_encoder
from idmqa.people.lookup import Lookup, names_a_title
from idmqa.people.model import People, Person
from idmqa.retrieval.context import Candidate, PackedContext, pack, source_line
from idmqa.retrieval.conversation import Reading, Resolver
from idmqa.retrieval.questions import MAX_TURNS, Asked, InvalidQuestion, check_question
from idmqa.retrieval.search import Filters, Searcher, SearchResult
from idmqa.retrieval.verify import QuoteCheck, QuoteVerifier
from idmqa.schema import Citation, Passage, PassageInContext, Speaker
from idmqa.settings import Settings
from idmqa.tokens import DEFAULT_ENCODING, count_tokens

#: Most neighbours a passage is shown with on each side (``passage(id, around=n)``).
MAX_AROUND = 10


class QuestionEncoder(Protocol):
    """What the service needs of an encoder (:mod:`idmqa.model.query`, or the build-time one)."""

    name: str
    fingerprint: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def count_query_tokens(self, text: str) -> int: ...


class InvalidFilter(ValueError):
    """A filter that names nothing of the index; ``field`` is the filter's name and
    ``candidates`` whom an ambiguous or unknown name may mean."""

    def __init__(self, field: str, message: str, candidates: Sequence[Person] = ()) -> None:
        super().__init__(f"filters.{field}: {message}")
        self.field = field
        self.candidates = list(candidates)


class InvalidReference(ValueError):
    """A reference to a person (id, name, query) too long to look up; the message says why."""


#: Bounds of a reference to people (an id, a name, part of a name or an organisation): the
#: lookups compare every word with every person, so their cost must not grow with the input.
#: The report's longest name has 5 words; 8 words, 100 characters leave room for a role.
MAX_PERSON_REF_WORDS = 8
MAX_PERSON_REF_CHARS = 100


def check_person_ref(ref: str) -> str:
    """``ref`` stripped, or :class:`InvalidReference` if it is too long to look up."""
    ref = ref.strip()
    if len(ref) > MAX_PERSON_REF_CHARS or len(ref.split()) > MAX_PERSON_REF_WORDS:
        raise InvalidReference(
            f"at most {MAX_PERSON_REF_WORDS} words and {MAX_PERSON_REF_CHARS} characters"
        )
    return ref


class QAService:
    """Answers questions over a built index with cited passages."""

    def __init__(
        self, settings: Settings, encoder: QuestionEncoder, index: LoadedIndex | None = None
    ):
        self.settings = settings
        self.encoder = encoder
        self._index = index or load_index(
            settings.index_dir, encoder.name, encoder.fingerprint, mmap=settings.mmap_index
        )
        self._searcher = Searcher(
            self._index, lambda q: encoder.encode_queries([q])[0], settings, self._by_role
        )
        self._by_id = {p.id: p for p in self._index.passages}
        self._kinds = frozenset(p.kind for p in self._index.passages)
        self._languages = frozenset(p.language for p in self._index.passages)
        #: Told of every answer to a question (the server's metrics).
        self.on_answer: Callable[[SearchResult], None] | None = None

    @cached_property
    def _resolver(self) -> Resolver:
        # Built at the first follow-up: it needs the people lookup, which a question asked
        # alone (`idmqa ask` without --after) never does.
        return Resolver(
            self._index.people,
            self._lookup,
            self._by_id.get,
            self._searcher.corpus_language,
            self.settings.max_question_chars,
        )

    @cached_property
    def _lookup(self) -> Lookup:
        # ~0.45 s to build: a one-question process that never looks up people skips it
        return Lookup(self._index.people)

    def _by_role(self, question: str) -> list[Person]:
        # the title test first: most questions name no title, and need no lookup
        return self._lookup.by_role(question) if names_a_title(question) else []

    def people_lookup(self) -> Lookup:
        """The lookup of people by name, built on first use."""
        return self._lookup

    # ------------------------------------------------------------------ questions

    def ask(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        history: Sequence[Asked] = (),
    ) -> SearchResult:
        """Best passages for ``question`` (``k`` capped at ``settings.max_k``); asked after
        ``history`` (earlier turns, oldest first), it is searched as the conversation reads
        it (see :mod:`idmqa.retrieval.conversation`) and ``interpreted_as`` says how."""
        k = min(k or self.settings.default_k, self.settings.max_k)
        searched = self.read(question, history).question if history else question
        result = self._searcher.search(searched, k, filters)
        if searched != question:
            result = replace(result, question=question, interpreted_as=searched)
        if self.on_answer is not None:
            self.on_answer(result)
        return result

    def read(self, question: str, history: Sequence[Asked]) -> Reading:
        """How ``question`` reads after ``history``; as asked when the rewritten question
        would not be accepted (too long)."""
        reading = self._resolver.read(question, history[-MAX_TURNS:])
        if reading.rewritten:
            try:
                self.checked_question(reading.question)
            except InvalidQuestion:
                return Reading(question, (), reading.language)
        return reading

    def context(
        self,
        question: str,
        max_tokens: int,
        encoding: str = DEFAULT_ENCODING,
        k: int | None = None,
        filters: Filters | None = None,
        history: Sequence[Asked] = (),
    ) -> PackedContext:
        """The best passages for ``question``, cited and packed into at most ``max_tokens``
        tokens of ``encoding`` (see :mod:`idmqa.retrieval.context`)."""
        result = self.ask(question, k, filters, history)
        position = self._searcher.by_id
        candidates = []
        for hit in result.hits:
            citation = self.citation(hit.passage)
            meta = self._index.documents.get(hit.passage.document, {}).get("meta", {})
            short = str(meta.get("short_title") or citation.title)
            candidates.append(
                Candidate(
                    position[hit.passage.id], hit.passage, citation, source_line(citation, short)
                )
            )
        context, passages, tokens = pack(
            candidates, max_tokens, lambda text: count_tokens(text, encoding)
        )
        return PackedContext(
            result.question,
            context,
            passages,
            tokens,
            encoding,
            result.answerable,
            result.confidence,
            result.interpreted_as,
        )

    # ------------------------------------------------------------------ quotes

    @cached_property
    def _verifier(self) -> QuoteVerifier:
        index = self._index
        return QuoteVerifier(
            index.passages, index.sentences, index.people, self.settings, self._lookup
        )

    def verify(self, quote: str, speaker: str | None = None) -> QuoteCheck:
        """Where the report says ``quote`` (French or English), how faithfully, and — given a
        ``speaker`` — whether the report credits them (see :mod:`idmqa.retrieval.verify`).
        Raises :class:`InvalidQuestion` for an empty, overlong or malformed quote, and
        :class:`InvalidReference` for a speaker too long to look up."""
        quote = check_question(quote, self.settings.max_quote_chars, "quote")
        if speaker is not None:
            speaker = check_person_ref(speaker)
        return self._verifier.check(quote, self.encoder.encode_queries, speaker)

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

    def question_language(self, question: str) -> str:
        """The language a question is read in ("fr", "en"), as ``ask`` reports it."""
        return self._searcher.reading(question)[0]

    def filters(
        self,
        document: str | None = None,
        kinds: tuple[str, ...] = (),
        speaker: str | None = None,
        language: str | None = None,
    ) -> Filters:
        """Filters checked against the index, or :class:`InvalidFilter` naming the field."""
        # Messages name the field and what is known, never the value given (it may be huge,
        # HTML, or someone else's input reflected).
        if document and document not in self._index.documents:
            known = ", ".join(sorted(self._index.documents))
            raise InvalidFilter("document", f"unknown document (known: {known})")
        if any(k not in self._kinds for k in kinds):
            raise InvalidFilter("kind", f"unknown kind (known: {', '.join(self.kinds)})")
        person_id = None
        if speaker:
            try:
                person = self.person(speaker)
            except InvalidReference as exc:
                raise InvalidFilter("speaker", str(exc)) from exc
            if person is None:
                raise InvalidFilter("speaker", *self.who_is(speaker))
            person_id = person.id
        if language and language not in self._languages:
            raise InvalidFilter(
                "language", f"unknown language (known: {', '.join(self.languages)})"
            )
        return Filters(document=document, kinds=kinds, speaker=person_id, language=language)

    # ------------------------------------------------------------------ passages

    @property
    def documents(self) -> dict[str, dict]:
        """The indexed documents by id: title, path, language, sha256, metadata."""
        return self._index.documents

    @property
    def kinds(self) -> list[str]:
        """The passage kinds present in the index."""
        return sorted(self._kinds)

    @property
    def languages(self) -> list[str]:
        """The passage languages present in the index."""
        return sorted(self._languages)

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage, in document order."""
        return self._index.passages

    @property
    def passage_count(self) -> int:
        """Number of indexed passages."""
        return len(self._index.passages)

    def passage(self, passage_id: str, around: int = 0) -> PassageInContext | None:
        """A passage by id with its neighbours' ids, and the ``around`` passages before and
        after it in the same document (at most ``MAX_AROUND``); None if there is no such
        passage."""
        if not 0 <= around <= MAX_AROUND:
            raise ValueError(f"around: from 0 to {MAX_AROUND}")
        found = self._searcher.passage(passage_id)
        if found is None:
            return None
        if not around:
            return PassageInContext(*found)
        passages = self._index.passages
        at = self._searcher.by_id[passage_id]
        same = [
            i
            for i in range(max(at - around, 0), min(at + around + 1, len(passages)))
            if passages[i].document == passages[at].document
        ]
        before = tuple(passages[i] for i in same if i < at)
        after = tuple(passages[i] for i in same if i > at)
        return PassageInContext(*found, before=before, after=after)

    def citation(self, passage: Passage) -> Citation:
        """The citation of a passage: document, title, section path, kind, line range."""
        doc = self._index.documents.get(passage.document, {})
        people = self._index.people
        title = str(doc.get("title", passage.document))
        return Citation(
            document=passage.document,
            title=title,
            short_title=str((doc.get("meta") or {}).get("short_title") or title),
            section=" › ".join(passage.section),
            kind=passage.kind,
            lines=passage.lines,
            speakers=tuple(
                Speaker(person.id, person.name, p.role, p.spans)
                for p in passage.people
                if (person := people.get(p.id)) is not None
            ),
        )

    def starters(self, language: str) -> list[str]:
        """Starter questions in an interface language (built with the index), or
        ``ValueError`` for a language without them."""
        if language not in self._index.starters:
            raise ValueError(f"one of {', '.join(sorted(self._index.starters))}")
        return self._index.starters[language]

    # ------------------------------------------------------------------ people

    @property
    def people(self) -> People:
        """The people named in the corpus (who said what)."""
        return self._index.people

    def speakers(self, query: str | None = None) -> list[Person]:
        """People matching ``query`` — names, roles, organisations and countries in any
        language the lexicon knows, typos and accents forgiven — best first; without one,
        everyone, most quoted first."""
        return self._lookup.search(check_person_ref(query) if query else "")

    def suggestions(self, query: str) -> list[Person]:
        """Whom a query that matched nobody may have meant."""
        return self._lookup.suggest(check_person_ref(query))

    def find_speakers(self, query: str, limit: int = 10) -> list[Person]:
        """People matching a name (misspelt too), role, organisation or country, best first;
        whom it may mean when nothing matches."""
        return (self.speakers(query) or self.suggestions(query))[:limit]

    def person(self, ref: str) -> Person | None:
        """A person by id, or by what designates one person only; None otherwise."""
        return self._lookup.resolve(check_person_ref(ref))

    def who_is(self, ref: str) -> tuple[str, list[Person]]:
        """Why ``ref`` (to which :meth:`person` gave nobody) designates nobody: ambiguous or
        unknown; and whom it may mean."""
        candidates = self._lookup.candidates(ref)
        if len(candidates) > 1:
            names = ", ".join(f"{p.name} ({p.id})" for p in candidates)
            return f"ambiguous speaker: one of {names}", candidates
        suggested = candidates or self._lookup.suggest(ref)
        hint = f"; did you mean {', '.join(p.name for p in suggested)}?" if suggested else ""
        return f"unknown speaker{hint} (see GET /speakers?q=… for ids)", suggested

    def statements(self, person_id: str) -> list[Passage]:
        """The passages reporting the person's statements, each statement once (not again
        in another window of its paragraph, nor in a translation), in document order."""
        person = self._index.people.get(person_id)
        ids = person.statements if person else []
        return [self._by_id[i] for i in ids if i in self._by_id]

    # ------------------------------------------------------------------ configuration

    def variant(self, **overrides: object) -> QAService:
        """The same model and index searched with other settings (to compare configurations)."""
        settings = self.settings.model_copy(update=overrides)
        return QAService(settings, self.encoder, self._index)

    @property
    def build(self) -> str:
        """The name of the serving index build (its directory under ``builds/``): what
        /ready and /metrics report, and what a recorded vote was given on."""
        return self._index.path.name

    @property
    def manifest(self) -> dict:
        """The manifest of the serving index."""
        return self._index.manifest

    def index_changes(self) -> tuple[list[str], bool]:
        """The files of the serving build changed on disk since they were verified, and
        whether the answers are still the verified build's (they are unless a changed file
        is memory-mapped: IDMQA_MMAP_INDEX)."""
        changed = changed_on_disk(self._index)
        return changed, not set(changed) & set(self._index.mapped)


def open_service(
    settings: Settings, eager: bool = True, encoder: QuestionEncoder | None = None
) -> QAService:
    """Load the question encoder (unless ``encoder`` is one already started) and the
    published index (``eager``: and build the people lookup and load the tokenizer's subset
    now rather than at their first use, as a server should).

    The ONNX encoder is the serving path; ``IDMQA_QUERY_ENCODER=torch`` loads the build-time
    encoder (and with it torch) instead.
    """
    if encoder is None and settings.query_encoder == "torch":
        from idmqa.model.encoder import Encoder

        encoder = Encoder(settings)
    encoder = encoder or onnx_query_encoder(settings)
    onnx = encoder.onnx if isinstance(encoder, QueryEncoder) else None
    if eager and onnx is not None:  # a server tokenizes many questions, quicker with it
        onnx.tokenizer.preload()
    service = QAService(settings, encoder)
    if onnx is not None:
        onnx.wait_loaded()  # loaded beside the index; ready before the first question
    if eager:
        service.people_lookup()
    return service
