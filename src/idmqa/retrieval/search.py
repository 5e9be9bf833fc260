"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from idmqa.index.dense import flat_vectors, search_dense
from idmqa.index.store import LoadedIndex
from idmqa.people.model import Person, asks_for_person
from idmqa.retrieval.confidence import answer_confidence
from idmqa.retrieval.glossary import Glossary, acronym_expansions, expand_acronyms
from idmqa.retrieval.highlight import highlights
from idmqa.schema import Passage
from idmqa.settings import Settings
from idmqa.text import (
    analyze,
    english_stem,
    english_words,
    language_votes,
    strip_accents,
)

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")


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


def reciprocal_rank_fusion(
    rankings: list[tuple[dict[int, float], float]], k: int
) -> dict[int, float]:
    """Sum of ``weight / (k + rank)`` over weighted rankings given as ``{item: score}``."""
    fused: dict[int, float] = {}
    for scores, weight in rankings:
        ordered = sorted(scores, key=scores.__getitem__, reverse=True)
        for rank, item in enumerate(ordered, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class Searcher:
    """Ranks the passages of a loaded index for a question."""

    def __init__(
        self, index: LoadedIndex, embed_query: Callable[[str], np.ndarray], settings: Settings
    ) -> None:
        self.index = index
        self.embed_query = embed_query
        self.settings = settings
        self.by_id = {p.id: i for i, p in enumerate(index.passages)}
        self.languages = np.array([p.language for p in index.passages])
        self.matrix = flat_vectors(index.dense)  # zero-copy view, for exact filtered search
        self._allowed: dict[Filters, np.ndarray] = {}
        counts = Counter(d.get("language", "fr") for d in index.documents.values())
        self.corpus_language = counts.most_common(1)[0][0] if counts else "fr"
        self.glossary = Glossary.english_french()
        self.acronyms = acronym_expansions(index.passages)
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

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The corpus' own words, folded: to tell a keyword query's language (see
        :meth:`reading`) and the numbers it never writes. Built at first need (~25 ms): most
        questions have function words and no number."""
        words = {w for p in self.index.passages for w in _WORD.findall(p.text.lower())}
        return frozenset(map(strip_accents, words))  # each distinct word folded once

    def _people_rankings(
        self,
        question: str,
        named: list[Person],
        vector: np.ndarray,
        bm25: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[dict[int, float], float]]:
        """Extra rankings for questions about people: for the people a question names, their
        statements, then any passage naming them (agenda rows, captions); for a question
        asking who that names nobody, every passage naming someone. Each is ordered by
        similarity and BM25."""

        permitted = None if allowed is None else set(allowed.tolist())

        def by_similarity(ids: set[int]) -> dict[int, float]:
            rows = sorted(ids if permitted is None else ids & permitted)
            cosine = dict(zip(rows, (self.matrix[rows] @ vector).tolist(), strict=True))
            words = {} if bm25 is None else {i: float(bm25[i]) for i in rows if bm25[i] > 0}
            return reciprocal_rank_fusion([(cosine, 1.0), (words, 1.0)], self.settings.rrf_k)

        if not named:
            if not asks_for_person(question):
                return []
            return [(by_similarity(self.naming), self.settings.person_answer_weight)]
        statements = {i for p in named for i in self.statements.get(p.id, [])}
        mentions = {i for p in named for i in self.mentions.get(p.id, [])} - statements
        return [
            (by_similarity(statements), self.settings.speaker_weight),
            (by_similarity(mentions), self.settings.mention_weight),
        ]

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
        glossary = self._glossary_ranking(question, readings, n)
        bilingual = self._bilingual_ranking(question, readings, n)
        named = self.index.people.detect(question)
        cosines = self.index.sentences.cosines(vector)
        fused = reciprocal_rank_fusion(
            [
                (dense, 1.0),
                (lexical, lexical_weight),
                (glossary, self.settings.glossary_weight),
                (bilingual, self.settings.bilingual_weight),
                (self._sentence_ranking(cosines, n, allowed), self.settings.sentence_weight),
                *self._people_rankings(question, named, vector, bm25, allowed),
            ],
            self.settings.rrf_k,
        )
        order = sorted(fused, key=fused.__getitem__, reverse=True)
        passages = self.index.passages
        if filters:
            order = [i for i in order if filters.allows(passages[i])]
        order = self._without_copies(order, max(k, self.settings.facet_candidates))
        term_set = set(terms)
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
        confidence = answer_confidence(
            top_cosine,
            max(lexical.values(), default=0.0),
            len(self.unknown_numbers(question)),
            language,
        )
        took = (time.perf_counter() - started) * 1000
        return SearchResult(
            question,
            language,
            hits,
            round(took, 2),
            round(confidence, 4),
            # a question naming someone the report quotes or lists is about the report,
            # whatever the scores of an English question over French text say
            confidence >= self.settings.answerable_threshold or bool(named),
            self._speaker_counts(order[: self.settings.facet_candidates]),
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

    def _glossary_ranking(
        self, question: str, readings: frozenset[str], n: int
    ) -> dict[int, float]:
        """BM25 over the corpus-language forms of the question's terms and acronyms."""
        words = expand_acronyms(question, self.acronyms)
        if readings != {self.corpus_language}:
            words += self.glossary.translations(question)
        return self._top(self._bm25_scores(analyze(" ".join(words))), n) if words else {}

    def reading(self, question: str) -> tuple[str, frozenset[str]]:
        """The question's language, and the languages to read it in.

        Its function words tell most questions apart. A keyword query has none ("seed
        fund", "mayor Clarkston youth", "fonds d'amorçage" without accents): it is read
        both ways — BM25 at full weight and the translations of its English words — and
        shown as English when it has lower-case words the corpus never uses.
        """
        french, english = language_votes(question)
        if french != english:
            language = "en" if english > french else "fr"
            return language, frozenset({language})
        words = [strip_accents(w) for w in _WORD.findall(question) if w.islower()]
        foreign = any(w not in self.vocabulary for w in words)
        return ("en" if foreign else self.corpus_language), frozenset({"en", "fr"})

    def unknown_numbers(self, question: str) -> list[str]:
        """The numbers of the question (years, figures) that the corpus never writes: a
        question about 2023 is not answered by a report of 2018, in any language."""
        return [n for n in _NUMBER.findall(question) if n not in self.vocabulary]

    def _table_words(self, question: str, most: int | None = None) -> list[str]:
        """The corpus words the build's bilingual table gives the question's English words,
        of those with at most ``most`` translations if given (none over a corpus the table
        does not translate into)."""
        if self.corpus_language != "fr" or not self.index.bilingual:
            return []
        table = self.index.bilingual
        found = (table.get(english_stem(word), ()) for word in english_words(question))
        return [w for words in found if most is None or len(words) <= most for w in words]

    def _bilingual_ranking(
        self, question: str, readings: frozenset[str], n: int
    ) -> dict[int, float]:
        """BM25 over the corpus words the build's bilingual table gives the question's
        words, for a question read in English over a French corpus."""
        words = self._table_words(question) if "en" in readings else []
        return self._top(self._bm25_scores(analyze(" ".join(words))), n) if words else {}

    def dense_text(self, question: str, language: str) -> str:
        """What the model embeds for ``question``: an English question over a French corpus
        is followed by the French words of its terms — the glossary's, and the bilingual
        table's for the words it translates one way only ("funding" → "financement").

        The multilingual model matches English wording to its French counterpart weakly;
        with the corpus' own words beside it, the question lands nearer the passages that
        use them, in the same model call. A word the dictionary translates several ways
        would add the senses the question does not mean (and model time), so only BM25
        (:meth:`_bilingual_ranking`) reads those.
        """
        if language != "en" or self.corpus_language == "en":
            return question
        words = self._table_words(question, most=1) + self.glossary.translations(question)
        return f"{question} {' '.join(words)}" if words else question

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
