"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from idmqa import lexicon
from idmqa.index.dense import flat_vectors, search_dense
from idmqa.index.store import LoadedIndex
from idmqa.people.model import Person, asks_for_person
from idmqa.retrieval.confidence import answer_confidence, features
from idmqa.retrieval.crosslingual import CrossLingual
from idmqa.retrieval.highlight import highlights
from idmqa.retrieval.numbered import NumberedItems
from idmqa.schema import Passage
from idmqa.settings import Settings
from idmqa.text import analyze


def announced_lists(passages: Sequence[Passage]) -> dict[int, list[int]]:
    """Passage index of each paragraph announcing a list → the indices of the list's
    passages (the chunker marks them ``meta["announced"]``; a long list is cut in several)."""
    lists: dict[int, list[int]] = {}
    for i, passage in enumerate(passages):
        if not passage.meta.get("announced") or i == 0:
            continue
        first = i
        while first > 0 and passages[first - 1].lines == passage.lines:
            first -= 1  # an earlier part of the same list
        lists.setdefault(first - 1, []).append(i)
    return {i: parts for i, parts in lists.items() if i >= 0}


@cache
def _photo_words() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w])(?:{lexicon.phrases('photo_words')})(?![\w])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on which passages may be returned."""

    document: str | None = None
    kinds: tuple[str, ...] = ()
    speaker: str | None = None  # a person id: only passages where they speak
    language: str | None = None  # only passages in this language ("fr", "en")

    def allows(self, passage: Passage) -> bool:
        """True when ``passage`` satisfies every restriction."""
        if self.document and passage.document != self.document:
            return False
        if self.language and passage.language != self.language:
            return False
        if self.speaker and self.speaker not in passage.speakers:
            return False
        return not self.kinds or passage.kind in self.kinds


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage with its fused score and each ranker's evidence."""

    passage: Passage
    rank: int
    score: float
    dense: float
    lexical: float
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Answer to one question."""

    question: str
    language: str
    hits: list[Hit] = field(default_factory=list)
    took_ms: float = 0.0
    confidence: float = 1.0  # probability that the corpus addresses the question
    answerable: bool = True
    #: (person id, passages) of the people speaking in the best candidates, most first
    speakers: tuple[tuple[str, int], ...] = ()
    #: the question searched, when a conversation rewrote the one asked
    interpreted_as: str | None = None
    #: the answerability model's inputs (``confidence.FEATURES``), for calibration
    signals: tuple[float, ...] = ()


def reciprocal_rank_fusion(
    rankings: list[tuple[dict[int, float], float]], k: int, start: dict[int, float] | None = None
) -> dict[int, float]:
    """Sum of ``weight / (k + rank)`` over weighted rankings given as ``{item: score}``,
    added to the sums of ``start`` if given (a fusion of earlier rankings, left unchanged)."""
    fused = dict(start or {})
    for scores, weight in rankings:
        ordered = sorted(scores, key=scores.__getitem__, reverse=True)
        for rank, item in enumerate(ordered, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class Searcher:
    """Ranks the passages of a loaded index for a question."""

    def __init__(
        self,
        index: LoadedIndex,
        embed_query: Callable[[str], np.ndarray],
        settings: Settings,
        designate: Callable[[str], list[Person]] = lambda question: [],
    ) -> None:
        """``designate``: the people a question names by their role rather than their name
        ("El Salvador's vice-minister")."""
        self.index = index
        self.embed_query = embed_query
        self.settings = settings
        self.designate = designate
        self.by_id = {p.id: i for i, p in enumerate(index.passages)}
        self.languages = np.array([p.language for p in index.passages])
        self.matrix = flat_vectors(index.dense)  # zero-copy view, for exact filtered search
        self._allowed: dict[Filters, np.ndarray] = {}
        self.crosslingual = CrossLingual(index, settings)
        self.corpus_language = self.crosslingual.corpus_language
        self.numbered = NumberedItems(index.passages)
        self.captions = {i for i, p in enumerate(index.passages) if p.kind == "caption"}
        self.lists = announced_lists(index.passages)
        # who said what: passage indices of each person's statements (every window, every
        # language; an agenda row lists speakers, it reports no statement) and of any naming
        self.statements: dict[str, list[int]] = {}
        for i, p in enumerate(index.passages):
            for person in p.speakers if p.kind != "agenda" else ():
                self.statements.setdefault(person, []).append(i)
        self.mentions = {
            p.id: [self.by_id[m] for m in p.mentions if m in self.by_id] for p in index.people
        }
        # passages naming anyone: the candidate answers of a question asking who
        self.naming = {
            i for ids in (*self.statements.values(), *self.mentions.values()) for i in ids
        }

    def _by_similarity(
        self, ids: set[int], vector: np.ndarray, bm25: np.ndarray | None, allowed: np.ndarray | None
    ) -> dict[int, float]:
        """``ids`` (those of them ``allowed`` if given) ordered by cosine and BM25, fused."""
        rows = sorted(ids if allowed is None else ids & set(allowed.tolist()))
        cosine = dict(zip(rows, (self.matrix[rows] @ vector).tolist(), strict=True))
        words = {} if bm25 is None else {i: float(bm25[i]) for i in rows if bm25[i] > 0}
        return reciprocal_rank_fusion([(cosine, 1.0), (words, 1.0)], self.settings.rrf_k)

    def _answer_rankings(
        self,
        question: str,
        named: list[Person],
        items: set[int],
        vector: np.ndarray,
        bm25: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[dict[int, float], float]]:
        """Rankings of the passages a question's form points to, each ordered by similarity
        and BM25: for the people it names, their statements, then any passage naming them
        (agenda rows, captions); for a question asking who that names nobody, every passage
        naming someone; for "the first recommendation", the items numbered 1 of the list
        of recommendations."""
        rankings = []
        if items:
            ranked = self._by_similarity(items, vector, bm25, allowed)
            rankings.append((ranked, self.settings.numbered_item_weight))
        if not named:
            if asks_for_person(question):
                ranked = self._by_similarity(self.naming, vector, bm25, allowed)
                rankings.append((ranked, self.settings.person_answer_weight))
            return rankings
        statements = {i for p in named for i in self.statements.get(p.id, [])}
        mentions = {i for p in named for i in self.mentions.get(p.id, [])} - statements
        rankings.append(
            (self._by_similarity(statements, vector, bm25, allowed), self.settings.speaker_weight)
        )
        rankings.append(
            (self._by_similarity(mentions, vector, bm25, allowed), self.settings.mention_weight)
        )
        return rankings

    def allowed(self, filters: Filters) -> np.ndarray:
        """Sorted indices of the passages ``filters`` lets through (cached per filter)."""
        found = self._allowed.get(filters)
        if found is None:
            passages = self.index.passages
            found = np.array([i for i, p in enumerate(passages) if filters.allows(p)], np.int64)
            if len(self._allowed) >= 256:
                self._allowed.clear()
            self._allowed[filters] = found
        return found

    def _dense(
        self,
        vector: np.ndarray,
        readings: frozenset[str],
        n: int,
        allowed: np.ndarray | None = None,
    ) -> tuple[dict[int, float], float]:
        """Bias-corrected cosines of the top ``n`` passages (among ``allowed`` if given),
        and the best raw cosine."""
        scores, ids = search_dense(
            self.index.dense, self.matrix, vector, n, allowed, self.settings.hnsw_ef_search
        )
        found = ids >= 0
        ids, scores = ids[found], scores[found]
        # The model favours passages of the question's own language; a question read in
        # both languages favours neither.
        if len(readings) == 1:
            (language,) = readings
            bias = self.settings.same_language_bias * (self.languages[ids] == language)
        else:
            bias = 0.0
        corrected = scores - bias
        ranking = dict(zip(ids.tolist(), corrected.tolist(), strict=True))
        return ranking, float(scores[0]) if len(ids) else 0.0

    def _bm25_scores(self, terms: list[str]) -> np.ndarray | None:
        """BM25 score of every passage for ``terms``; None when no term is in the index."""
        vocab = self.index.bm25.vocab_dict
        terms = [t for t in terms if t in vocab]
        return self.index.bm25.get_scores(terms) if terms else None

    @staticmethod
    def _top(scores: np.ndarray | None, n: int) -> dict[int, float]:
        """The ``n`` best positive scores as ``{passage index: score}``."""
        if scores is None:
            return {}
        top = np.argsort(-scores)[:n]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def search(self, question: str, k: int = 5, filters: Filters | None = None) -> SearchResult:
        """The ``k`` best passages for ``question``, best first."""
        started = time.perf_counter()
        language, readings = self.reading(question)
        total = len(self.index.passages)
        n = total if filters else min(total, self.settings.candidates)
        vector = self.embed_query(self.dense_text(question, language))
        # With filters both rankers rank only the passages the filters let through (dense
        # exactly, whatever the index type).
        allowed = self.allowed(filters) if filters else None
        dense, top_cosine = self._dense(vector, readings, n, allowed)
        terms = analyze(question)
        # Scored once over the whole corpus: the top n rank, the people rankings reuse them.
        bm25 = self._bm25_scores(terms)
        lexical = self._top(bm25, n)
        if allowed is not None:
            lexical = {i: s for i, s in lexical.items() if filters.allows(self.index.passages[i])}
        # Words of a question in another language than the corpus rarely occur in it, so
        # BM25 then mostly adds noise: trust it less.
        lexical_weight = (
            1.0 if self.corpus_language in readings else self.settings.cross_lingual_lexical_weight
        )
        glossary, bilingual = self._translated_rankings(question, readings, n)
        named = self.index.people.detect(question) or self.designate(question)
        cosines = self.index.sentences.cosines(vector)
        content = reciprocal_rank_fusion(
            [
                (dense, 1.0),
                (lexical, lexical_weight),
                (glossary, self.settings.glossary_weight),
                (bilingual, self.settings.bilingual_weight),
                (self._sentence_ranking(cosines, n, allowed), self.settings.sentence_weight),
            ],
            self.settings.rrf_k,
        )
        items = self.numbered.asked(question, self.crosslingual.noun_terms)
        answers = self._answer_rankings(question, named, items, vector, bm25, allowed)
        fused = reciprocal_rank_fusion(answers, self.settings.rrf_k, content)
        order = self._order(fused, self._shows_captions(question, named, filters), filters)
        order = self._without_copies(order, max(k, self.settings.facet_candidates))
        passages, term_set = self.index.passages, set(terms)
        hits = [
            Hit(
                passages[i],
                rank,
                fused[i],
                dense.get(i, 0.0),
                lexical.get(i, 0.0),
                tuple(highlights(self.index.sentences, i, passages[i].text, cosines, term_set)),
            )
            for rank, i in enumerate(order[:k], 1)
        ]
        # how far the content rankers agree on their best passage (people rankings join
        # only some questions)
        signals = features(
            top_cosine,
            max(lexical.values(), default=0.0),
            len(self.unknown_numbers(question)),
            max(content.values(), default=0.0),
        )
        confidence = answer_confidence(signals, language)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(
            question,
            language,
            hits,
            round(took, 2),
            round(confidence, 4),
            # a question naming someone the report quotes or lists, or asking for an item
            # it numbers, is about the report, whatever the scores of an English question
            # over French text say
            confidence >= self.settings.answerable_threshold or bool(named or items),
            self._speaker_counts(order[: self.settings.facet_candidates]),
            signals=signals,
        )

    @staticmethod
    def _shows_captions(question: str, named: list[Person], filters: Filters | None) -> bool:
        """Whether photo captions may answer ``question``: when it is about people or
        photographs, or asks for captions. A caption names who is pictured at which event;
        for any other question it only echoes the event's name and date, and outranked the
        passages that answer (the room and dates of a workshop)."""
        return (
            bool(named)
            or asks_for_person(question)
            or bool(_photo_words().search(question))
            or (filters is not None and "caption" in filters.kinds)
        )

    def _speaker_counts(self, candidates: list[int]) -> tuple[tuple[str, int], ...]:
        """(person id, candidates they speak in) of the people speaking in ``candidates``
        (best first), most first, then by their best candidate."""
        counts = Counter(
            person for i in candidates for person in dict.fromkeys(self.index.passages[i].speakers)
        )
        return tuple(sorted(counts.items(), key=lambda c: -c[1]))

    def _sentence_ranking(
        self, cosines: np.ndarray, n: int, allowed: np.ndarray | None
    ) -> dict[int, float]:
        """Passages scored by their best sentence's cosine (``cosines``: every sentence's with
        the question): a passage's vector averages all its sentences, so one relevant
        sentence in a long passage is diluted there."""
        best = self.index.sentences.best_per_passage(cosines)
        if allowed is not None:
            masked = np.full_like(best, -np.inf)
            masked[allowed] = best[allowed]
            best = masked
        top = np.argsort(-best)[:n]
        top = top[np.isfinite(best[top])]
        return dict(zip(top.tolist(), best[top].tolist(), strict=True))

    def _translated_rankings(
        self, question: str, readings: frozenset[str], n: int
    ) -> tuple[dict[int, float], dict[int, float]]:
        """BM25 over the glossary forms of the question's terms and acronyms, and over the
        words the bilingual table gives an English reading's words."""
        translate = self.crosslingual
        english = translate.table_words(question) if "en" in readings else []
        return (
            self._translated_ranking(translate.glossary_words(question, readings), n),
            self._translated_ranking(english, n),
        )

    def _translated_ranking(self, words: list[str], n: int) -> dict[int, float]:
        """BM25 over translations of the question's words (and their word families)."""
        return self._top(self._bm25_scores(self.crosslingual.terms(words)), n) if words else {}

    def reading(self, question: str) -> tuple[str, frozenset[str]]:
        """The question's language, and the languages to read it in (see ``CrossLingual``)."""
        return self.crosslingual.reading(question)

    def unknown_numbers(self, question: str) -> list[str]:
        """The question's numbers that the corpus never writes (see ``CrossLingual``)."""
        return self.crosslingual.unknown_numbers(question)

    def dense_text(self, question: str, language: str) -> str:
        """What the model embeds for ``question`` (see ``CrossLingual.dense_text``)."""
        return self.crosslingual.dense_text(question, language)

    def _order(self, fused: dict[int, float], captions: bool, filters: Filters | None) -> list[int]:
        """The passages of ``fused`` best first, those ``filters`` let through, captions last
        unless ``captions``, and each list right after the paragraph announcing it ("… qui
        comprend trois principes :"), with its score: a reader who finds the announcement
        wants what it announces, which shares few of the question's words."""
        passages = self.index.passages
        for announcing, parts in self.lists.items():
            if announcing not in fused:
                continue
            for part in parts:
                if filters is None or filters.allows(passages[part]):
                    fused[part] = max(fused.get(part, 0.0), fused[announcing])
        order = sorted(fused, key=lambda i: (-fused[i], i))  # a list after its announcement
        if filters:
            order = [i for i in order if filters.allows(passages[i])]
        if not captions:  # last, still there for a k that reaches them
            order = [i for i in order if i not in self.captions] + [
                i for i in order if i in self.captions
            ]
        return order

    def _without_copies(self, order: list[int], k: int) -> list[int]:
        """The first ``k`` of ``order`` keeping one passage per near-duplicate group."""
        seen: set[int] = set()
        kept = []
        for i in order:
            group = int(self.index.groups[i])
            if group not in seen:
                seen.add(group)
                kept.append(i)
                if len(kept) == k:
                    break
        return kept

    def passage(self, passage_id: str) -> tuple[Passage, str | None, str | None] | None:
        """A passage by id with the ids of its neighbours in the same document."""
        idx = self.by_id.get(passage_id)
        if idx is None:
            return None
        passages = self.index.passages
        doc = passages[idx].document
        prev_id = passages[idx - 1].id if idx > 0 and passages[idx - 1].document == doc else None
        nxt = idx + 1 < len(passages) and passages[idx + 1].document == doc
        return passages[idx], prev_id, passages[idx + 1].id if nxt else None
