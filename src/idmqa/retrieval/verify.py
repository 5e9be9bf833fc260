"""Quote verification: does the report say it, how faithfully, and whom does it credit?

Three tests, strictest first, each over every passage of the index:

- **verbatim** — the quote's words, in order, are a run of a passage's words. Case,
  punctuation, spacing, typographic apostrophes and quotation marks, and footnote calls do not
  count; accents do. A quote trimmed with ellipses (``…``, ``[…]``, ``(...)``) is verbatim
  when each of its pieces is, in order, in one passage.
- **close** — fuzzy alignment (rapidfuzz's partial ratio: the passage substring nearest the
  quote by edit distance) of the quote's words, accents aside, scores at least
  ``quote_close_similarity``: a word or a number changed, a word added or dropped.
- **paraphrase** — the same meaning in other words or in another language. The stored
  sentence vectors find the passages nearest the quote; the runs of clauses of those passages
  are embedded like the quote, and the best must have a cosine of at least
  ``quote_paraphrase_cosine`` *and* beat the next passages' best by
  ``quote_paraphrase_margin``. The margin is what tells a translation from an invented quote
  on the same subject: this model gives any two sentences about migration a cosine near 0.9,
  but a translation stands out from everything else the report says (the margin criterion
  of bitext mining, Artetxe & Schwenk 2019).

Who the report credits for a matched span comes from the passage's speakers; when a passage
reports several people, the one named last before the span is credited (the report's
statements run from "M. X a déclaré…" to the next speaker).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from idmqa.index.sentences import SentenceStore
from idmqa.people.lookup import Lookup
from idmqa.people.model import People, Person
from idmqa.schema import Passage
from idmqa.settings import Settings
from idmqa.text import SUPERSCRIPT_DIGITS, detect_language, iter_sentences

Verdict = Literal["verbatim", "close", "paraphrase", "not_found"]
AttributionStatus = Literal[
    "confirmed", "misattributed", "unattributed", "unknown_person", "not_found"
]
#: Embeds texts as L2-normalised rows, all the same way (the question encoder).
Embed = Callable[[list[str]], np.ndarray]

#: Spans returned per check.
MAX_MATCHES = 3
#: Longest run of consecutive sentences a paraphrase is first looked for in.
MAX_WINDOW = 3
#: Passages aligned character by character after the fast partial-ratio ranking.
_ALIGNED = 8
#: Passages whose clauses are embedded and compared with a quote that is not close.
_REFINED = 6
#: Clause runs embedded per passage: those whose length is nearest the quote's.
_CLAUSE_RUNS = 8
#: The margin is taken over this many next passages.
_MARGIN_OVER = 3
#: A French rendering runs about this much longer than the English it translates.
_FRENCH_LENGTH = 1.15

#: The ways a quotation marks a cut: "…", "...", "[…]", "[...]", "(…)", "(...)".
_ELLIPSIS_RE = re.compile(r"[\[(]\s*(?:…|\.\.\.)\s*[\])]|…|\.\.\.")
_WORD_RE = re.compile(r"\w+")
_NOT_IN_WORDS = str.maketrans("", "", SUPERSCRIPT_DIGITS + "_")
#: Where a clause ends inside a sentence: punctuation, spaced dashes, quotation marks, and
#: the "que" of reported speech ("Elle a souligné que New York est fière…").
_CLAUSE_END_RE = re.compile(r"[,;:()«»“”\"]|\s[–—-]\s|\bque\s|\bqu['’]", re.IGNORECASE)
_CLAUSE_TRIM = ' ,;:()«»“”"–—-\n'


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """A span of a passage that matches the quote: ``text[start:end]`` of ``passage``."""

    passage: Passage
    start: int
    end: int
    similarity: float  # 0–1: fuzzy alignment of the quote's words with the span's
    meaning: float  # cosine of the quote with the span (0 when not measured)
    speakers: tuple[str, ...]  # ids of the people the report credits for the span


@dataclass(frozen=True, slots=True)
class Attribution:
    """The speaker a quote was credited to, checked against the report."""

    claimed: str  # as given
    person: str | None  # the claimed person's id; None if the report names no such person
    status: AttributionStatus
    credited: tuple[str, ...]  # whom the report credits for the best span
    message: str


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """The verdict on a quote, its best spans in the report and, if asked, its attribution."""

    quote: str
    language: str
    verdict: Verdict
    score: float  # what the verdict rests on: 1 verbatim, similarity if close, else cosine
    margin: float  # for paraphrase and not_found: the best cosine minus the next passages'
    matches: tuple[QuoteMatch, ...]
    attribution: Attribution | None = None

    @property
    def credited(self) -> tuple[str, ...]:
        """Whom the report credits for the best span (nobody for a quote not found)."""
        return self.matches[0].speakers if self.matches and self.verdict != "not_found" else ()


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` reduced to its words for fuzzy comparison — lower case, without accents,
    footnote calls and punctuation, one space between words — and the index in ``text`` of
    each character kept."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char in SUPERSCRIPT_DIGITS or char in "*_":
            continue
        if not char.isalnum():
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(i)
            continue
        base = [c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)]
        out.append((base[0] if base else char).casefold()[:1])
        origin.append(i)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def _words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text``, case-folded, with their character spans (footnote calls and
    emphasis marks are not words)."""
    return [
        (w, m.start(), m.end())
        for m in _WORD_RE.finditer(text)
        if (w := m.group().translate(_NOT_IN_WORDS).casefold())
    ]


