"""Follow-up questions read in their conversation: what is searched for "And what did he say
about the Global Compact?" asked after "What did Vitorino say about data?".

Each earlier turn (its question and the passages it was answered with) is read in turn, so
that a chain of follow-ups carries its person and topic along. A turn's *person* is the first
person its question names (:meth:`People.detect`), else whom a pronoun stood for, else the
dominant speaker of its passages (their statement speakers, weighted by rank); its *topic* is
what follows the first topic marker ("about", "sur"), else the question without its opening
words and its person. A new question is then rewritten by three deterministic rules, all
driven by the per-language vocabularies of ``data/lexicon/<lang>/`` (``references``,
``follow_up_openers``, ``topic_markers``, ``question_openers``, ``auxiliaries``, ``fillers``,
``not_references``, ``templates``, ``contractions``):

* **references** — a pronoun stands for the previous person ("he", "her views", "Qu'a-t-il
  dit", "selon lui"; the pronoun's gender must fit), a possessive, demonstrative or clitic for
  the previous topic ("its components", "this mechanism", "ce mécanisme", "Qui en a parlé ?");
* **person switch** — an elliptic follow-up that only designates someone ("Et M. Lauber ?",
  "And the Swiss one?": a name, or a country, organisation or title the people lookup
  resolves) is the previous question about that person;
* **topic switch** — an elliptic follow-up that names something else ("Et sur les données ?",
  "What about remittances?") is the previous question about that.

A question that none applies to is searched as asked. Nothing here knows of HTTP or of the
index's files: the service gives the people, their lookup and a passage lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import islice

from idmqa import lexicon
from idmqa.people.lookup import Lookup, concepts_in
from idmqa.people.model import CIVILITIES, People, Person, asks_for_person, fold
from idmqa.retrieval.questions import Asked
from idmqa.retrieval.rewrite import (
    EDITS,
    WORD,
    Reference,
    Vocabulary,
    bare,
    tidy,
    vocabulary,
    words_of,
)
from idmqa.schema import Passage
from idmqa.text import language_votes

#: Longest elliptic follow-up read as designating someone, in words ("Et Mme Liduvina Magarin
#: d'El Salvador ?"): the people lookup compares each word with every person.
MAX_DESIGNATION_WORDS = 8
#: Questions whose people are remembered (what People.detect found in them).
DETECTED_QUESTIONS = 256
#: Most words of a question read as references ("il", "son", "en"…): a follow-up has a few; a
#: question made of hundreds would cost each of them a pass over it.
MAX_REFERENCES = 6


@dataclass(frozen=True, slots=True)
class Reading:
    """How a question is read in its conversation."""

    question: str  # what is searched: the question as asked, or rewritten
    rules: tuple[str, ...]  # the rules that rewrote it (empty: read as asked)
    language: str
    person: Person | None = None
    topic: str = ""
    #: it names or asks for someone (a later "il" is then that person, not the topic)
    about_person: bool = False

    @property
    def rewritten(self) -> bool:
        return bool(self.rules)


def _language(question: str, default: str) -> str:
    french, english = language_votes(question)
    if french == english:
        return default
    return "en" if english > french else "fr"


class Resolver:
    """Reads questions in their conversation (see the module docstring)."""

    def __init__(
        self,
        people: People,
        lookup: Lookup,
        passage: Callable[[str], Passage | None],
        default_language: str = "fr",
        max_chars: int = 1000,
    ) -> None:
        self.people = people
        self.lookup = lookup
        self.passage = passage
        self.default_language = default_language
        #: longest rewritten question: past it, the question is read as asked (a topic put in
        #: place of a pronoun, turn after turn, would otherwise grow without bound)
        self.max_chars = max_chars
        # a client sends the same earlier turns again with each follow-up
        self._detect = lru_cache(maxsize=DETECTED_QUESTIONS)(people.detect)
        #: civilities as question words ("m", "mme", "ms") and the gender they tell
        self._civilities = {fold(c).rstrip("."): gender for c, gender in CIVILITIES.items()}

    # ------------------------------------------------------------------ conversation

    def read(self, question: str, history: Sequence[Asked] = ()) -> Reading:
        """How ``question`` reads after ``history`` (oldest turn first)."""
        previous: Reading | None = None
        candidates: list[Person] = []
        for turn in history:
            previous = self._read_turn(turn.question, previous, candidates)
            candidates = self._people_of(previous, turn.passage_ids)
            if previous.person is None and candidates:
                previous = replace(previous, person=candidates[0])
        return self._read_turn(question, previous, candidates)

    def _people_of(self, reading: Reading, passage_ids: Sequence[str]) -> list[Person]:
        """Whom a later pronoun may stand for: the people the turn's question names, its
        person, then the statement speakers of its passages, most present first."""
        named = self._detect(reading.question)
        weights: dict[str, float] = {}
        for rank, pid in enumerate(passage_ids, 1):
            found = self.passage(pid)
            if found is None or found.kind == "agenda":
                continue
            for person_id in dict.fromkeys(found.speakers):
                weights[person_id] = weights.get(person_id, 0.0) + 1 / rank
        speakers = [
            person
            for pid in sorted(weights, key=lambda p: -weights[p])
            if (person := self.people.get(pid)) is not None
        ]
        ordered = [*named, *([reading.person] if reading.person else []), *speakers]
        return list(dict.fromkeys(ordered))

    def _read_turn(
        self, question: str, previous: Reading | None, candidates: Sequence[Person]
    ) -> Reading:
        language = _language(question, previous.language if previous else self.default_language)
        words = vocabulary(language)
        if previous is not None:
            read = self._refer(question, words, previous, candidates) or self._switch(
                question, words, previous
            )
            if read is not None and len(read.question) <= self.max_chars:
                return read
        named = self._detect(question)
        person = named[0] if named else None
        topic = self._topic(question, words, person)
        about = _about_person(question, words, bool(named))
        return Reading(question, (), language, person, topic, about)

    # ------------------------------------------------------------------ elliptic switches

    def _switch(self, question: str, words: Vocabulary, previous: Reading) -> Reading | None:
        """The previous question about someone or something else, for an elliptic
        follow-up ("Et M. Lauber ?", "And on data?"); None for any other question."""
        opener = words.opener.match(question)
        if opener is None:
            return None
        rest = bare(question[opener.end() :]).strip(" ,;:")
        if not rest or any(words.question.match(c.strip()) for c in re.split(r"[,;:]", rest)):
            return None  # a question of its own ("Et maintenant, qu'a dit X sur… ?")
        marker = words.marker.match(rest)
        # "Et la Suisse ?" changes the person only of a question about someone
        someone = previous.about_person and previous.person is not None and not marker
        person = self._designated(rest, words) if someone else None
        if person is not None:
            text = self._replace_person(previous, person, words)
            return self._reading(text, "person switch", words, person, previous.topic, True)
        topic = rest[marker.end() :].strip() if marker else rest
        text = self._replace_topic(previous, topic, words)
        about = previous.about_person
        return self._reading(text, "topic switch", words, previous.person, topic, about)

    def _designated(self, rest: str, words: Vocabulary) -> Person | None:
        """The person ``rest`` designates: a name (with nothing else than their organisation
        or country: "M. Khan de l'UNICEF"), or else the best match of the people lookup for
        its countries, organisations and titles ("the Swiss one", "la Suisse")."""
        if len(words_of(rest)) > MAX_DESIGNATION_WORDS:
            return None
        idle = words.function_words | words.fillers | set(self._civilities)
        query = [w for w in words_of(rest) if w not in idle]
        named = self._detect(rest)
        if named:
            names = {t for p in named for alias in p.tokens for t in alias}
            _, left = concepts_in(" ".join(w for w in query if w not in names))
            if any(w not in idle for w in words_of(left)):
                return None
            # a shared surname: told apart by the civility's gender ("Mme Haddad"), then by the
            # organisation or country given with it, as the lookup weighs them
            genders = {self._civilities[w] for w in words_of(rest) if self._civilities.get(w)}
            named = [p for p in named if not genders or p.gender in genders] or named
            best = [p for p, _, _ in self.lookup.scored(" ".join(query)) if p in named]
            return (best or named)[0]
        if not concepts_in(rest)[0]:
            return None
        # words that match nobody ("deputy" of a role the report writes in French) are left
        # out rather than taken to designate nobody; then the title ("the head of UNICEF")
        matching = [w for w in query if self.lookup.scored(w)]
        for kept in (query, matching, [w for w in matching if w not in _title_words()]):
            scored = self.lookup.scored(" ".join(kept))
            if scored:
                return scored[0][0]
        return None

    def _replace_person(self, previous: Reading, person: Person, words: Vocabulary) -> str:
        span = _mention(previous.question, previous.person) if previous.person else None
        if span is not None:
            return previous.question[: span[0]] + person.name + previous.question[span[1] :]
        return self._template(words, person.name, previous.topic)

    def _replace_topic(self, previous: Reading, topic: str, words: Vocabulary) -> str:
        at = previous.question.find(previous.topic) if previous.topic else -1
        if at >= 0:
            end = at + len(previous.topic)
            return previous.question[:at] + topic + previous.question[end:]
        if previous.person is not None:
            return self._template(words, previous.person.name, topic)
        return topic

    def _template(self, words: Vocabulary, person: str, topic: str) -> str:
        if not topic:
            return person
        return words.templates["said"].format(person=person, topic=topic)

    # ------------------------------------------------------------------ references

    def _refer(
        self,
        question: str,
        words: Vocabulary,
        previous: Reading,
        candidates: Sequence[Person],
    ) -> Reading | None:
        """``question`` with its pronouns, possessives and demonstratives replaced by the
        previous person or topic; None when it has none that can be."""
        idioms = [] if words.idioms is None else list(words.idioms.finditer(question))
        edits: list[tuple[int, int, str]] = []
        suffix = ""
        person: Person | None = None
        rules: list[str] = []
        for m in islice(words.reference.finditer(question), MAX_REFERENCES):
            if any(i.start() <= m.start() < i.end() for i in idioms):
                continue
            ref = words.references[fold(m.group())]
            if ref.grammar == "inverted" and edits:
                continue  # "Comment ce mécanisme est-il financé ?": the subject is given
            about = self._referent(ref, question, m, words, previous, candidates)
            if about is None:
                continue
            target = about.name if isinstance(about, Person) else previous.topic
            edit = EDITS[ref.grammar](question, m, ref, target, words)
            if edit is None:
                continue
            start, end, text, after = edit
            if any(s < end and start < e for s, e, _ in edits):
                continue  # a word another edit already rewrote
            edits.append((start, end, text))
            suffix += after
            if isinstance(about, Person):
                person = person or about
                rules.append("person")
            else:
                rules.append("topic")
        if not edits:
            return None
        text = question
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        if suffix:
            at = len(bare(text))
            text = text[:at] + suffix + text[at:]
        text = tidy(re.sub(r"[ \t]{2,}", " ", text).strip(), words)
        named = self._detect(text)
        about = _about_person(text, words, person is not None or bool(named))
        person = person or (named[0] if named else None)
        return self._reading(text, "+".join(dict.fromkeys(rules)), words, person, None, about)

    def _referent(
        self,
        ref: Reference,
        question: str,
        m: re.Match[str],
        words: Vocabulary,
        previous: Reading,
        candidates: Sequence[Person],
    ) -> Person | str | None:
        """Whom or what the reference ``m`` stands for; None when nothing fits."""
        refers = ref.refers
        if refers == "owner":
            # a possessive tells nothing of its owner: the person in a question about what
            # someone said ("sa position"), the topic otherwise ("ses composantes")
            said = any(w in _speech_words(words.language) for w in words_of(question))
            refers = "person" if (said or not previous.topic) else "topic"
        elif refers == "either":
            # "il", "elle": a person after a question about someone, else the topic ("Qu'est-ce
            # que l'Alliance 8.7 ? Quand a-t-elle été lancée ?")
            refers = "person" if (previous.about_person or not previous.topic) else "topic"
        if refers == "topic":
            return previous.topic or None
        for person in candidates:
            if not ref.gender or not person.gender or person.gender == ref.gender:
                return person
        return None

    def _reading(
        self,
        text: str,
        rule: str,
        words: Vocabulary,
        person: Person | None,
        topic: str | None,
        about_person: bool,
    ) -> Reading:
        text = tidy(text, words)
        if topic is None:
            topic = self._topic(text, words, person)
        return Reading(text, (rule,), words.language, person, topic, about_person)

    # ------------------------------------------------------------------ topics

    def _topic(self, question: str, words: Vocabulary, person: Person | None) -> str:
        """What ``question`` is about. About someone: after the first topic marker that
        follows their name ("Qu'a dit X sur la société civile ?"), else after their name and
        its verb. About something: the noun phrase after the opening words ("What is the
        capacity-building mechanism?"), else after the first topic marker ("Who spoke about
        remittances?"), else the question without its opening words."""
        span = _mention(question, person) if person else None
        if span is not None:
            marker = words.marker.search(question, span[1])
            if marker is not None:
                return _topic_text(question[marker.end() :])
            topic = question[span[1] :]
            skip = words.function_words | _speech_words(words.language)
            while (first := WORD.match(topic.lstrip())) and fold(first.group()) in skip:
                topic = topic.lstrip()[first.end() :]
            return _topic_text(topic)
        opening = words.question.match(question)
        rest = question[opening.end() :] if opening else question
        first = WORD.search(rest)
        marker = words.marker.search(rest)
        if (
            marker is not None
            and first is not None
            and fold(first.group()) not in (words.function_words)
        ):
            return _topic_text(rest[marker.end() :])
        return _topic_text(rest)


def _topic_text(topic: str) -> str:
    return bare(topic).strip(" ,;:")


@cache
def _speech_words(language: str) -> frozenset[str]:
    """Words of a question about what someone said (said, dit, position…), folded."""
    return frozenset(fold(row[0]) for row in lexicon.rows("speech_questions", language))


def _mention(text: str, person: Person) -> tuple[int, int] | None:
    """The span of ``text`` naming ``person`` (the longest of their names, or their surname,
    with a civility before it), accents and case aside; None if it does not name them."""
    folded = fold(text)
    if len(folded) != len(text):
        return None  # decomposed accents: spans of the folded text are not the text's
    names = sorted({a for a in person.aliases}, key=len, reverse=True)
    surnames = [alias.split()[-1] for alias in names if alias.split()]
    civility = lexicon.phrase_pattern(fold(c) for c in CIVILITIES)
    for name in [*names, *surnames]:
        body = r"\W+".join(re.escape(w) for w in fold(name).split())
        m = re.search(rf"(?:(?:{civility})\s+)?(?<!\w){body}(?!\w)", folded)
        if m is not None:
            return m.start(), m.end()
    return None


def _about_person(question: str, words: Vocabulary, named: bool) -> bool:
    """Is ``question`` about someone: naming them, asking who, or asking what was said?"""
    said = _speech_words(words.language)
    return named or asks_for_person(question) or any(w in said for w in words_of(question))


@cache
def _title_words() -> frozenset[str]:
    """The words of titles in every language ("head", "directeur"), folded."""
    return frozenset(fold(w) for row in lexicon.all_rows("titles") for w in row[0].split())