def pieces(quote: str) -> list[list[str]]:
    """The quote's pieces between ellipses, each as its folded words (empty pieces dropped)."""
    out = [[w for w, _, _ in _words(piece)] for piece in _ELLIPSIS_RE.split(quote)]
    return [p for p in out if p]


def _find_run(words: Sequence[str], run: Sequence[str], start: int) -> int:
    """Index of the first occurrence of ``run`` in ``words`` at or after ``start``, or -1."""
    first, n = run[0], len(run)
    for i in range(start, len(words) - n + 1):
        if words[i] == first and list(words[i : i + n]) == list(run):
            return i
    return -1


def _verbatim_span(
    words: list[tuple[str, int, int]], runs: list[list[str]]
) -> tuple[int, int] | None:
    """The character span covering ``runs`` found in order in ``words``, or None."""
    tokens = [w for w, _, _ in words]
    cursor, first = 0, -1
    for run in runs:
        at = _find_run(tokens, run, cursor)
        if at < 0:
            return None
        first = at if first < 0 else first
        cursor = at + len(run)
    return words[first][1], words[cursor - 1][2]


class QuoteVerifier:
    """Checks quotes against the passages of an index (built once per service)."""

    def __init__(
        self,
        passages: Sequence[Passage],
        sentences: SentenceStore,
        people: People,
        settings: Settings,
        lookup: Lookup,
    ) -> None:
        self.passages = passages
        self.sentences = sentences
        self.people = people
        self.settings = settings
        self.lookup = lookup  # who a claimed speaker is: the service's own person lookup
        self._words = [_words(p.text) for p in passages]
        self._folded = [fold(p.text) for p in passages]
        self._windows, self._window_sizes, self._window_norms = _sentence_windows(sentences)

    def check(self, quote: str, embed: Embed, speaker: str | None = None) -> QuoteCheck:
        """The verdict on ``quote``; ``embed`` is called only when the quote is neither
        verbatim nor close. ``speaker``, if given, is checked against whom the report
        credits."""
        margin = 0.0
        found = self._verbatim(pieces(quote))
        if found:
            verdict, score = "verbatim", 1.0
        else:
            found = self._aligned(fold(_ELLIPSIS_RE.sub(" ", quote))[0])
            close = self.settings.quote_close_similarity
            if found and found[0].similarity >= close:
                verdict, score = "close", found[0].similarity
                found = [m for m in found if m.similarity >= close]
            else:
                found, margin = self._by_meaning(quote, embed)
                score = found[0].meaning if found else 0.0
                paraphrase = (
                    score >= self.settings.quote_paraphrase_cosine
                    and margin >= self.settings.quote_paraphrase_margin
                )
                verdict = "paraphrase" if paraphrase else "not_found"
        result = QuoteCheck(
            quote,
            detect_language(quote),
            verdict,
            round(score, 4),
            round(margin, 4),
            tuple(found[:MAX_MATCHES]),
        )
        if speaker is None or not speaker.strip():
            return result
        return replace(result, attribution=self._attribution(speaker.strip(), result))

    # ------------------------------------------------------------------ the three tests

    def _verbatim(self, runs: list[list[str]]) -> list[QuoteMatch]:
        if not runs:
            return []
        out = []
        for i, words in enumerate(self._words):
            span = _verbatim_span(words, runs)
            if span is not None:
                out.append(self._match(i, *span, similarity=1.0))
        return out

    def _aligned(self, folded_quote: str) -> list[QuoteMatch]:
        """Passages holding the best fuzzy alignments of the folded quote, best first."""
        if not folded_quote:
            return []
        texts = [text for text, _ in self._folded]
        ranked = process.extract(folded_quote, texts, scorer=fuzz.partial_ratio, limit=_ALIGNED)
        out = []
        for _, _, i in ranked:
            text, origin = self._folded[i]
            aligned = fuzz.partial_ratio_alignment(folded_quote, text)
            if aligned is None or aligned.dest_end <= aligned.dest_start:
                continue
            start, end = origin[aligned.dest_start], origin[aligned.dest_end - 1] + 1
            out.append(self._match(i, start, end, similarity=aligned.score / 100))
        return sorted(out, key=lambda m: -m.similarity)

    def _by_meaning(self, quote: str, embed: Embed) -> tuple[list[QuoteMatch], float]:
        """The spans closest in meaning, one per passage, best first, and the margin of the
        best over the next passages (spans of the same words, which the report repeats,
        left out of it).

        The stored sentence vectors (embedded as passages) find the passages nearest the
        quote; the clause runs of their nearest sentences are then embedded the way the quote
        is: a translation of one clause of a long sentence matches that clause, not the
        sentence it is diluted in."""
        vector = embed([quote])[0]
        out = []
        for index, start, end in self._nearest_runs(vector):
            text = self.passages[index].text
            spans = _clause_runs(text, start, end, len(quote))
            cosines = embed([text[s:e] for s, e in spans]) @ vector
            best = int(np.argmax(cosines))
            out.append(self._match(index, *spans[best], meaning=float(cosines[best])))
        out.sort(key=lambda m: -m.meaning)
        if not out:
            return out, 0.0
        same = fold(out[0].passage.text[out[0].start : out[0].end])[0]
        others = [m.meaning for m in out[1:] if fold(m.passage.text[m.start : m.end])[0] != same][
            :_MARGIN_OVER
        ]
        return out, out[0].meaning - (float(np.mean(others)) if others else 0.0)

    def _nearest_runs(self, vector: np.ndarray) -> list[tuple[int, int, int]]:
        """(passage index, start, end) of the run of 1–3 sentences nearest ``vector`` in each
        of the ``_REFINED`` nearest passages."""
        cosines = self.sentences.cosines(vector)
        cumulative = np.concatenate([[0.0], np.cumsum(cosines, dtype=np.float64)])
        rows, sizes = self._windows, self._window_sizes
        scores = (cumulative[rows + sizes] - cumulative[rows]) / self._window_norms
        spans = self.sentences.spans
        out, seen = [], set()
        for w in np.argsort(-scores):
            first, last = int(rows[w]), int(rows[w] + sizes[w] - 1)
            index = int(spans[first][0])
            if index not in seen:
                seen.add(index)
                out.append((index, int(spans[first][1]), int(spans[last][2])))
                if len(out) == _REFINED:
                    break
        return out

    def _match(
        self, index: int, start: int, end: int, *, similarity: float = 0.0, meaning: float = 0.0
    ) -> QuoteMatch:
        passage = self.passages[index]
        return QuoteMatch(
            passage,
            start,
            end,
            round(similarity, 4),
            round(meaning, 4),
            self.credited(passage, start),
        )

    # ------------------------------------------------------------------ who said it

    def credited(self, passage: Passage, start: int) -> tuple[str, ...]:
        """Whom the report credits for the text of ``passage`` from ``start`` on: of the
        passage's speakers, the one named last before it (all of them when none is)."""
        if len(passage.speakers) <= 1:
            return passage.speakers
        text = passage.text
        before = [(s, min(e, start)) for s, e in iter_sentences(text) if s < start]
        for s, e in reversed(before):
            named = [p.id for p in self.people.detect(text[s:e]) if p.id in passage.speakers]
            if named:
                return tuple(named)
        return passage.speakers

    def _attribution(self, claimed: str, result: QuoteCheck) -> Attribution:
        credited = result.credited
        names = " and ".join(self._name(i) for i in credited)
        resolved = self.lookup.resolve(claimed)
        persons: list[Person] = [resolved] if resolved else self.lookup.candidates(claimed)
        match = next((p for p in persons if p.id in credited), None)
        person = match.id if match else (persons[0].id if len(persons) == 1 else None)
        shown = self._name(person) if person else claimed
        if result.verdict == "not_found":
            status: AttributionStatus = "not_found"
            message = "the report does not contain this quote, so it attributes it to no one"
        elif not persons:
            status, message = "unknown_person", f"the report names no one matching {claimed!r}"
            message += f"; it attributes this to {names}" if names else ""
        elif match:
            status, message = "confirmed", f"the report attributes this to {shown}"
        elif credited:
            status = "misattributed"
            message = f"the report attributes this to {names}, not to {shown}"
        else:
            status = "unattributed"
            message = f"the report attributes this to no one by name, not to {shown}"
        return Attribution(claimed, person, status, credited, message)

    def _name(self, person_id: str) -> str:
        person = self.people.get(person_id)
        return person.name if person else person_id


def _sentence_windows(store: SentenceStore) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every run of 1 to ``MAX_WINDOW`` consecutive sentences of one passage: its first row,
    its length, and the norm of the sum of its sentence vectors (so that the cosine of a run
    with a vector is the sum of its sentences' cosines over that norm)."""
    rows, sizes, norms = [], [], []
    n = len(store.spans)
    for size in range(1, MAX_WINDOW + 1):
        first = np.arange(max(n - size + 1, 0))
        first = first[store.spans[first, 0] == store.spans[first + size - 1, 0]]
        total = sum(store.vectors[first + j].astype(np.float64) for j in range(size))
        rows.append(first)
        sizes.append(np.full(len(first), size))
        norms.append(np.linalg.norm(total, axis=1) if len(first) else np.zeros(0))
    return np.concatenate(rows), np.concatenate(sizes), np.maximum(np.concatenate(norms), 1e-9)


def _clause_runs(text: str, start: int, end: int, length: int) -> list[tuple[int, int]]:
    """Spans of runs of consecutive clauses of ``text[start:end]`` (the whole span among
    them): the ``_CLAUSE_RUNS`` whose length is nearest that of a French rendering of a
    quote of ``length`` characters."""
    cuts = {start, end}
    for s, e in iter_sentences(text[start:end]):
        cuts.update((start + s, start + e))
    cuts.update(m.end() for m in _CLAUSE_END_RE.finditer(text, start, end))
    bounds = sorted(cuts)
    clauses = []
    for a, b in itertools.pairwise(bounds):
        stripped = text[a:b].strip(_CLAUSE_TRIM)
        if stripped:
            at = text.index(stripped, a)
            clauses.append((at, at + len(stripped)))
    runs = {(a[0], b[1]) for i, a in enumerate(clauses) for b in clauses[i:]}
    runs.add((start, end))
    target = _FRENCH_LENGTH * length + 1
    return sorted(runs, key=lambda r: abs(math.log((r[1] - r[0] + 1) / target)))[:_CLAUSE_RUNS]
